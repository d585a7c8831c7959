"""The data licence of a consultation's contributions (open data): default, form, service."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadmap.consultations import services
from roadmap.consultations.models import DATA_LICENCES, Consultation
from roadmap.extensions import db
from tests.conftest import login
from tests.consultations.test_settings import VALID, snapshot, url

RULES = dict(phases={}, vote_limit=None, votes_home_commune_only=False,
             voting_during_proposals=False)


def licence(consultation_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Consultation.data_licence)
                             .where(Consultation.id == consultation_id))


def test_default_is_cc_by_4(factory):
    assert licence(factory.consultation().id) == "CC-BY-4.0"


def test_service_sets_it_keeps_it_and_refuses_an_unknown_one(factory):
    subject = factory.consultation()
    organiser = factory.user("organiser")
    services.configure_consultation(subject, organiser, data_licence="ODbL-1.0", **RULES)
    assert licence(subject.id) == "ODbL-1.0"
    services.configure_consultation(subject, organiser, **RULES)  # None: unchanged
    assert licence(subject.id) == "ODbL-1.0"
    with pytest.raises(services.ConsultationError) as refused:
        services.configure_consultation(subject, organiser, data_licence="MIT", **RULES)
    assert "data_licence" in refused.value.errors and licence(subject.id) == "ODbL-1.0"


@pytest.mark.parametrize("code", sorted(DATA_LICENCES))
def test_settings_page_shows_and_saves_it(client, factory, code):
    subject = factory.consultation("proposals")
    login(client, factory.user("organiser"))
    html = client.get(url(subject)).get_data(as_text=True)
    assert 'name="data_licence"' in html and f'value="{code}"' in html
    response = client.post(url(subject), data=VALID | {"data_licence": code})
    assert response.status_code == 302 and licence(subject.id) == code


def test_an_unknown_licence_answers_422_and_changes_nothing(client, factory):
    subject = factory.consultation("proposals")
    before = snapshot(subject.id)
    login(client, factory.user("organiser"))
    response = client.post(url(subject), data=VALID | {"data_licence": "MIT"})
    assert response.status_code == 422 and snapshot(subject.id) == before


def test_back_office_edit_saves_it(client, factory):
    subject = factory.consultation("proposals", status="draft")
    commune = factory.commune()
    login(client, factory.user("organiser"))
    page = client.get(f"/admin/consultations/{subject.slug}/edit").get_data(as_text=True)
    assert 'name="data_licence"' in page
    response = client.post(f"/admin/consultations/{subject.slug}/edit", data={
        "title_fr": "Titre", "report_threshold": "3", "data_licence": "CC0-1.0",
        "communes": [str(commune.id)]})
    assert response.status_code == 302 and licence(subject.id) == "CC0-1.0"


def test_a_new_consultation_gets_the_default_or_the_copied_one(factory):
    prefecture = factory.prefecture()
    source = factory.consultation(data_licence="CC-BY-SA-4.0")
    admin = factory.user("admin")
    fresh = services.create_consultation(prefecture, admin, slug="fresh-one",
                                         title={"ar": "استشارة"})
    copied = services.create_consultation(prefecture, admin, slug="copied-one",
                                          title={"ar": "استشارة"}, axes="copy",
                                          copy_from=source)
    assert fresh.data_licence == "CC-BY-4.0" and copied.data_licence == "CC-BY-SA-4.0"
