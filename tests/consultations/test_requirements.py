"""What a consultation requires to propose, support and comment: set by organisers (settings
page, back office, ``flask consultations create --require``), confirmed when voting is open,
audit-logged, and shown on the consultation's page (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadmap.audit.models import AuditEntry
from roadmap.consultations import services
from roadmap.consultations.models import Consultation
from roadmap.extensions import db
from tests.conftest import login


def requirements(consultation_id: int) -> tuple:
    """The three requirements as the database holds them."""
    db.session.expire_all()
    return tuple(db.session.execute(select(
        Consultation.propose_requirement, Consultation.support_requirement,
        Consultation.comment_requirement).where(Consultation.id == consultation_id)).one())


def settings_form(consultation, **changes) -> dict:
    """The settings form as the page fills it for ``consultation``, with ``changes``."""
    data = {"report_threshold": str(consultation.report_threshold),
            "propose_requirement": consultation.propose_requirement,
            "support_requirement": consultation.support_requirement,
            "comment_requirement": consultation.comment_requirement}
    for phase in consultation.phases:
        data[f"{phase.kind}_starts_on"] = phase.starts_on.isoformat()
        data[f"{phase.kind}_ends_on"] = phase.ends_on.isoformat()
    return data | changes


def configure(consultation, by, **changes):
    values = {"phases": {p.kind: (p.starts_on, p.ends_on) for p in consultation.phases},
              "vote_limit": None, "votes_home_commune_only": False,
              "voting_during_proposals": False, "report_threshold": 3}
    return services.configure_consultation(consultation, by, **(values | changes))


def configure_entries(consultation_id: int) -> list:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "consultation.configure",
        AuditEntry.consultation_id == consultation_id)))


# --- the service -------------------------------------------------------------------------

def test_requirements_change_freely_outside_voting_and_are_audited(factory):
    consultation = factory.consultation("proposals")
    configure(consultation, factory.user("organiser"), support_requirement="resident",
              comment_requirement="verified")
    assert requirements(consultation.id) == ("confirmed", "resident", "verified")
    (entry,) = configure_entries(consultation.id)
    assert entry.before["support_requirement"] == "confirmed"
    assert entry.after["support_requirement"] == "resident"
    assert entry.after["comment_requirement"] == "verified"


def test_a_change_while_voting_is_open_waits_for_confirmation(factory):
    consultation = factory.consultation("voting")
    organiser = factory.user("organiser")
    with pytest.raises(services.UnconfirmedRequirementChange) as refused:
        configure(consultation, organiser, support_requirement="verified")
    assert "confirm_requirement_change" in refused.value.errors
    assert requirements(consultation.id) == ("confirmed", "confirmed", "confirmed")
    assert configure_entries(consultation.id) == []
    configure(consultation, organiser, support_requirement="verified",
              confirm_requirement_change=True)
    assert requirements(consultation.id) == ("confirmed", "verified", "confirmed")
    # The same requirement again needs no confirmation.
    configure(consultation, organiser, support_requirement="verified")


def test_an_unknown_level_is_refused(factory):
    consultation = factory.consultation("proposals")
    with pytest.raises(services.ConsultationError) as refused:
        configure(consultation, factory.user("organiser"), propose_requirement="everyone")
    assert "propose_requirement" in refused.value.errors
    assert requirements(consultation.id) == ("confirmed", "confirmed", "confirmed")


def test_a_copy_keeps_the_requirements_unless_told_otherwise(factory):
    source = factory.consultation("proposals", support_requirement="resident",
                                  comment_requirement="verified")
    copy = services.create_consultation(source.prefecture, None, slug="copy-of-it",
                                        title={"fr": "Copie"}, axes="copy", copy_from=source,
                                        rules={"comment_requirement": "confirmed"})
    assert (copy.propose_requirement, copy.support_requirement, copy.comment_requirement) == (
        "confirmed", "resident", "confirmed")


# --- the settings page -------------------------------------------------------------------

def test_settings_page_sets_requirements_outside_voting(client, factory):
    consultation = factory.consultation("proposals")
    login(client, factory.user("organiser"))
    page = client.get(f"/c/{consultation.slug}/settings?lang=fr").get_data(as_text=True)
    assert "Qui peut soutenir les propositions" in page
    assert 'value="resident"' in page and "requirement-change-warning" not in page
    response = client.post(f"/c/{consultation.slug}/settings?lang=en",
                           data=settings_form(consultation, support_requirement="resident"))
    assert response.status_code == 302
    assert requirements(consultation.id) == ("confirmed", "resident", "confirmed")


def test_settings_page_warns_then_saves_while_voting_is_open(client, factory):
    consultation = factory.consultation("voting")
    login(client, factory.user("organiser"))
    address = f"/c/{consultation.slug}/settings?lang=en"
    first = client.post(address, data=settings_form(consultation, support_requirement="verified"))
    page = first.get_data(as_text=True)
    assert first.status_code == 422
    assert 'id="requirement-change-warning"' in page and "supports" in page.lower()
    assert 'name="confirm_requirement_change"' in page
    assert requirements(consultation.id) == ("confirmed", "confirmed", "confirmed")
    assert configure_entries(consultation.id) == []
    second = client.post(address, data=settings_form(
        consultation, support_requirement="verified", confirm_requirement_change="y"))
    assert second.status_code == 302
    assert requirements(consultation.id) == ("confirmed", "verified", "confirmed")
    (entry,) = configure_entries(consultation.id)
    assert entry.after["support_requirement"] == "verified"


def test_settings_page_in_arabic_shows_the_warning_in_arabic(client, factory):
    consultation = factory.consultation("voting")
    login(client, factory.user("organiser"))
    response = client.post(f"/c/{consultation.slug}/settings?lang=ar",
                           data=settings_form(consultation, comment_requirement="resident"))
    assert response.status_code == 422
    assert "التصويت مفتوح" in response.get_data(as_text=True)


def test_back_office_edit_asks_for_confirmation_while_voting_is_open(client, factory):
    consultation = factory.consultation("voting")
    commune = factory.commune()
    login(client, factory.user("organiser"))
    address = f"/admin/consultations/{consultation.slug}/edit?lang=en"
    data = {"title_fr": "Consultation", "communes": [str(commune.id)], "report_threshold": "3",
            "propose_requirement": "resident", "support_requirement": "confirmed",
            "comment_requirement": "confirmed"}
    first = client.post(address, data=data)
    assert first.status_code == 422
    assert 'id="requirement-change-warning"' in first.get_data(as_text=True)
    assert requirements(consultation.id) == ("confirmed", "confirmed", "confirmed")
    second = client.post(address, data=data | {"confirm_requirement_change": "y"})
    assert second.status_code == 302
    assert requirements(consultation.id) == ("resident", "confirmed", "confirmed")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consultation.update"))
    assert entry.before["propose_requirement"] == "confirmed"
    assert entry.after["propose_requirement"] == "resident"


def test_back_office_creates_a_consultation_with_requirements(client, factory):
    prefecture = factory.prefecture()
    commune = factory.commune()
    login(client, factory.user("organiser"))
    response = client.post("/admin/consultations/new?lang=en", data={
        "slug": "verified-2027", "title_fr": "Consultation vérifiée",
        "prefecture": str(prefecture.id), "communes": [str(commune.id)], "axes": "national",
        "report_threshold": "3", "propose_requirement": "verified",
        "support_requirement": "resident", "comment_requirement": "confirmed"})
    assert response.status_code == 302, response.get_data(as_text=True)
    created = db.session.scalar(select(Consultation).where(Consultation.slug == "verified-2027"))
    assert requirements(created.id) == ("verified", "resident", "confirmed")


# --- the command line ----------------------------------------------------------------------

def test_cli_create_takes_requirements(factory, runner):
    factory.prefecture()
    result = runner.invoke(args=["consultations", "create", "safi-2028", "--territory", "99.999",
                                 "--title", "fr=Safi", "--require", "support=resident",
                                 "--require", "propose=verified"])
    assert result.exit_code == 0, result.output
    assert "requires propose=verified, support=resident, comment=confirmed" in result.output
    created = db.session.scalar(select(Consultation).where(Consultation.slug == "safi-2028"))
    assert requirements(created.id) == ("verified", "resident", "confirmed")


@pytest.mark.parametrize("value", ["support", "support=everyone", "vote=verified"])
def test_cli_refuses_a_malformed_requirement_and_writes_nothing(factory, runner, value):
    factory.prefecture()
    result = runner.invoke(args=["consultations", "create", "safi-2029", "--territory", "99.999",
                                 "--title", "fr=Safi", "--require", value])
    assert result.exit_code == 2 and "--require takes ACTION=LEVEL" in result.output
    assert db.session.scalar(select(Consultation).where(Consultation.slug == "safi-2029")) is None


# --- the consultation's page ----------------------------------------------------------------

def test_the_consultation_page_says_what_it_requires(client, factory):
    consultation = factory.consultation("voting", support_requirement="resident",
                                        comment_requirement="verified")
    page = client.get(f"/c/{consultation.slug}?lang=en").get_data(as_text=True)
    assert 'id="participation-rules"' in page
    assert "Supports:</strong> verified residents of the commune" in page
    assert "Comments:</strong> verified participants" in page
    assert "Proposals:</strong> anyone with a confirmed email address" in page
    assert "/verify" in page
    plain = factory.consultation("voting")
    page = client.get(f"/c/{plain.slug}?lang=en").get_data(as_text=True)
    assert "Supports:</strong> anyone with a confirmed email address" in page
    assert 'href="/verify' not in page
