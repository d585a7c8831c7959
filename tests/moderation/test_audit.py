"""The audit log: hash chain, append-only guard, tampering detected."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from roadmap.extensions import db
from roadmap.audit.log import (GENESIS, AuditLogIsAppendOnly, compute_hash, content_of,
                                      record, verify_chain)


def test_record_chains_entries(scene):
    first = record(scene.moderator, "proposal.hide", scene.proposal, reason="spam",
                   before={"hidden": False}, after={"hidden": True})
    second = record(None, "consultation.configure", scene.consultation)
    assert first.previous_hash == GENESIS  # the log is empty in a fresh test transaction
    assert second.previous_hash == first.entry_hash
    assert first.entry_hash == compute_hash(first.previous_hash, content_of(first))
    assert first.subject_type == "proposal" and first.subject_id == scene.proposal.id
    assert first.consultation_id == scene.consultation.id
    assert first.actor_label == "Moderator" and first.actor_role == "moderator"
    assert second.actor_label == "system" and second.actor_id is None
    assert verify_chain() == (True, None)


def test_empty_log_is_valid(app):
    assert verify_chain() == (True, None)


def test_orm_update_is_refused(scene):
    entry = record(scene.moderator, "proposal.hide", scene.proposal, reason="spam")
    entry.reason = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()


def test_orm_delete_is_refused(scene):
    entry = record(scene.moderator, "proposal.hide", scene.proposal, reason="spam")
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()


def test_tampering_with_raw_sql_is_detected(scene):
    record(scene.moderator, "proposal.hide", scene.proposal, reason="spam")
    target = record(scene.moderator, "proposal.restore", scene.proposal, reason="fine")
    record(scene.moderator, "proposal.hide", scene.proposal, reason="again")
    assert verify_chain() == (True, None)
    db.session.execute(text("UPDATE audit_entry SET reason = 'nothing happened' WHERE id = :id"),
                       {"id": target.id})
    assert verify_chain() == (False, target.id)


def test_deleting_a_row_with_raw_sql_breaks_the_next_link(scene):
    first = record(scene.moderator, "proposal.hide", scene.proposal, reason="spam")
    second = record(scene.moderator, "proposal.restore", scene.proposal)
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": first.id})
    assert verify_chain() == (False, second.id)


def test_values_are_stored_as_plain_json(scene):
    from datetime import date

    entry = record(scene.admin, "consultation.configure", scene.consultation,
                   before={"starts_on": date(2026, 1, 2)}, after={"n": 1})
    db.session.expire(entry)
    assert entry.before == {"starts_on": "2026-01-02"}
    assert verify_chain() == (True, None)
