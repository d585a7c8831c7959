"""The tables of a consultation's export: one source for the XLSX sheets and the CSV files.

Two variants: ``public`` (open data: public content only, no author names, no account ids)
and ``full`` (organisers: everything, authors' display names, the audit log; never emails,
password or token hashes). Every column of the exported models is in its table, except the
ones listed in :data:`EXCLUDED` (always) and :data:`PUBLIC_EXCLUDED` (public variant), each
with its reason; ``tests/exports/test_tables.py`` checks this against the models' columns.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.consultations.models import StrategicAxis, Workshop
from roadmap.extensions import db
from roadmap.moderation.models import AuditEntry
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.labels import LISTED_STATUSES
from roadmap.proposals.models import Proposal
from roadmap.ranking.models import EligibilityDecision, Evaluation, EvaluationCriterion
from roadmap.roadmaps.models import ItemIndicator, ProgressUpdate, Roadmap, RoadmapItem
from roadmap.territory.models import Commune, CommuneIndicator

VARIANTS = ("public", "full")

# Columns never exported, with the reason.
EXCLUDED: dict[str, dict[str, str]] = {
    "proposal": {"search_text": "derived: the title and body folded for search"},
    "commune": {"geometry": "in the GeoJSON and GeoPackage exports (too large for a cell)"},
}
# Columns left out of the public variant, with the reason (personal or internal data).
PUBLIC_EXCLUDED: dict[str, dict[str, str]] = {
    "proposal": {"author_id": "links a citizen's contributions together"},
    "comment": {"author_id": "links a citizen's contributions together"},
    "workshop": {"created_by_id": "an official's account"},
    "eligibility_decision": {"decided_by_id": "an official's account"},
    "progress_update": {"posted_by_id": "an official's account"},
}
# Models exported as aggregates only, with the reason (none of their columns is a header).
AGGREGATED: dict[str, str] = {
    "vote": "supports are counted per proposal and supporters' home commune, never one by one",
}
# Tables only in the full (organisers') variant.
FULL_ONLY = ("evaluations", "audit_log")


@dataclass
class Table:
    """A named table: header row and data rows, ready for a sheet or a CSV file."""

    name: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    model: type | None = None


def cell(value):
    """A value as a spreadsheet cell: JSON for structures, ISO 8601 for dates."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def model_columns(model, variant: str) -> list[str]:
    """The exported columns of ``model`` in ``variant``, in table order."""
    name = model.__tablename__
    skipped = set(EXCLUDED.get(name, {}))
    if variant == "public":
        skipped |= set(PUBLIC_EXCLUDED.get(name, {}))
    return [column.name for column in model.__table__.columns if column.name not in skipped]


def _model_table(name: str, model, records, variant: str,
                 extra: dict[str, Callable] | None = None) -> Table:
    columns = model_columns(model, variant)
    extra = extra or {}
    rows = [[cell(getattr(r, c)) for c in columns] + [cell(f(r)) for f in extra.values()]
            for r in records]
    return Table(name, columns + list(extra), rows, model)


# --- the tables ------------------------------------------------------------------------------

def _public_proposal(query):
    return query.where(Proposal.status.in_(LISTED_STATUSES), Proposal.hidden_at.is_(None))


def _proposals(consultation, variant: str) -> Table:
    query = select(Proposal).where(Proposal.consultation_id == consultation.id)
    if variant == "public":
        query = _public_proposal(query)
    records = list(db.session.scalars(query.order_by(Proposal.id)))
    extra = {"commune_code": lambda p: p.commune.code,
             "axis_code": lambda p: p.axis.code if p.axis else None,
             "workshop_title": lambda p: p.workshop.title if p.workshop else None}
    if variant == "full":
        extra["author_name"] = lambda p: p.author.display_name if p.author else None
    return _model_table("proposals", Proposal, records, variant, extra)


def _votes(consultation, variant: str) -> Table:
    """Supports aggregated per proposal and the supporters' home commune (no individual vote)."""
    home = Commune.__table__.alias("home")
    query = (select(Proposal.id, Commune.code, home.c.code, func.count(Vote.id))
             .join(Vote, Vote.proposal_id == Proposal.id)
             .join(Commune, Commune.id == Proposal.commune_id)
             .join(User, User.id == Vote.user_id)
             .outerjoin(home, home.c.id == User.home_commune_id)
             .where(Proposal.consultation_id == consultation.id)
             .group_by(Proposal.id, Commune.code, home.c.code)
             .order_by(Proposal.id, home.c.code))
    if variant == "public":
        query = _public_proposal(query)
    rows = [list(row) for row in db.session.execute(query)]
    return Table("votes", ["proposal_id", "proposal_commune_code", "supporter_home_commune_code",
                           "supports"], rows, Vote)


def _comments(consultation, variant: str) -> Table:
    query = (select(Comment).join(Proposal, Proposal.id == Comment.proposal_id)
             .where(Proposal.consultation_id == consultation.id))
    if variant == "public":
        query = _public_proposal(query).where(Comment.hidden_at.is_(None),
                                              Comment.deleted_at.is_(None))
    records = list(db.session.scalars(query.order_by(Comment.id)))
    extra = {}
    if variant == "full":
        extra["author_name"] = lambda c: c.author.display_name if c.author else None
    return _model_table("comments", Comment, records, variant, extra)


def _workshops(consultation, variant: str) -> Table:
    records = list(db.session.scalars(select(Workshop).where(
        Workshop.consultation_id == consultation.id).order_by(Workshop.held_on, Workshop.id)))
    extra = {"commune_codes": lambda w: [c.code for c in w.communes],
             "attendance_total": lambda w: w.attendance_total}
    return _model_table("workshops", Workshop, records, variant, extra)


def _axes(consultation, variant: str) -> Table:
    return _model_table("axes", StrategicAxis, consultation.axes, variant)


def _evaluations(consultation, variant: str) -> Table:
    records = list(db.session.scalars(
        select(Evaluation).join(Proposal, Proposal.id == Evaluation.proposal_id)
        .where(Proposal.consultation_id == consultation.id).order_by(Evaluation.id)))
    return _model_table("evaluations", Evaluation, records, variant,
                        {"criterion_code": lambda e: e.criterion.code})


def _eligibility(consultation, variant: str) -> Table:
    query = (select(EligibilityDecision).join(Proposal,
                                              Proposal.id == EligibilityDecision.proposal_id)
             .where(Proposal.consultation_id == consultation.id))
    if variant == "public":
        query = _public_proposal(query)
    records = list(db.session.scalars(query.order_by(EligibilityDecision.id)))
    return _model_table("eligibility", EligibilityDecision, records, variant)


def _criteria(consultation, variant: str) -> Table:
    records = list(db.session.scalars(select(EvaluationCriterion).where(
        EvaluationCriterion.consultation_id == consultation.id)
        .order_by(EvaluationCriterion.position)))
    return _model_table("criteria", EvaluationCriterion, records, variant)


def _roadmap_items(consultation, variant: str) -> list[RoadmapItem]:
    roadmap = db.session.scalar(select(Roadmap).where(Roadmap.consultation_id == consultation.id))
    if roadmap is None:
        return []
    if variant == "full":
        return list(roadmap.items)
    version = roadmap.published
    published = {e["id"] for e in version.snapshot.get("items", [])} if version else set()
    return [item for item in roadmap.items if item.id in published]


def _roadmap(consultation, variant: str) -> Table:
    extra = {"axis_code": lambda i: i.axis.code if i.axis else None,
             "commune_codes": lambda i: [c.code for c in i.communes],
             "proposal_ids": lambda i: [p.id for p in i.proposals]}
    return _model_table("roadmap", RoadmapItem, _roadmap_items(consultation, variant), variant,
                        extra)


def _indicators(consultation, variant: str) -> Table:
    records = [ind for item in _roadmap_items(consultation, variant) for ind in item.indicators]
    return _model_table("roadmap_indicators", ItemIndicator, records, variant)


def _progress(consultation, variant: str) -> Table:
    records = [u for item in _roadmap_items(consultation, variant) for u in item.updates]
    return _model_table("progress_updates", ProgressUpdate, records, variant)


def _communes(consultation, variant: str) -> Table:
    records = list(db.session.scalars(select(Commune).where(
        Commune.prefecture_id == consultation.prefecture_id).order_by(Commune.code)))
    return _model_table("communes", Commune, records, variant)


def _commune_indicators(consultation, variant: str) -> Table:
    records = list(db.session.scalars(
        select(CommuneIndicator).join(Commune, Commune.id == CommuneIndicator.commune_id)
        .where(Commune.prefecture_id == consultation.prefecture_id)
        .order_by(Commune.code, CommuneIndicator.key, CommuneIndicator.year)))
    return _model_table("commune_indicators", CommuneIndicator, records, variant,
                        {"commune_code": lambda i: i.commune.code})


def _audit(consultation, variant: str) -> Table:
    records = list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.consultation_id == consultation.id).order_by(AuditEntry.id)))
    return _model_table("audit_log", AuditEntry, records, variant)


BUILDERS: dict[str, Callable] = {
    "proposals": _proposals, "votes": _votes, "comments": _comments, "workshops": _workshops,
    "axes": _axes, "criteria": _criteria, "evaluations": _evaluations,
    "eligibility": _eligibility, "roadmap": _roadmap, "roadmap_indicators": _indicators,
    "progress_updates": _progress, "communes": _communes,
    "commune_indicators": _commune_indicators, "audit_log": _audit,
}


def table_names(variant: str) -> list[str]:
    """The names of the tables of ``variant``, in workbook order."""
    return [name for name in BUILDERS if variant == "full" or name not in FULL_ONLY]


def build_table(consultation, name: str, variant: str) -> Table:
    """The table ``name`` of ``consultation`` in ``variant``; KeyError for an unknown name."""
    if variant not in VARIANTS or name not in table_names(variant):
        raise KeyError(name)
    return BUILDERS[name](consultation, variant)


def build_tables(consultation, variant: str, progress: Callable[[float], None] | None = None):
    """Every table of ``variant``, calling ``progress(fraction)`` after each."""
    names = table_names(variant)
    tables = []
    for number, name in enumerate(names, start=1):
        tables.append(build_table(consultation, name, variant))
        if progress:
            progress(number / len(names))
    return tables
