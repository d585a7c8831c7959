"""Moderation policies."""
from __future__ import annotations

from roadmap.moderation import policies, services


def test_can_report(scene, factory):
    stranger = factory.user()
    assert policies.can_report(stranger, scene.proposal)
    assert not policies.can_report(None, scene.proposal)
    assert not policies.can_report(scene.author, scene.proposal)  # own content
    services.report(scene.proposal, stranger, "spam")
    assert not policies.can_report(stranger, scene.proposal)  # once


def test_roles(scene):
    assert not policies.can_moderate(scene.citizen)
    assert policies.can_moderate(scene.moderator) and policies.can_moderate(scene.organiser)
    assert policies.can_moderate(scene.admin)
    assert policies.can_merge(scene.moderator) and not policies.can_merge(scene.citizen)
    assert not policies.can_read_audit(scene.moderator)
    assert policies.can_read_audit(scene.organiser) and policies.can_read_audit(scene.admin)


def test_can_block(scene):
    assert policies.can_block(scene.moderator, scene.citizen)
    assert not policies.can_block(scene.moderator, scene.admin)
    assert not policies.can_block(scene.moderator, scene.moderator)
    assert not policies.can_block(scene.citizen, scene.author)


def test_can_see_hidden(scene, factory):
    assert policies.can_see_hidden(scene.author, scene.proposal)
    assert policies.can_see_hidden(scene.moderator, scene.proposal)
    assert not policies.can_see_hidden(factory.user(), scene.proposal)
    assert not policies.can_see_hidden(None, scene.proposal)


def _offered(item) -> list[str]:
    return [action for action, _label in policies.offered_decisions(item)]


def test_offered_decisions(scene, factory):
    from roadmap.moderation.queries import queue_item

    proposal, comment = scene.proposal, scene.comment
    proposal.status = "pending"
    assert _offered(queue_item("proposal", proposal)) == ["approve", "reject", "hide"]
    proposal.status = "published"
    assert _offered(queue_item("proposal", proposal)) == ["hide"]
    services.report(comment, factory.user(), "spam")
    assert _offered(queue_item("comment", comment)) == ["approve", "hide", "dismiss"]
    labels = dict(policies.offered_decisions(queue_item("comment", comment)))
    assert labels["approve"] == "Keep it" and labels["dismiss"] == "Dismiss the reports"
    services.decide(comment, scene.moderator, "hide", "Insults")  # settles the reports
    assert _offered(queue_item("comment", comment)) == ["restore"]
    proposal.hidden_at, proposal.hidden_cause = comment.hidden_at, "reports"
    assert _offered(queue_item("proposal", proposal)) == ["approve", "restore"]
    # Every decision offered is one the services know.
    assert {"approve", "reject", "hide", "restore", "dismiss"} <= set(services.DECISIONS)


def test_nothing_is_reported_in_an_archived_consultation(scene, factory):
    stranger = factory.user()
    scene.consultation.status = "archived"
    assert policies.why_not_report(stranger, scene.proposal) == \
        "This consultation is archived: it is read-only."
    assert not policies.can_report(stranger, scene.comment)
    assert not policies.shows_report_link(stranger, scene.proposal)
