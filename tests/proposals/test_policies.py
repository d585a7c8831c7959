"""Who may submit, edit, withdraw, see proposals and enter a workshop's proposals."""
from __future__ import annotations

from datetime import date

import pytest
from flask_login import AnonymousUserMixin

from roadmap.consultations.models import Workshop
from roadmap.extensions import db
from roadmap.proposals import policies

ANONYMOUS = AnonymousUserMixin()


def test_submitting_needs_an_account_and_the_proposals_phase(factory, citizen):
    open_one, closed = factory.consultation("proposals"), factory.consultation("voting")
    assert policies.can_submit(citizen, open_one)
    assert policies.why_not_submit(citizen, open_one) is None
    assert not policies.can_submit(ANONYMOUS, open_one)
    assert policies.why_not_submit(ANONYMOUS, open_one) == "Log in to make a proposal."
    assert not policies.can_submit(citizen, closed)
    assert "proposals phase" in policies.why_not_submit(citizen, closed)
    assert policies.can_submit(factory.user("organiser"), open_one)


def test_editing_is_for_the_author_before_any_support_or_comment(factory, consultation,
                                                                 commune, citizen):
    proposal = factory.proposal(consultation, commune, citizen)
    assert policies.can_edit(citizen, proposal)
    assert not policies.can_edit(factory.user(), proposal)
    assert not policies.can_edit(factory.user("admin"), proposal)  # not theirs to rewrite
    assert not policies.can_edit(ANONYMOUS, proposal)
    proposal.supports_count = 1
    assert "supports or comments" in policies.why_not_edit(citizen, proposal)
    proposal.supports_count, proposal.comments_count = 0, 2
    assert not policies.can_edit(citizen, proposal)


@pytest.mark.parametrize(("status", "hidden"), [("withdrawn", False), ("rejected", False),
                                                ("published", True)])
def test_withdrawn_rejected_or_hidden_proposals_are_not_edited(factory, consultation, commune,
                                                               citizen, status, hidden):
    from roadmap.core.models import utcnow

    proposal = factory.proposal(consultation, commune, citizen, status=status,
                                hidden_at=utcnow() if hidden else None)
    assert not policies.can_edit(citizen, proposal)


def test_editing_closes_with_the_proposals_phase(factory, commune, citizen):
    proposal = factory.proposal(factory.consultation("voting"), commune, citizen)
    assert "proposals phase" in policies.why_not_edit(citizen, proposal)


@pytest.mark.parametrize(("phase", "allowed"), [
    ("diagnosis", True), ("proposals", True), ("voting", True), ("evaluation", True),
    ("roadmap", False), ("implementation", False)])
def test_withdrawing_is_open_until_the_evaluation_ends(factory, commune, citizen, phase,
                                                      allowed):
    proposal = factory.proposal(factory.consultation(phase), commune, citizen)
    assert policies.can_withdraw(citizen, proposal) is allowed
    assert not policies.can_withdraw(factory.user(), proposal)


def test_pending_and_hidden_proposals_are_seen_by_their_author_and_moderators(
        factory, consultation, commune, citizen):
    from roadmap.core.models import utcnow

    other, moderator = factory.user(), factory.user("moderator")
    for proposal in (factory.proposal(consultation, commune, citizen, status="pending"),
                     factory.proposal(consultation, commune, citizen, status="rejected")):
        assert policies.can_view(citizen, proposal)
        assert policies.can_view(moderator, proposal)
        assert not policies.can_view(other, proposal)
        assert not policies.can_view(ANONYMOUS, proposal)
    # A hidden proposal's page is public (it shows the moderators' notice instead of the
    # text); only its author and moderators read the text.
    hidden = factory.proposal(consultation, commune, citizen, hidden_at=utcnow())
    assert policies.can_view(ANONYMOUS, hidden)
    assert policies.can_read_hidden(citizen, hidden) and policies.can_read_hidden(moderator, hidden)
    assert not policies.can_read_hidden(other, hidden)
    assert not policies.can_read_hidden(ANONYMOUS, hidden)
    for status in ("published", "withdrawn"):
        proposal = factory.proposal(consultation, commune, citizen, status=status)
        assert policies.can_view(ANONYMOUS, proposal)


@pytest.mark.parametrize(("phase", "allowed"), [
    ("diagnosis", True), ("proposals", True), ("voting", True), ("evaluation", False),
    (None, False)])
def test_workshop_proposals_are_entered_by_organisers_in_the_early_phases(factory, commune,
                                                                         phase, allowed):
    workshop = Workshop(consultation=factory.consultation(phase), title="Atelier",
                        held_on=date(2026, 2, 1), place="Salle communale")
    db.session.add(workshop)
    db.session.flush()
    assert policies.can_enter_workshop_proposals(factory.user("organiser"), workshop) is allowed
    assert policies.can_enter_workshop_proposals(factory.user("admin"), workshop) is allowed
    assert not policies.can_enter_workshop_proposals(factory.user(), workshop)
    assert not policies.can_enter_workshop_proposals(ANONYMOUS, workshop)


def test_a_workshop_proposal_is_managed_by_organisers(factory, commune):
    consultation = factory.consultation("proposals")
    organiser, other_organiser = factory.user("organiser"), factory.user("organiser")
    proposal = factory.proposal(consultation, commune, organiser, origin="workshop")
    assert policies.can_edit(other_organiser, proposal)
    assert policies.can_withdraw(other_organiser, proposal)
    assert not policies.can_edit(factory.user(), proposal)
