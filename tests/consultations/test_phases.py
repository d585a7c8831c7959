"""Phases: which one is current, which actions are open, the banner, the timeline, the home page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import render_template_string

import roadmap.accounts.models  # noqa: F401  (every mapper must be known to build a model)
import roadmap.participation.models  # noqa: F401
import roadmap.proposals.models  # noqa: F401
import roadmap.territory.models  # noqa: F401
from roadmap.consultations.models import Consultation, ConsultationPhase
from roadmap.consultations.phases import (current_phase, is_open, open_until, summary, timeline,
                                          today)
from roadmap.extensions import db

D = date  # short alias for the tables below

# Six phases that follow each other day after day, in March to June 2025.
BACK_TO_BACK = {
    "diagnosis": (D(2025, 3, 1), D(2025, 3, 10)),
    "proposals": (D(2025, 3, 11), D(2025, 3, 20)),
    "voting": (D(2025, 3, 21), D(2025, 3, 31)),
    "evaluation": (D(2025, 4, 1), D(2025, 4, 10)),
    "roadmap": (D(2025, 4, 11), D(2025, 4, 20)),
    "implementation": (D(2025, 4, 21), D(2025, 6, 30)),
}
# No diagnosis, and four days between proposals and voting.
WITH_GAP = {
    "proposals": (D(2025, 3, 11), D(2025, 3, 20)),
    "voting": (D(2025, 3, 25), D(2025, 3, 31)),
    "evaluation": (D(2025, 4, 1), D(2025, 4, 10)),
}


def consultation(phases: dict, **fields) -> Consultation:
    """A consultation (not saved) with the given ``{kind: (starts_on, ends_on)}`` phases."""
    return Consultation(slug="c", title_i18n={"en": "C"}, phases=[
        ConsultationPhase(kind=kind, starts_on=start, ends_on=end)
        for kind, (start, end) in phases.items()], **fields)


@pytest.mark.parametrize("on, expected", [
    (D(2025, 2, 28), None),              # before the first phase
    (D(2025, 3, 1), "diagnosis"),        # first day included
    (D(2025, 3, 10), "diagnosis"),       # last day included
    (D(2025, 3, 11), "proposals"),
    (D(2025, 3, 20), "proposals"),
    (D(2025, 3, 21), "voting"),
    (D(2025, 4, 10), "evaluation"),
    (D(2025, 4, 11), "roadmap"),
    (D(2025, 6, 30), "implementation"),
    (D(2025, 7, 1), None),               # after the last phase
])
def test_current_phase_includes_both_boundaries(on, expected):
    assert current_phase(consultation(BACK_TO_BACK), on) == expected


@pytest.mark.parametrize("on, expected", [
    (D(2025, 3, 10), None),              # diagnosis left out
    (D(2025, 3, 20), "proposals"),
    (D(2025, 3, 21), None),              # between proposals and voting
    (D(2025, 3, 24), None),
    (D(2025, 3, 25), "voting"),
])
def test_current_phase_is_none_between_phases(on, expected):
    assert current_phase(consultation(WITH_GAP), on) == expected


@pytest.mark.parametrize("on, action, during_proposals, expected", [
    (D(2025, 3, 10), "propose", False, False),
    (D(2025, 3, 11), "propose", False, True),
    (D(2025, 3, 20), "propose", False, True),
    (D(2025, 3, 21), "propose", False, False),
    (D(2025, 3, 15), "vote", False, False),
    (D(2025, 3, 15), "vote", True, True),     # the organiser opened voting during proposals
    (D(2025, 3, 5), "vote", True, False),     # ... but not during the diagnosis
    (D(2025, 3, 21), "vote", False, True),
    (D(2025, 3, 31), "vote", False, True),
    (D(2025, 4, 1), "vote", False, False),
    (D(2025, 4, 1), "vote", True, False),
    (D(2025, 3, 10), "comment", False, False),
    (D(2025, 3, 11), "comment", False, True),
    (D(2025, 3, 25), "comment", False, True),
    (D(2025, 4, 10), "comment", False, True),  # through the end of the evaluation
    (D(2025, 4, 11), "comment", False, False),
    (D(2025, 7, 1), "comment", False, False),
])
def test_is_open_follows_the_phases(on, action, during_proposals, expected):
    subject = consultation(BACK_TO_BACK, voting_during_proposals=during_proposals)
    assert is_open(subject, action, on) is expected


@pytest.mark.parametrize("action", ["propose", "vote", "comment"])
def test_nothing_is_open_between_phases(action):
    subject = consultation(WITH_GAP, voting_during_proposals=True)
    assert is_open(subject, action, D(2025, 3, 22)) is False
    assert open_until(subject, action, D(2025, 3, 22)) is None


@pytest.mark.parametrize("phases, on, action, during_proposals, expected", [
    (BACK_TO_BACK, D(2025, 3, 15), "propose", False, D(2025, 3, 20)),
    (BACK_TO_BACK, D(2025, 3, 15), "comment", False, D(2025, 4, 10)),  # runs on through phases
    (BACK_TO_BACK, D(2025, 3, 15), "vote", True, D(2025, 3, 31)),
    (BACK_TO_BACK, D(2025, 3, 15), "vote", False, None),
    (BACK_TO_BACK, D(2025, 4, 5), "comment", False, D(2025, 4, 10)),
    (WITH_GAP, D(2025, 3, 15), "comment", False, D(2025, 3, 20)),      # the gap closes it
    (WITH_GAP, D(2025, 3, 15), "vote", True, D(2025, 3, 20)),
])
def test_open_until_is_the_last_day_without_a_break(phases, on, action, during_proposals,
                                                     expected):
    subject = consultation(phases, voting_during_proposals=during_proposals)
    assert open_until(subject, action, on) == expected


def test_summary_before_between_and_after_the_phases():
    subject = consultation(WITH_GAP)
    before = summary(subject, D(2025, 3, 1))
    assert (before.kind, before.started, before.next_kind) == (None, False, "proposals")
    assert before.next_starts_on == D(2025, 3, 11) and not before.is_over
    during = summary(subject, D(2025, 3, 12))
    assert (during.kind, during.ends_on) == ("proposals", D(2025, 3, 20))
    assert during.open_until == {"propose": D(2025, 3, 20), "comment": D(2025, 3, 20)}
    between = summary(subject, D(2025, 3, 22))
    assert (between.kind, between.started, between.next_kind) == (None, True, "voting")
    assert between.open_until == {}
    after = summary(subject, D(2025, 4, 11))
    assert after.is_over and after.open_until == {}


def test_timeline_marks_past_current_future_and_skipped_phases():
    steps = timeline(consultation(WITH_GAP), D(2025, 3, 26))
    assert [(s.kind, s.state) for s in steps] == [
        ("diagnosis", "skipped"), ("proposals", "past"), ("voting", "current"),
        ("evaluation", "future"), ("roadmap", "skipped"), ("implementation", "skipped")]
    assert steps[2].starts_on == D(2025, 3, 25) and steps[0].starts_on is None


# --- Through the pages ---------------------------------------------------------------------------

def test_factory_places_today_in_the_asked_phase(factory):
    for kind in ("diagnosis", "proposals", "voting", "evaluation", "roadmap", "implementation"):
        assert current_phase(factory.consultation(kind)) == kind
    assert current_phase(factory.consultation(None)) is None


def test_banner_says_what_is_open_with_dates_for_the_locale(client, factory):
    subject = factory.consultation("proposals", voting_during_proposals=True)
    db.session.commit()
    proposals_end = subject.phases[1].ends_on
    html = client.get(f"/c/{subject.slug}/workshops?lang=en").get_data(as_text=True)
    banner = html[html.index('class="phase-banner"'):html.index("</main>")]
    assert "<strong>Proposals</strong>" in banner
    assert f"Proposals are open until {_en(proposals_end)}." in banner
    assert f"Voting is open until {_en(subject.phases[2].ends_on)}." in banner
    assert f"Comments are open until {_en(subject.phases[3].ends_on)}." in banner
    french = client.get(f"/c/{subject.slug}/workshops?lang=fr").get_data(as_text=True)
    months = ("janvier février mars avril mai juin juillet août septembre octobre novembre "
              "décembre").split()
    assert f"{proposals_end.day} {months[proposals_end.month - 1]} {proposals_end.year}" in french


def test_banner_between_phases_names_the_next_one(client, factory):
    subject = factory.consultation("proposals")
    voting = subject.phases[2]
    voting.starts_on, voting.ends_on = today() + timedelta(days=3), today() + timedelta(days=6)
    subject.phases[1].ends_on = today() - timedelta(days=1)
    for later in subject.phases[3:]:
        subject.phases.remove(later)
    db.session.commit()
    html = client.get(f"/c/{subject.slug}/workshops?lang=en").get_data(as_text=True)
    assert "<strong>Between phases</strong>" in html
    assert f"Next phase: Voting, from {_en(voting.starts_on)}." in html
    assert "are open until" not in html and "is open until" not in html


def test_timeline_partial_marks_the_current_phase(app, factory):
    subject = factory.consultation("voting")
    with app.test_request_context("/?lang=en"):
        html = render_template_string('{% include "consultations/_phases_timeline.html" %}',
                                      consultation=subject)
    assert html.count("<li") == 6 and html.count('aria-current="step"') == 1
    current = html[html.index('aria-current="step"'):]
    assert "Voting" in current[:current.index("</li>")]
    assert html.index("Diagnosis") < html.index("Proposals") < html.index("Implementation")


def test_home_shows_each_consultations_current_phase(client, factory):
    factory.consultation("voting", slug="now-voting")
    factory.consultation(None, slug="not-yet")
    db.session.commit()
    html = client.get("/?lang=en").get_data(as_text=True)
    voting_card = html[html.index("/c/now-voting"):]
    assert "<strong>Voting</strong>" in voting_card[:voting_card.index("</li>")]
    future_card = html[html.index("/c/not-yet"):]
    assert "<strong>Not started yet</strong>" in future_card[:future_card.index("</li>")]


def _en(day: date) -> str:
    """A date as the English pages write it (Babel's long format)."""
    return f"{day.strftime('%B')} {day.day}, {day.year}"
