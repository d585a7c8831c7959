"""Moderation services: reports and the threshold, decisions, blocking, merging, the audit."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.moderation import services
from roadmap.audit.log import verify_chain
from roadmap.audit.models import AuditEntry
from roadmap.moderation.models import ProposalMerge, Report
from roadmap.participation import policies as participation_policies
from roadmap.participation.models import Notification, Vote
from roadmap.proposals import policies as proposal_policies
from roadmap.proposals.queries import ProposalFilters, filtered_proposals
from tests.moderation.conftest import add_votes


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- reports -------------------------------------------------------------------------------

def test_auto_hide_exactly_at_the_threshold_of_distinct_reporters(scene, factory):
    first, second, third = (factory.user() for _ in range(3))
    services.report(scene.proposal, first, "spam")
    with pytest.raises(services.NotAllowed):  # the same person cannot report twice
        services.report(scene.proposal, first, "offensive")
    services.report(scene.proposal, second, "spam", "an advert")
    assert scene.proposal.hidden_at is None
    services.report(scene.proposal, third, "off_topic")
    assert scene.proposal.hidden_at is not None
    assert scene.proposal.hidden_cause == "reports"
    assert db.session.scalar(select(func.count(Report.id))) == 3
    assert _actions() == ["proposal.auto_hide"]


def test_threshold_is_configurable_and_applies_to_comments(scene, factory):
    scene.consultation.report_threshold = 1
    services.report(scene.comment, factory.user(), "offensive")
    assert scene.comment.hidden_cause == "reports"


def test_report_reason_must_be_known(scene, factory):
    with pytest.raises(services.InvalidInput):
        services.report(scene.proposal, factory.user(), "boring")
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_own_content_cannot_be_reported(scene):
    with pytest.raises(services.NotAllowed):
        services.report(scene.proposal, scene.author, "spam")


def test_dismiss_reports_unhides_an_item_hidden_by_reports(scene, factory):
    scene.consultation.report_threshold = 2
    services.report(scene.proposal, factory.user(), "spam")
    services.report(scene.proposal, factory.user(), "spam")
    assert scene.proposal.hidden_cause == "reports"
    services.dismiss_reports(scene.proposal, scene.moderator)
    assert scene.proposal.hidden_at is None and scene.proposal.hidden_cause is None
    assert db.session.scalar(select(func.count(Report.id))
                             .where(Report.dismissed_at.is_(None))) == 0
    # dismissed reports no longer count: one new report does not hide it again
    services.report(scene.proposal, factory.user(), "spam")
    assert scene.proposal.hidden_at is None


# --- decisions -----------------------------------------------------------------------------

def test_premoderation_approve_publishes(scene, factory):
    pending = factory.proposal(scene.consultation, scene.commune, scene.author, status="pending")
    listed = filtered_proposals(scene.consultation, ProposalFilters(), sort="newest")
    assert pending.id not in [p.id for p in listed.items]
    services.approve(pending, scene.moderator)
    assert pending.status == "published"
    listed = filtered_proposals(scene.consultation, ProposalFilters(), sort="newest")
    assert pending.id in [p.id for p in listed.items]
    assert _actions() == ["proposal.approve"]


def test_premoderation_reject_needs_a_reason(scene, factory):
    pending = factory.proposal(scene.consultation, scene.commune, scene.author, status="pending")
    with pytest.raises(services.InvalidInput):
        services.reject(pending, scene.moderator, "  ")
    services.reject(pending, scene.moderator, "Not within the prefecture's remit")
    assert pending.status == "rejected"
    assert pending.rejection_reason == "Not within the prefecture's remit"
    with pytest.raises(services.ModerationError):  # only pending proposals
        services.reject(scene.proposal, scene.moderator, "no")


def test_hide_and_restore(scene):
    with pytest.raises(services.InvalidInput):
        services.hide(scene.proposal, scene.moderator, "")
    services.hide(scene.proposal, scene.moderator, "Insults")
    assert scene.proposal.hidden_cause == "moderator"
    assert scene.proposal.hidden_reason == "Insults"
    services.restore(scene.proposal, scene.moderator)
    assert scene.proposal.hidden_at is None and scene.proposal.hidden_reason is None
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["proposal.hide", "proposal.restore"]
    assert entries[0].before["hidden"] is False and entries[0].after["hidden"] is True
    assert entries[0].reason == "Insults"
    assert verify_chain() == (True, None)


def test_participants_cannot_decide(scene):
    with pytest.raises(services.NotAllowed):
        services.hide(scene.proposal, scene.citizen, "no")
    assert scene.proposal.hidden_at is None
    assert _actions() == []


# --- blocking ------------------------------------------------------------------------------

def test_block_hides_content_and_prevents_posting(scene, factory):
    services.block_user(scene.citizen, scene.moderator, "Spam bot")
    assert scene.citizen.blocked_at is not None
    assert scene.comment.hidden_cause == "blocked"
    assert participation_policies.vote_refusal(scene.citizen, scene.proposal).code == "blocked"
    assert participation_policies.comment_refusal(scene.citizen, scene.proposal).code == \
        "blocked"
    assert proposal_policies.why_not_submit(scene.citizen, scene.consultation)
    other = factory.proposal(scene.consultation, scene.commune, scene.author)
    with pytest.raises(services.NotAllowed):
        services.report(other, scene.citizen, "spam")


def test_unblock_restores_only_what_blocking_hid(scene, factory):
    kept_hidden = factory.proposal(scene.consultation, scene.commune, scene.citizen)
    shown = factory.proposal(scene.consultation, scene.commune, scene.citizen)
    services.hide(kept_hidden, scene.moderator, "Off-topic")
    services.block_user(scene.citizen, scene.moderator, "Repeated insults")
    assert shown.hidden_cause == "blocked" and kept_hidden.hidden_cause == "moderator"
    services.unblock_user(scene.citizen, scene.moderator)
    assert scene.citizen.blocked_at is None
    assert shown.hidden_at is None and scene.comment.hidden_at is None
    assert kept_hidden.hidden_cause == "moderator" and kept_hidden.hidden_reason == "Off-topic"
    assert _actions() == ["proposal.hide", "user.block", "user.unblock"]


def test_admins_and_oneself_cannot_be_blocked(scene):
    with pytest.raises(services.NotAllowed):
        services.block_user(scene.admin, scene.moderator, "no")
    with pytest.raises(services.NotAllowed):
        services.block_user(scene.moderator, scene.moderator, "no")


# --- merging -------------------------------------------------------------------------------

def _vote_rows(*proposals) -> set:
    ids = [p.id for p in proposals]
    return set(db.session.execute(select(Vote.user_id, Vote.proposal_id, Vote.created_at)
                                  .where(Vote.proposal_id.in_(ids))).all())


def test_merge_with_overlapping_supporters_and_undo(scene, factory):
    c = scene.consultation
    target = scene.proposal
    source_a = factory.proposal(c, scene.commune, factory.user(display_name="Amina"))
    source_b = factory.proposal(c, scene.commune, factory.user(display_name="Brahim"))
    people = [factory.user() for _ in range(5)]
    add_votes(target, people[0:2])
    add_votes(source_a, people[1:4])   # people[1] supports both
    add_votes(source_b, people[3:5])   # people[3] supports both sources
    before_rows = _vote_rows(target, source_a, source_b)
    before_counts = (target.supports_count, source_a.supports_count, source_b.supports_count)

    merges = services.merge(target, [source_a, source_b], scene.moderator, "Same idea")
    assert target.supports_count == 5 == len({p.id for p in people})
    assert db.session.scalar(select(func.count(Vote.id))
                             .where(Vote.proposal_id == target.id)) == 5
    assert source_a.merged_into_id == target.id and source_a.status == "published"
    assert source_a.supports_count == 0
    assert sum(len(m.moved_votes) for m in merges) == 5
    assert [v["duplicate"] for v in merges[0].moved_votes].count(True) == 1
    listed = filtered_proposals(c, ProposalFilters(), sort="newest")
    assert [p.id for p in listed.items] == [target.id]
    notified = set(db.session.scalars(select(Notification.user_id)
                                      .where(Notification.kind == "status")))
    assert {source_a.author_id, source_b.author_id} <= notified
    from roadmap.moderation.queries import co_authors
    assert co_authors(target) == ["Amina", "Brahim"]

    for merge in merges:
        services.undo_merge(merge, scene.moderator)
    assert _vote_rows(target, source_a, source_b) == before_rows
    db.session.refresh(target)
    assert (target.supports_count, source_a.supports_count, source_b.supports_count) == \
        before_counts
    assert source_a.merged_into_id is None and source_b.merged_into_id is None
    assert all(m.undone_at is not None for m in
               db.session.scalars(select(ProposalMerge)))
    assert _actions() == ["proposal.merge", "proposal.merge", "proposal.unmerge",
                          "proposal.unmerge"]
    assert verify_chain() == (True, None)


def test_merge_refuses_other_consultations_and_self(scene, factory):
    other = factory.proposal(factory.consultation("voting"), scene.commune, scene.author)
    with pytest.raises(services.InvalidInput):
        services.merge(scene.proposal, [other], scene.moderator)
    with pytest.raises(services.InvalidInput):
        services.merge(scene.proposal, [scene.proposal], scene.moderator)
    with pytest.raises(services.NotAllowed):
        services.merge(scene.proposal, [other], scene.citizen)


def test_merged_proposal_refuses_new_supports(scene, factory):
    source = factory.proposal(scene.consultation, scene.commune, scene.author)
    services.merge(scene.proposal, [source], scene.moderator)
    assert participation_policies.vote_refusal(scene.citizen, source).code == "merged"


def test_every_decision_is_audited(scene, factory):
    pending = factory.proposal(scene.consultation, scene.commune, scene.author, status="pending")
    services.approve(pending, scene.moderator)
    services.hide(scene.comment, scene.moderator, "rude")
    services.restore(scene.comment, scene.moderator)
    services.dismiss_reports(scene.proposal, scene.moderator)
    services.block_user(scene.citizen, scene.moderator, "spam")
    services.unblock_user(scene.citizen, scene.moderator)
    [merge] = services.merge(scene.proposal, [pending], scene.moderator)
    services.undo_merge(merge, scene.moderator)
    assert _actions() == ["proposal.approve", "comment.hide", "comment.restore",
                          "proposal.dismiss", "user.block", "user.unblock", "proposal.merge",
                          "proposal.unmerge"]
    assert verify_chain() == (True, None)


def test_role_and_settings_changes_are_audited(scene):
    from roadmap.accounts.services import set_role

    set_role(scene.citizen, "moderator", by=scene.admin)
    entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.action == "user.set_role"
    assert entry.before == {"role": "participant"} and entry.after == {"role": "moderator"}
    assert entry.actor_label == "Admin"


def test_consultation_settings_and_workshops_are_audited(scene):
    from datetime import date

    from roadmap.consultations import services as consultation_services

    consultation_services.configure_consultation(
        scene.consultation, scene.organiser,
        phases={"proposals": (date(2026, 2, 1), date(2026, 2, 28))}, vote_limit=3,
        votes_home_commune_only=False, voting_during_proposals=False, premoderation=True,
        report_threshold=2)
    consultation_services.record_workshop(
        scene.consultation, scene.organiser, title="Atelier de Tassoultante",
        held_on=date(2026, 1, 15), place="Maison des jeunes", commune_ids=[scene.commune.id])
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["consultation.configure", "workshop.record"]
    configure = entries[0]
    assert configure.before["premoderation"] is False and configure.after["premoderation"] is True
    assert configure.after["phases"] == {"proposals": ["2026-02-01", "2026-02-28"]}
    assert entries[1].consultation_id == scene.consultation.id
    assert verify_chain() == (True, None)
