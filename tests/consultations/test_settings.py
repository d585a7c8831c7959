"""Organisers configure a consultation: policy, service, and the settings page."""
from __future__ import annotations

from datetime import date

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from roadmap.consultations import services
from roadmap.consultations.models import Consultation, ConsultationPhase
from roadmap.consultations.policies import can_configure
from roadmap.extensions import db
from tests.conftest import login

D = date
# A valid form: every phase, one after the other, from January to June 2026.
VALID = {
    "diagnosis_starts_on": "2026-01-01", "diagnosis_ends_on": "2026-01-31",
    "proposals_starts_on": "2026-02-01", "proposals_ends_on": "2026-02-28",
    "voting_starts_on": "2026-03-01", "voting_ends_on": "2026-03-31",
    "evaluation_starts_on": "2026-04-01", "evaluation_ends_on": "2026-04-15",
    "roadmap_starts_on": "2026-04-16", "roadmap_ends_on": "2026-04-30",
    "implementation_starts_on": "2026-05-01", "implementation_ends_on": "2026-06-30",
    "vote_limit": "5", "votes_home_commune_only": "y", "voting_during_proposals": "y",
    "premoderation": "y", "report_threshold": "4",
}


def snapshot(consultation_id: int):
    """What the database holds for a consultation's settings (flushing anything pending)."""
    rules = db.session.execute(select(
        Consultation.vote_limit, Consultation.votes_home_commune_only,
        Consultation.voting_during_proposals, Consultation.premoderation,
        Consultation.report_threshold).where(Consultation.id == consultation_id)).one()
    phases = db.session.execute(select(
        ConsultationPhase.kind, ConsultationPhase.starts_on, ConsultationPhase.ends_on)
        .where(ConsultationPhase.consultation_id == consultation_id)
        .order_by(ConsultationPhase.starts_on)).all()
    return tuple(rules), [tuple(row) for row in phases]


def url(consultation) -> str:
    return f"/c/{consultation.slug}/settings?lang=en"


# --- Policy and service --------------------------------------------------------------------------

def test_only_organisers_and_admins_may_configure(factory):
    subject = factory.consultation()
    assert not can_configure(AnonymousUserMixin(), subject)
    assert not can_configure(None, subject)
    assert not can_configure(factory.user("participant"), subject)
    assert not can_configure(factory.user("moderator"), subject)
    assert can_configure(factory.user("organiser"), subject)
    assert can_configure(factory.user("admin"), subject)


def test_configure_sets_phases_and_rules_and_drops_left_out_phases(factory):
    subject = factory.consultation()
    services.configure_consultation(
        subject, factory.user("organiser"),
        phases={"proposals": (D(2026, 2, 1), D(2026, 2, 28)),
                "voting": (D(2026, 3, 1), D(2026, 3, 31)), "diagnosis": (None, None)},
        vote_limit=3, votes_home_commune_only=True, voting_during_proposals=False,
        premoderation=True, report_threshold=2)
    assert snapshot(subject.id) == ((3, True, False, True, 2), [
        ("proposals", D(2026, 2, 1), D(2026, 2, 28)), ("voting", D(2026, 3, 1), D(2026, 3, 31))])
    assert [phase.kind for phase in subject.phases] == ["proposals", "voting"]


@pytest.mark.parametrize("phases, field", [
    ({"proposals": (D(2026, 2, 1), D(2026, 2, 28)), "voting": (D(2026, 2, 28), D(2026, 3, 5))},
     "voting_starts_on"),                                     # overlaps by one day
    ({"proposals": (D(2026, 2, 1), D(2026, 2, 28)), "voting": (D(2026, 1, 1), D(2026, 1, 5))},
     "voting_starts_on"),                                     # out of order
    ({"voting": (D(2026, 3, 5), D(2026, 3, 1))}, "voting_ends_on"),
    ({"voting": (D(2026, 3, 5), None)}, "voting_ends_on"),
    ({"voting": (None, D(2026, 3, 5))}, "voting_starts_on"),
])
def test_phase_date_errors_name_the_field(app, phases, field):
    assert list(services.phase_date_errors(phases)) == [field]


def test_phase_date_errors_accept_gaps_and_left_out_phases(app):
    assert services.phase_date_errors({
        "proposals": (D(2026, 2, 1), D(2026, 2, 1)), "evaluation": (D(2026, 2, 10),
                                                                   D(2026, 2, 20))}) == {}


@pytest.mark.parametrize("role, changes, error", [
    ("participant", {}, services.NotAllowed),
    ("organiser", {"vote_limit": 0}, services.ConsultationError),
    ("organiser", {"report_threshold": 0}, services.ConsultationError),
    ("organiser", {"phases": {"voting": (D(2026, 3, 5), D(2026, 3, 1))}},
     services.ConsultationError),
])
def test_configure_refuses_and_changes_nothing(factory, role, changes, error):
    subject = factory.consultation()
    before = snapshot(subject.id)
    arguments = {"phases": {"voting": (D(2026, 3, 1), D(2026, 3, 31))}, "vote_limit": 2,
                 "votes_home_commune_only": True, "voting_during_proposals": True,
                 "premoderation": True, "report_threshold": 5} | changes
    with pytest.raises(error):
        services.configure_consultation(subject, factory.user(role), **arguments)
    assert snapshot(subject.id) == before


# --- The settings page ---------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_the_login_page(client, factory):
    subject = factory.consultation()
    response = client.get(url(subject))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(url(subject), data=VALID).status_code == 302


@pytest.mark.parametrize("role", ["participant", "moderator"])
def test_participants_and_moderators_get_403_and_change_nothing(client, factory, role):
    subject = factory.consultation()
    before = snapshot(subject.id)
    login(client, factory.user(role))
    assert client.get(url(subject)).status_code == 403
    assert client.post(url(subject), data=VALID).status_code == 403
    assert snapshot(subject.id) == before


@pytest.mark.parametrize("role", ["organiser", "admin"])
def test_organisers_see_the_form_filled_in(client, factory, role):
    subject = factory.consultation("voting", vote_limit=7)
    login(client, factory.user(role))
    response = client.get(url(subject))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    voting = subject.phases[2]
    assert f'id="voting_starts_on" name="voting_starts_on" type="date" value="{voting.starts_on}"' \
        in html
    assert 'inputmode="numeric" min="1" name="vote_limit" type="text" value="7"' in html
    assert '<label for="votes_home_commune_only">' in html
    assert f'href="/c/{subject.slug}/workshops"' in html


def test_unknown_consultation_is_404(client, factory):
    login(client, factory.user("organiser"))
    assert client.get("/c/no-such-consultation/settings").status_code == 404


def test_valid_post_saves_the_settings(client, factory):
    subject = factory.consultation("proposals")
    login(client, factory.user("organiser"))
    response = client.post(url(subject), data=VALID | {"diagnosis_starts_on": "",
                                                       "diagnosis_ends_on": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/{subject.slug}/settings")
    rules, phases = snapshot(subject.id)
    assert rules == (5, True, True, True, 4)
    assert [kind for kind, *_ in phases] == [
        "proposals", "voting", "evaluation", "roadmap", "implementation"]
    assert phases[0] == ("proposals", D(2026, 2, 1), D(2026, 2, 28))
    assert "The settings of the consultation were saved." in client.get(url(subject)).get_data(
        as_text=True)


def test_unticked_boxes_and_empty_limit_mean_off_and_unlimited(client, factory):
    subject = factory.consultation(vote_limit=3, votes_home_commune_only=True,
                                   voting_during_proposals=True, premoderation=True)
    login(client, factory.user("organiser"))
    form = {k: v for k, v in VALID.items() if k not in (
        "votes_home_commune_only", "voting_during_proposals", "premoderation")}
    assert client.post(url(subject), data=form | {"vote_limit": ""}).status_code == 302
    assert snapshot(subject.id)[0] == (None, False, False, False, 4)


def test_htmx_post_is_told_where_to_go(client, factory):
    subject = factory.consultation()
    login(client, factory.user("organiser"))
    response = client.post(url(subject), data=VALID, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/c/{subject.slug}/settings")


@pytest.mark.parametrize("changes, field, message", [
    ({"voting_starts_on": "2026-02-20"}, "voting_starts_on",
     "This phase must start after the previous phase, which ends on February 28, 2026."),
    ({"voting_ends_on": "2026-02-27"}, "voting_ends_on", "A phase cannot end before it starts."),
    ({"roadmap_ends_on": ""}, "roadmap_ends_on", "Give both dates"),
    ({"vote_limit": "0"}, "vote_limit", "Enter 1 or more, or leave empty for no limit."),
    ({"vote_limit": "-2"}, "vote_limit", "Enter 1 or more, or leave empty for no limit."),
    ({"vote_limit": "three"}, "vote_limit", "Enter a whole number, such as 3."),
    ({"report_threshold": "0"}, "report_threshold", "Enter 1 or more."),
    ({"report_threshold": ""}, "report_threshold", "Enter 1 or more."),
    ({"proposals_starts_on": "next week"}, "proposals_starts_on", "Enter a date"),
])
def test_invalid_post_answers_422_with_the_error_next_to_the_field(client, factory, changes,
                                                                    field, message):
    subject = factory.consultation("proposals")
    before = snapshot(subject.id)
    login(client, factory.user("organiser"))
    response = client.post(url(subject), data=VALID | changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = html[html.index(f'<ul class="errors" id="{field}-error">'):]
    assert message in errors[:errors.index("</ul>")]
    assert f'aria-describedby="{field}-hint {field}-error"' in html or \
        f'aria-describedby="{field}-error"' in html
    typed = (VALID | changes)[field]
    assert f'value="{typed}"' in html                     # what was typed is kept
    assert snapshot(subject.id) == before


def test_invalid_htmx_post_answers_the_form_fragment(client, factory):
    subject = factory.consultation()
    login(client, factory.user("organiser"))
    response = client.post(url(subject), data=VALID | {"vote_limit": "0"},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert 'id="vote_limit-error"' in html
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]


def test_arabic_indic_digits_are_read_as_digits(client, factory):
    subject = factory.consultation()
    login(client, factory.user("organiser"))
    response = client.post(url(subject), data=VALID | {"vote_limit": "١٢", "report_threshold": "۴"})
    assert response.status_code == 302
    assert snapshot(subject.id)[0][0::4] == (12, 4)
