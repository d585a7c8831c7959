"""The women's share threshold of a consultation (gender monitoring): default, form, service."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadmap.consultations import services
from roadmap.consultations.models import Consultation
from roadmap.extensions import db
from tests.conftest import login
from tests.consultations.test_settings import VALID, snapshot, url

MESSAGE = "Enter a whole percentage from 0 to 100."


def threshold(consultation_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Consultation.women_share_threshold)
                             .where(Consultation.id == consultation_id))


def test_default_is_35(factory):
    assert threshold(factory.consultation().id) == 35


def test_service_sets_it_and_refuses_out_of_range(factory):
    subject = factory.consultation()
    organiser = factory.user("organiser")
    rules = dict(phases={}, vote_limit=None, votes_home_commune_only=False,
                 voting_during_proposals=False)
    services.configure_consultation(subject, organiser, women_share_threshold=40, **rules)
    assert threshold(subject.id) == 40
    services.configure_consultation(subject, organiser, **rules)  # None: unchanged
    assert threshold(subject.id) == 40
    for bad in (101, -1, "abc"):
        with pytest.raises(services.ConsultationError) as refused:
            services.configure_consultation(subject, organiser, women_share_threshold=bad,
                                            **rules)
        assert "women_share_threshold" in refused.value.errors
        assert threshold(subject.id) == 40


@pytest.mark.parametrize("typed, saved", [("20", 20), ("0", 0), ("100", 100), ("٤٥", 45)])
def test_settings_page_saves_it(client, factory, typed, saved):
    subject = factory.consultation("proposals")
    login(client, factory.user("organiser"))
    response = client.post(url(subject), data=VALID | {"women_share_threshold": typed})
    assert response.status_code == 302 and threshold(subject.id) == saved


def test_settings_page_shows_it(client, factory):
    subject = factory.consultation("proposals", women_share_threshold=42)
    login(client, factory.user("organiser"))
    html = client.get(url(subject)).get_data(as_text=True)
    assert 'id="settings-monitoring"' in html
    assert 'name="women_share_threshold"' in html and 'value="42"' in html


def test_left_empty_it_stays(client, factory):
    subject = factory.consultation("proposals", women_share_threshold=42)
    login(client, factory.user("organiser"))
    assert client.post(url(subject), data=VALID | {"women_share_threshold": ""}).status_code == 302
    assert threshold(subject.id) == 42


@pytest.mark.parametrize("typed", ["101", "-1", "abc", "35.5"])
def test_bad_input_answers_422_with_a_message_and_changes_nothing(client, factory, typed):
    subject = factory.consultation("proposals")
    before = snapshot(subject.id)
    login(client, factory.user("organiser"))
    response = client.post(url(subject), data=VALID | {"women_share_threshold": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = html[html.index('<ul class="errors" id="women_share_threshold-error">'):]
    assert MESSAGE in errors[:errors.index("</ul>")]
    assert f'value="{typed}"' in html
    assert threshold(subject.id) == 35 and snapshot(subject.id) == before


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_bad_input_message_is_in_the_users_language(client, factory, language):
    subject = factory.consultation("proposals")
    login(client, factory.user("organiser"))
    response = client.post(f"/c/{subject.slug}/settings?lang={language}",
                           data=VALID | {"women_share_threshold": "101"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'<html lang="{language}"' in html
    errors = html[html.index('<ul class="errors" id="women_share_threshold-error">'):]
    shown = errors[errors.index("<li>") + 4:errors.index("</li>")]
    from flask_babel import force_locale, gettext

    with force_locale(language):
        assert shown == gettext(MESSAGE)


def test_back_office_edit_refuses_bad_input(client, factory):
    subject = factory.consultation("proposals")
    login(client, factory.user("organiser"))
    response = client.post(f"/admin/consultations/{subject.slug}/edit?lang=en", data={
        "title_ar": "استشارة", "report_threshold": "3", "women_share_threshold": "101",
        "communes": []})
    assert response.status_code == 422 and MESSAGE in response.get_data(as_text=True)
    assert threshold(subject.id) == 35


def test_a_new_consultation_gets_35_or_the_copied_one(factory):
    prefecture = factory.prefecture()
    source = factory.consultation(women_share_threshold=30)
    admin = factory.user("admin")
    fresh = services.create_consultation(prefecture, admin, slug="fresh-one",
                                         title={"ar": "استشارة"})
    copied = services.create_consultation(prefecture, admin, slug="copied-one",
                                          title={"ar": "استشارة"}, axes="copy",
                                          copy_from=source)
    assert fresh.women_share_threshold == 35 and copied.women_share_threshold == 30
