"""``flask --app roadmap demo --remove``: take every demo row out, leave every real row alone.

The demo rows are the rows marked ``is_demo`` (consultations, users, proposals, comments,
votes, workshops, roadmap items, progress updates) and every row that cannot live without one
of them, found by following the foreign keys of the schema (so a table added later is covered
without a change here):

- a row whose foreign key to a removed row is NOT NULL or ON DELETE CASCADE is removed too
  (the demo consultation's axes, phases, criteria, runs, roadmap, jobs, merges...; the demo
  accounts' votes, follows, likes, sessions, reset tokens, notifications, evaluations);
- a few authorship links remove the row although they are nullable (:data:`AUTHORED`): what a
  demo account wrote in a real consultation (a proposal, a comment, a report, an invitation,
  an attachment it uploaded) is demo content too, since the demo passwords are public (the
  files of removed attachments are deleted after the commit, as the progress photos);
- any other nullable link is cleared (set to NULL) and the real row stays: a real workshop
  recorded by a demo admin, a decision signed by a demo official, a real reply to a removed
  comment (it becomes a top-level comment: a real participant's words are not removed).

The territory (prefecture, communes, census figures) is never removed. The audit log is never
deleted from: its entries about demo rows stay, with their ``actor_label``; the foreign keys
the database would set to NULL are cleared, and the ``demo.remove`` entry added at the end
keeps the ids they had, so that :func:`roadmap.audit.log.verify_chain` still verifies them.
The counters of the real proposals and comments that lost supports, comments or likes are
recomputed. Everything happens in one transaction; the caller commits.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import Table, delete, func, select, update

from roadmap.audit.log import CLEARED_REFERENCES, record
from roadmap.extensions import db

DELETE, CLEAR = "delete", "clear"
CHUNK = 500
# Nullable links that still remove the row: what a demo account authored (an invitation sent
# from a demo account, whose password is public, must not outlive it either; the synthetic
# residents' list the demo organiser uploaded, whose numbers are in the README).
AUTHORED = {("proposal", "author_id"), ("comment", "author_id"), ("report", "reporter_id"),
            ("invitation", "invited_by_id"), ("resident_list", "created_by_id"),
            ("attachment", "uploaded_by_id")}
# Links that keep the row although the database would cascade: a real reply to a removed
# comment stays, as a top-level comment.
KEPT = {("comment", "parent_id")}
# Real data, never removed whatever points at it or from it.
NEVER_REMOVED = {"prefecture", "commune", "commune_indicator", "audit_entry", "alembic_version"}
AUDIT = "audit_entry"


class NoDemo(LookupError):
    """Raised when the database holds no demo row."""


@dataclass
class RemovalPlan:
    """What :func:`plan_removal` found: the rows to remove and the links to clear."""

    doomed: dict[str, set] = field(default_factory=dict)  # table -> primary keys to remove
    links: dict[str, int] = field(default_factory=dict)  # association table -> rows to remove
    cleared: dict[tuple[str, str], set] = field(default_factory=dict)  # (table, column) -> pks
    audit_originals: dict[int, dict] = field(default_factory=dict)
    # Audit entries of demo accounts outside the demo consultations (a role they changed...).
    actions_elsewhere: int = 0

    def counts(self) -> dict[str, int]:
        """Rows removed per table (tables with none left out), in table order."""
        counts = {name: len(ids) for name, ids in self.doomed.items() if ids}
        counts.update({name: n for name, n in self.links.items() if n})
        order = [t.name for t in db.metadata.sorted_tables]
        return {name: counts[name] for name in order if name in counts}

    def cleared_counts(self) -> dict[str, int]:
        """Real rows kept with one link cleared, per ``table.column``."""
        return {f"{t}.{c}": len(ids) for (t, c), ids in sorted(self.cleared.items()) if ids}


def rule(foreign_key) -> str:
    """What happens to a row whose ``foreign_key`` points at a removed row."""
    key = (foreign_key.parent.table.name, foreign_key.parent.name)
    if key in AUTHORED:
        return DELETE
    if key in KEPT or foreign_key.parent.table.name in NEVER_REMOVED:
        return CLEAR
    if not foreign_key.parent.nullable or (foreign_key.ondelete or "").upper() == "CASCADE":
        return DELETE
    return CLEAR


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def _key(table: Table):
    """The single-column primary key of ``table``, or None for an association table."""
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 else None


def _chunks(values) -> list[list]:
    values = sorted(values, key=str)
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def _select_in(selected, column, values, *where) -> list:
    """Rows of ``selected`` where ``column`` is one of ``values`` (in chunks)."""
    rows = []
    for chunk in _chunks(values):
        rows += db.session.execute(select(*selected).where(column.in_(chunk), *where)).all()
    return rows


def _seeds(plan: RemovalPlan) -> None:
    """Every row marked ``is_demo``, and the outbox mail addressed to a demo account."""
    for table in _tables():
        key = _key(table)
        if "is_demo" in table.c and key is not None and table.name not in NEVER_REMOVED:
            plan.doomed[table.name] = set(db.session.scalars(
                select(key).where(table.c.is_demo.is_(True))))
    users = db.metadata.tables["user_account"]
    outbox = db.metadata.tables.get("outbox_message")
    demo_users = plan.doomed.get("user_account", set())
    if outbox is not None and demo_users:
        emails = [row[0] for row in _select_in([users.c.email], users.c.id, demo_users)]
        plan.doomed["outbox_message"] = {row[0] for row in _select_in(
            [outbox.c.id], outbox.c.recipient, emails)}


def _close(plan: RemovalPlan) -> None:
    """Add every row that a DELETE link ties to a removed row, until nothing is added."""
    grown = True
    while grown:
        grown = False
        for table in _tables():
            key = _key(table)
            if key is None or table.name in NEVER_REMOVED:
                continue
            for foreign_key in table.foreign_keys:
                targets = plan.doomed.get(foreign_key.column.table.name)
                if not targets or rule(foreign_key) != DELETE:
                    continue
                found = {row[0] for row in _select_in([key], foreign_key.parent, targets)}
                new = found - plan.doomed.setdefault(table.name, set())
                if new:
                    plan.doomed[table.name] |= new
                    grown = True


def _links_and_clears(plan: RemovalPlan) -> None:
    """Count the association rows to remove; find the kept rows whose links get cleared."""
    link_rows: dict[str, set] = {}
    for table in _tables():
        key = _key(table)
        for foreign_key in table.foreign_keys:
            targets = plan.doomed.get(foreign_key.column.table.name)
            if not targets:
                continue
            if key is None:
                if rule(foreign_key) == DELETE:
                    link_rows.setdefault(table.name, set()).update(
                        tuple(row) for row in _select_in(list(table.primary_key.columns),
                                                         foreign_key.parent, targets))
                continue
            if rule(foreign_key) != CLEAR:
                continue
            rows = _select_in([key, foreign_key.parent], foreign_key.parent, targets)
            kept = {pk for pk, _target in rows} - plan.doomed.get(table.name, set())
            if kept:
                plan.cleared[(table.name, foreign_key.parent.name)] = kept
            if table.name == AUDIT:
                for pk, target in rows:
                    plan.audit_originals.setdefault(pk, {})[foreign_key.parent.name] = target
    plan.links = {name: len(rows) for name, rows in link_rows.items()}


def plan_removal() -> RemovalPlan:
    """Find every demo row and what depends on it; changes nothing. Raises :class:`NoDemo`."""
    plan = RemovalPlan()
    _seeds(plan)
    if not any(plan.doomed.values()):
        raise NoDemo("This database holds no demo content.")
    _close(plan)
    _links_and_clears(plan)
    plan.actions_elsewhere = _actions_elsewhere(plan)
    return plan


def _actions_elsewhere(plan: RemovalPlan) -> int:
    """How many audit entries record a demo account acting outside the demo consultations."""
    from roadmap.audit.models import AuditEntry

    demo_consultations = plan.doomed.get("consultation", set())
    demo_lists = plan.doomed.get("resident_list", set())  # the demo's synthetic list
    return sum(1 for _id, consultation_id, subject_type, subject_id in _select_in(
        [AuditEntry.id, AuditEntry.consultation_id, AuditEntry.subject_type,
         AuditEntry.subject_id], AuditEntry.actor_id, plan.doomed.get("user_account", ()))
        if consultation_id not in demo_consultations
        and not (subject_type == "resident_list" and subject_id in demo_lists))


def _affected_counters(plan: RemovalPlan) -> tuple[set, set]:
    """(real proposals losing votes or comments, real comments losing likes)."""
    from roadmap.participation.models import Comment, CommentLike, Vote

    proposals, comments = set(), set()
    proposals |= {r[0] for r in _select_in([Vote.proposal_id], Vote.id,
                                            plan.doomed.get("vote", ()))}
    proposals |= {r[0] for r in _select_in([Comment.proposal_id], Comment.id,
                                            plan.doomed.get("comment", ()))}
    comments |= {r[0] for r in _select_in([CommentLike.comment_id], CommentLike.id,
                                           plan.doomed.get("comment_like", ()))}
    return (proposals - plan.doomed.get("proposal", set()),
            comments - plan.doomed.get("comment", set()))


def _recount(proposal_ids: set, comment_ids: set) -> None:
    """Recompute supports, comments and likes counters from their rows."""
    from roadmap.participation.models import Comment, CommentLike, Vote
    from roadmap.participation.queries import visible_comments_filter
    from roadmap.proposals.models import Proposal

    supports = (select(func.count(Vote.id)).where(Vote.proposal_id == Proposal.id)
                .scalar_subquery())
    visible = (select(func.count(Comment.id))
               .where(Comment.proposal_id == Proposal.id, visible_comments_filter())
               .scalar_subquery())
    likes = (select(func.count(CommentLike.id)).where(CommentLike.comment_id == Comment.id)
             .scalar_subquery())
    for chunk in _chunks(proposal_ids):
        db.session.execute(update(Proposal).where(Proposal.id.in_(chunk))
                           .values(supports_count=supports, comments_count=visible)
                           .execution_options(synchronize_session=False))
    for chunk in _chunks(comment_ids):
        db.session.execute(update(Comment).where(Comment.id.in_(chunk))
                           .values(likes_count=likes)
                           .execution_options(synchronize_session=False))


def _files_of(plan: RemovalPlan) -> list[Path]:
    """The files of the removed attachments, the progress photos of older versions and the
    export files of the removed rows (deleted after the commit)."""
    from roadmap.consultations.models import Consultation
    from roadmap.media import storage
    from roadmap.media.models import Attachment
    from roadmap.roadmaps.models import ProgressUpdate

    instance = Path(current_app.instance_path)
    files = [storage.upload_root() / row[0] for row in _select_in(
        [ProgressUpdate.photo_path], ProgressUpdate.id, plan.doomed.get("progress_update", ()))
        if row[0]]
    for (token,) in _select_in([Attachment.token], Attachment.id,
                               plan.doomed.get("attachment", ())):
        files += storage.files_of(token)
    slugs = {row[0] for row in _select_in([Consultation.slug], Consultation.id,
                                          plan.doomed.get("consultation", ()))}
    for state_path in sorted((instance / "exports").glob("*.json")):
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if state.get("slug") in slugs:
            files.append(state_path)
            if state.get("file"):
                files.append(instance / "exports" / state["file"])
    return files


def _end_verifications_by_demo_residents(plan: RemovalPlan) -> int:
    """End the verification of every kept account verified with an entry of a removed
    (synthetic, public) residents' list: nothing vouches for it any more. Returns how many."""
    from roadmap.accounts.models import User
    from roadmap.verification.models import Verification
    from roadmap.verification.services import end_verification

    rows = _select_in([Verification.user_id], Verification.source_id,
                      plan.doomed.get("resident_entry", ()),
                      Verification.method == "residents_list", Verification.ended_at.is_(None))
    kept = {row[0] for row in rows} - plan.doomed.get("user_account", set())
    for user_id in sorted(kept):
        end_verification(db.session.get(User, user_id), "revoked")
    return len(kept)


def remove_demo(plan: RemovalPlan | None = None) -> tuple[RemovalPlan, list[Path]]:
    """Remove the demo rows of ``plan`` (or of a new plan), flush; returns it and its files.

    The caller commits, then deletes the returned files (:func:`delete_files`).
    """
    plan = plan or plan_removal()
    _end_verifications_by_demo_residents(plan)
    proposal_ids, comment_ids = _affected_counters(plan)
    files = _files_of(plan)
    tables = {t.name: t for t in _tables()}
    for (name, column), keys in plan.cleared.items():
        table = tables[name]
        for chunk in _chunks(keys):
            db.session.execute(update(table).where(_key(table).in_(chunk)).values({column: None}))
    for table in reversed(_tables()):
        key = _key(table)
        if table.name in NEVER_REMOVED:
            continue
        if key is None:
            for foreign_key in table.foreign_keys:
                targets = plan.doomed.get(foreign_key.column.table.name)
                if targets and rule(foreign_key) == DELETE:
                    for chunk in _chunks(targets):
                        db.session.execute(delete(table).where(foreign_key.parent.in_(chunk)))
        else:
            for chunk in _chunks(plan.doomed.get(table.name, ())):
                db.session.execute(delete(table).where(key.in_(chunk)))
    _recount(proposal_ids, comment_ids)
    db.session.expire_all()
    record(None, "demo.remove", None, after={
        "removed": plan.counts(), "cleared": plan.cleared_counts(),
        "recounted": {"proposal": len(proposal_ids), "comment": len(comment_ids)},
        CLEARED_REFERENCES: {str(k): v for k, v in sorted(plan.audit_originals.items())}})
    return plan, files


def delete_files(files: list[Path]) -> int:
    """Delete the files of removed rows (after the commit); returns how many were deleted."""
    deleted = 0
    for path in files:
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass
    return deleted
