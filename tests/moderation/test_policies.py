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
