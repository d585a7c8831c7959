"""Proposal services, called directly: submit, edit, withdraw, workshop proposals."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from roadmap.consultations.models import Workshop
from roadmap.extensions import db
from roadmap.proposals import services
from roadmap.proposals.models import Proposal
from roadmap.proposals.signals import proposal_status_changed, proposal_submitted
from roadmap.proposals.text import fold
from tests.proposals.conftest import CASABLANCA, JEMAA_EL_FNA

BODY = "Les enfants marchent six kilomètres chaque jour jusqu'à l'école la plus proche."


def _count() -> int:
    return db.session.scalar(select(func.count(Proposal.id)))


def _fields(consultation, commune, **changes) -> dict:
    fields = {"title": "Construire une école au douar", "body": BODY,
              "commune_id": commune.id, "axis_id": consultation.axes[1].id}
    fields.update(changes)
    return fields


class Recorder:
    """Collects what a signal was sent with."""

    def __init__(self):
        self.calls = []

    def __call__(self, sender, **kwargs):
        self.calls.append(kwargs)


def test_submitting_publishes_the_proposal_with_its_folded_text(consultation, commune, factory):
    author = factory.user(stakeholder_type="association", organisation="Amal")
    received = Recorder()
    with proposal_submitted.connected_to(received):
        proposal = services.submit_proposal(
            consultation, author, **_fields(consultation, commune, title="  المدرسـة الجديدة  ",
                                            estimated_cost_mad=250_000, sdg_goals=[4, 1, 4],
                                            beneficiaries="300 élèves", organisation="Amal"))
    assert proposal.id and proposal.status == "published" and proposal.origin == "online"
    assert proposal.title == "المدرسـة الجديدة"
    assert proposal.search_text == fold("المدرسـة الجديدة\n" + BODY)
    assert "المدرسه" in proposal.search_text and "ecole" in proposal.search_text
    assert proposal.author_stakeholder_type == "association"
    assert (proposal.estimated_cost_mad, proposal.sdg_goals) == (250_000, [1, 4])
    assert (proposal.beneficiaries, proposal.organisation) == ("300 élèves", "Amal")
    assert proposal.supports_count == 0 and proposal.axis == consultation.axes[1]
    assert received.calls == [{"proposal": proposal}]


def test_a_premoderated_consultation_keeps_proposals_pending(factory, commune, citizen):
    consultation = factory.consultation("proposals", premoderation=True)
    proposal = services.submit_proposal(consultation, citizen, **_fields(consultation, commune))
    assert proposal.status == "pending" and not proposal.is_public


@pytest.mark.parametrize("phase", ["diagnosis", "voting", "evaluation", None])
def test_submitting_outside_the_proposals_phase_is_refused(factory, commune, citizen, phase):
    consultation = factory.consultation(phase)
    before = _count()
    with pytest.raises(services.ActionClosed, match="proposals phase"):
        services.submit_proposal(consultation, citizen, **_fields(consultation, commune))
    assert _count() == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "Too short"}, "title"),
    ({"title": "x" * 141}, "title"),
    ({"body": "Not enough words."}, "body"),
    ({"commune_id": None}, "commune_id"),
    ({"axis_id": None}, "axis_id"),
    ({"sdg_goals": [18]}, "sdg_goals"),
    ({"estimated_cost_mad": -5}, "estimated_cost_mad"),
    ({"beneficiaries": "b" * 301}, "beneficiaries"),
])
def test_invalid_fields_are_refused_with_the_field_named(consultation, commune, citizen,
                                                         changes, field):
    before = _count()
    with pytest.raises(services.InvalidProposal) as refused:
        services.submit_proposal(consultation, citizen, **_fields(consultation, commune, **changes))
    assert refused.value.field == field and refused.value.status == 422
    assert _count() == before


def test_an_axis_or_commune_of_another_consultation_is_refused(factory, consultation, commune,
                                                               citizen):
    other = factory.consultation("proposals")
    with pytest.raises(services.InvalidProposal) as refused:
        services.submit_proposal(consultation, citizen,
                                 **_fields(consultation, commune, axis_id=other.axes[0].id))
    assert refused.value.field == "axis_id"
    from roadmap.territory.models import Prefecture

    elsewhere = Prefecture(code="99.998", name_ar="عمالة أخرى", name_fr="Autre")
    foreign = factory.commune()
    foreign.prefecture = elsewhere
    db.session.flush()
    with pytest.raises(services.InvalidProposal) as refused:
        services.submit_proposal(consultation, citizen,
                                 **_fields(consultation, foreign))
    assert refused.value.field == "commune_id"


def test_a_point_decides_the_commune(marrakech, factory):
    author = factory.user()
    proposal = services.submit_proposal(marrakech, author, **_fields(
        marrakech, marrakech_commune("marrakech-annakhil"), latitude=JEMAA_EL_FNA[0],
        longitude=JEMAA_EL_FNA[1]))
    assert proposal.commune.code == "marrakech-medina"
    assert (proposal.latitude, proposal.longitude) == JEMAA_EL_FNA


def test_a_point_outside_the_prefecture_is_refused(marrakech, factory):
    before = _count()
    with pytest.raises(services.OutsidePrefecture, match="outside the prefecture") as refused:
        services.submit_proposal(marrakech, factory.user(), **_fields(
            marrakech, marrakech_commune("marrakech-medina"), latitude=CASABLANCA[0],
            longitude=CASABLANCA[1]))
    assert refused.value.field == "latitude"
    assert _count() == before


def marrakech_commune(code):
    from roadmap.territory.queries import commune_by_code

    return commune_by_code(code)


def test_the_author_edits_until_the_first_support(consultation, commune, citizen):
    proposal = services.submit_proposal(consultation, citizen, **_fields(consultation, commune))
    services.edit_proposal(proposal, citizen, **_fields(
        consultation, commune, title="Agrandir l'école du douar", sdg_goals=[4]))
    assert proposal.title == "Agrandir l'école du douar" and proposal.sdg_goals == [4]
    assert proposal.search_text.startswith("agrandir l ecole du douar")
    proposal.supports_count = 1
    with pytest.raises(services.ActionClosed, match="supports or comments"):
        services.edit_proposal(proposal, citizen, **_fields(consultation, commune,
                                                            title="Something else entirely"))
    assert proposal.title == "Agrandir l'école du douar"


def test_a_comment_locks_the_proposal_too(consultation, commune, citizen, factory):
    proposal = factory.proposal(consultation, commune, citizen, comments_count=1)
    with pytest.raises(services.ActionClosed):
        services.edit_proposal(proposal, citizen, **_fields(consultation, commune))


def test_someone_else_cannot_edit(consultation, commune, citizen, factory):
    proposal = factory.proposal(consultation, commune, citizen, title="The original title")
    with pytest.raises(services.NotAllowed):
        services.edit_proposal(proposal, factory.user(), **_fields(consultation, commune))
    assert proposal.title == "The original title"


def test_editing_ends_with_the_proposals_phase(factory, commune, citizen):
    consultation = factory.consultation("voting")
    proposal = factory.proposal(consultation, commune, citizen)
    with pytest.raises(services.ActionClosed, match="proposals phase"):
        services.edit_proposal(proposal, citizen, **_fields(consultation, commune))


@pytest.mark.parametrize("phase", ["proposals", "voting", "evaluation"])
def test_the_author_withdraws_until_the_evaluation_ends(factory, commune, citizen, phase):
    consultation = factory.consultation(phase)
    proposal = factory.proposal(consultation, commune, citizen)
    received = Recorder()
    with proposal_status_changed.connected_to(received):
        services.withdraw_proposal(proposal, citizen)
    assert proposal.status == "withdrawn" and proposal.withdrawn_at is not None
    assert received.calls == [{"proposal": proposal, "old_status": "published",
                               "new_status": "withdrawn", "by": citizen}]
    with pytest.raises(services.ActionClosed, match="already withdrawn"):
        services.withdraw_proposal(proposal, citizen)


def test_withdrawing_is_refused_after_the_evaluation_and_to_others(factory, commune, citizen):
    late = factory.proposal(factory.consultation("roadmap"), commune, citizen)
    with pytest.raises(services.ActionClosed, match="evaluation is over"):
        services.withdraw_proposal(late, citizen)
    assert late.status == "published"
    proposal = factory.proposal(factory.consultation("proposals"), commune, citizen)
    with pytest.raises(services.NotAllowed):
        services.withdraw_proposal(proposal, factory.user())
    assert proposal.status == "published" and proposal.withdrawn_at is None


def _workshop(consultation, *communes):
    workshop = Workshop(consultation=consultation, title="Atelier de la Médina",
                        held_on=date(2026, 3, 14), place="Dar Si Said")
    workshop.communes.extend(communes)
    db.session.add(workshop)
    db.session.flush()
    return workshop


@pytest.mark.parametrize("phase", ["diagnosis", "proposals", "voting"])
def test_an_organiser_enters_a_workshop_proposal_with_its_show_of_hands(factory, commune, phase):
    consultation = factory.consultation(phase)
    organiser = factory.user("organiser", stakeholder_type="public_service")
    workshop = _workshop(consultation, commune)
    proposal = services.submit_workshop_proposal(
        workshop, organiser, show_of_hands=37, **_fields(consultation, commune))
    assert proposal.origin == "workshop" and proposal.workshop_id == workshop.id
    assert proposal.author_id == organiser.id and proposal.author_stakeholder_type is None
    assert proposal.show_of_hands == 37 and proposal.supports_count == 0
    assert proposal.status == "published"


def test_workshop_proposals_are_for_organisers_in_the_early_phases(factory, commune, citizen):
    workshop = _workshop(factory.consultation("proposals"), commune)
    with pytest.raises(services.NotAllowed):
        services.submit_workshop_proposal(workshop, citizen,
                                          **_fields(workshop.consultation, commune))
    late = _workshop(factory.consultation("evaluation"), commune)
    with pytest.raises(services.ActionClosed, match="diagnosis, proposals and voting"):
        services.submit_workshop_proposal(late, factory.user("organiser"),
                                          **_fields(late.consultation, commune))
    with pytest.raises(services.InvalidProposal) as refused:
        services.submit_workshop_proposal(workshop, factory.user("organiser"), show_of_hands=-1,
                                          **_fields(workshop.consultation, commune))
    assert refused.value.field == "show_of_hands"


def test_search_text_is_refreshed_for_rows_written_without_the_services(consultation, commune):
    from tests.conftest import Factory

    proposal = Factory().proposal(consultation, commune, title="Réparer l'École du douar")
    assert proposal.search_text == ""
    assert services.refresh_search_text([proposal]) == 1
    assert proposal.search_text.startswith("reparer l ecole du douar")
    assert services.refresh_search_text([proposal]) == 0
