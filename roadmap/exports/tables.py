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
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from sqlalchemy import (Integer, String, cast, func, null, select, text, type_coerce,
                        union_all)
from sqlalchemy.orm import selectinload

from roadmap.accounts.models import User
from roadmap.consultations.models import StrategicAxis, Workshop
from roadmap.core.models import UTCDateTime
from roadmap.extensions import db
from roadmap.audit.models import AuditEntry
from roadmap.media.models import Attachment
from roadmap.exports.queries import ATTACHMENT_COLUMNS, MediaUrls, attachment_keys
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
    "proposal": {"author_id": "links a citizen's contributions together",
                 "entered_by_id": "the help-desk official's account"},
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


# What a spreadsheet would run as a formula when a cell starts with it (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    """A named table: header row and data rows of cells (:func:`cell`, :func:`neutralised`),
    ready for a sheet or a CSV file.

    ``rows`` is any iterable of lists that can be iterated more than once: a list for small
    tables, a :class:`StreamedRows` for the large ones (read from the database on each pass).
    """

    name: str
    headers: list[str]
    rows: Iterable[list] = field(default_factory=list)
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


def neutralised(value):
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def exported(value):
    """A value as an exported cell: :func:`cell`, then :func:`neutralised`."""
    return neutralised(cell(value))


def _iso(value):
    return value.isoformat()


def _utc_iso(value):
    """:func:`cell` of a :class:`UTCDateTime` value read as its implementation type (naive on
    SQLite: UTC, as UTCDateTime would say)."""
    return value.isoformat() if value.tzinfo else value.isoformat() + "+00:00"


def _kind(column) -> str:
    """How the values of ``column`` become cells: "text" (may need :func:`neutralised`),
    "plain" (numbers, booleans), "date" (ISO 8601, never a formula) or "other"
    (:func:`exported`: JSON and the types we do not know)."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return "other"
    if issubclass(python_type, str):
        return "text"
    if issubclass(python_type, (date, datetime)):
        return "date"
    if issubclass(python_type, (bool, int, float, Decimal)):
        return "plain"
    return "other"


class StreamedRows:
    """The rows of a Core ``select``, read in batches each time they are iterated (a
    server-side cursor on PostgreSQL), never one ORM object per row, and made cells:
    ``converters`` are ``(index, function)`` pairs applied to the non-NULL values of those
    columns (see :func:`_selected`), and the text columns are :func:`neutralised`."""

    BATCH = 5_000

    def __init__(self, statement, converters: list[tuple[int, Callable]]):
        self.statement = statement
        self.converters = converters
        self.texts = [index for index, column in enumerate(statement.selected_columns)
                      if _kind(column) == "text"]

    def __iter__(self) -> Iterator[list]:
        if db.session.get_bind().dialect.name == "postgresql":
            # Every row is read: plan the cursor for all of them (hash joins and one sort),
            # not for the first tenth (nested loops), until the transaction ends.
            db.session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
        result = db.session.execute(self.statement,
                                    execution_options={"yield_per": self.BATCH})
        converters, texts, starts = self.converters, self.texts, FORMULA_STARTS
        try:
            for row in result:
                row = list(row)
                for index, convert in converters:
                    value = row[index]
                    if value is not None:
                        row[index] = convert(value)
                for index in texts:
                    value = row[index]
                    if value is not None and value.startswith(starts):
                        row[index] = "'" + value
                yield row
        finally:
            result.close()


def _selected(column, name: str):
    """``(column labelled name, converter or None)`` for a streamed select. A UTCDateTime
    column is read as its implementation type and :func:`_utc_iso` does the rest (no Python
    call per value, NULLs included)."""
    if isinstance(column.type, UTCDateTime):
        return type_coerce(column, column.type.impl).label(name), _utc_iso
    kind = _kind(column)
    return column.label(name), {"date": _iso, "other": exported}.get(kind)


def model_columns(model, variant: str) -> list[str]:
    """The exported columns of ``model`` in ``variant``, in table order."""
    name = model.__tablename__
    skipped = set(EXCLUDED.get(name, {}))
    if variant == "public":
        skipped |= set(PUBLIC_EXCLUDED.get(name, {}))
    return [column.name for column in model.__table__.columns if column.name not in skipped]


def _model_table(name: str, model, records, variant: str,
                 extra: dict[str, Callable] | None = None) -> Table:
    """A small table from ORM objects (``extra`` columns computed from each object)."""
    columns = model_columns(model, variant)
    extra = extra or {}
    rows = [[exported(getattr(r, c)) for c in columns] +
            [exported(f(r)) for f in extra.values()] for r in records]
    return Table(name, columns + list(extra), rows, model)


def _streamed_table(name: str, model, variant: str, build, extra: dict | None = None) -> Table:
    """A table read with one Core select: the model's exported columns, then ``extra``
    (header -> SQL expression, or ``(expression, converter)`` to make its non-NULL values
    cells); ``build(statement)`` adds the joins, filters and order."""
    columns = model_columns(model, variant)
    extra = extra or {}
    table = model.__table__
    selected = [_selected(table.c[c], c) for c in columns] + \
        [(expression[0].label(header), expression[1]) if isinstance(expression, tuple)
         else _selected(expression, header) for header, expression in extra.items()]
    statement = build(select(*(column for column, _convert in selected)))
    converters = [(index, convert) for index, (_column, convert) in enumerate(selected)
                  if convert]
    return Table(name, columns + list(extra), StreamedRows(statement, converters), model)


# --- the tables ------------------------------------------------------------------------------

PROPOSAL, COMMENT, USER = Proposal.__table__, Comment.__table__, User.__table__


def _public_proposal(query):
    return query.where(PROPOSAL.c.status.in_(LISTED_STATUSES), PROPOSAL.c.hidden_at.is_(None))


def _transcript(subject_column: str, subject_table):
    """The transcript of the voice note of each row of ``subject_table`` (a proposal made by
    voice may have no body: its transcript is what readers of the export read)."""
    attachment = Attachment.__table__
    return (select(attachment.c.transcript)
            .where(attachment.c[subject_column] == subject_table.c.id,
                   attachment.c.kind == "voice", attachment.c.hidden_at.is_(None))
            .order_by(attachment.c.id).limit(1).scalar_subquery())


def _proposals(consultation, variant: str) -> Table:
    axis, workshop = StrategicAxis.__table__, Workshop.__table__
    commune = Commune.__table__
    extra = {"commune_code": commune.c.code, "axis_code": axis.c.code,
             "workshop_title": workshop.c.title,
             "transcript": _transcript("proposal_id", PROPOSAL)}
    if variant == "full":
        extra["author_name"] = USER.c.display_name
    for column, (kind, url_variant) in ATTACHMENT_COLUMNS.items():  # URLs, space-separated
        extra[column] = (attachment_keys(PROPOSAL.c.id, kind), MediaUrls(url_variant))

    def build(query):
        query = (query.select_from(PROPOSAL).join(commune, commune.c.id == PROPOSAL.c.commune_id)
                 .outerjoin(axis, axis.c.id == PROPOSAL.c.axis_id)
                 .outerjoin(workshop, workshop.c.id == PROPOSAL.c.workshop_id))
        if variant == "full":
            query = query.outerjoin(USER, USER.c.id == PROPOSAL.c.author_id)
        query = query.where(PROPOSAL.c.consultation_id == consultation.id)
        if variant == "public":
            query = _public_proposal(query)
        return query.order_by(PROPOSAL.c.id)

    return _streamed_table("proposals", Proposal, variant, build, extra)


def _votes(consultation, variant: str) -> Table:
    """Supports aggregated per proposal and the supporters' home commune (no individual vote):
    the verified commune where a verification vouches for one, else the declared one."""
    vote = Vote.__table__
    home = func.coalesce(USER.c.verified_commune_id, USER.c.home_commune_id)
    query = (select(PROPOSAL.c.id, PROPOSAL.c.commune_id, home, func.count(vote.c.id))
             .select_from(PROPOSAL)
             .join(vote, vote.c.proposal_id == PROPOSAL.c.id)
             .join(USER, USER.c.id == vote.c.user_id)
             .where(PROPOSAL.c.consultation_id == consultation.id)
             .group_by(PROPOSAL.c.id, PROPOSAL.c.commune_id, home))
    if variant == "public":
        query = _public_proposal(query)
    return Table("votes", ["proposal_id", "proposal_commune_code", "supporter_home_commune_code",
                           "supports"], VoteRows(query), Vote)


def commune_order() -> tuple[dict, dict]:
    """Commune id -> code, and commune id (``None``: no commune) -> its place in the
    database's ``ORDER BY code`` (its collation, and where it puts NULL)."""
    commune = Commune.__table__
    listed = union_all(select(commune.c.id, commune.c.code),
                       select(cast(null(), Integer), cast(null(), String))).subquery()
    places = {commune_id: place for place, (commune_id, _code) in enumerate(
        db.session.execute(select(listed.c[0], listed.c[1]).order_by(listed.c[1])))}
    codes = dict(db.session.execute(select(commune.c.id, commune.c.code)).all())
    return codes, places


class VoteRows:
    """The rows of the votes table, as ``ORDER BY proposal id, home commune code`` of the
    grouping on the codes would give them. The database groups on the commune ids (grouping
    on the joined text codes took half as long again on SQLite); the codes and their order
    come from :func:`commune_order`. Not streamed: the groups are few, and PostgreSQL runs a
    cursor's query without parallel workers."""

    def __init__(self, statement):
        self.statement = statement

    def __iter__(self) -> Iterator[list]:
        codes, places = commune_order()
        codes = {commune_id: neutralised(code) for commune_id, code in codes.items()}
        rows = db.session.execute(self.statement).all()
        rows.sort(key=lambda row: (row[0], places[row[2]]))
        for proposal_id, commune_id, home_id, supports in rows:
            yield [proposal_id, codes[commune_id], codes.get(home_id), supports]


def _comments(consultation, variant: str) -> Table:
    extra = {"transcript": _transcript("comment_id", COMMENT)}
    if variant == "full":
        extra["author_name"] = USER.c.display_name

    def build(query):
        query = (query.select_from(COMMENT)
                 .join(PROPOSAL, PROPOSAL.c.id == COMMENT.c.proposal_id))
        if variant == "full":
            query = query.outerjoin(USER, USER.c.id == COMMENT.c.author_id)
        query = query.where(PROPOSAL.c.consultation_id == consultation.id)
        if variant == "public":
            query = _public_proposal(query).where(COMMENT.c.hidden_at.is_(None),
                                                  COMMENT.c.deleted_at.is_(None))
        return query.order_by(COMMENT.c.id)

    return _streamed_table("comments", Comment, variant, build, extra)


def _workshops(consultation, variant: str) -> Table:
    records = list(db.session.scalars(
        select(Workshop).where(Workshop.consultation_id == consultation.id)
        .options(selectinload(Workshop.communes)).order_by(Workshop.held_on, Workshop.id)))
    extra = {"commune_codes": lambda w: [c.code for c in w.communes],
             "attendance_total": lambda w: w.attendance_total}
    return _model_table("workshops", Workshop, records, variant, extra)


def _axes(consultation, variant: str) -> Table:
    return _model_table("axes", StrategicAxis, consultation.axes, variant)


def _evaluations(consultation, variant: str) -> Table:
    evaluation, criterion = Evaluation.__table__, EvaluationCriterion.__table__
    return _streamed_table(
        "evaluations", Evaluation, variant,
        lambda query: query.select_from(evaluation)
        .join(PROPOSAL, PROPOSAL.c.id == evaluation.c.proposal_id)
        .join(criterion, criterion.c.id == evaluation.c.criterion_id)
        .where(PROPOSAL.c.consultation_id == consultation.id).order_by(evaluation.c.id),
        {"criterion_code": criterion.c.code})


def _eligibility(consultation, variant: str) -> Table:
    decision = EligibilityDecision.__table__

    def build(query):
        query = (query.select_from(decision)
                 .join(PROPOSAL, PROPOSAL.c.id == decision.c.proposal_id)
                 .where(PROPOSAL.c.consultation_id == consultation.id))
        if variant == "public":
            query = _public_proposal(query)
        return query.order_by(decision.c.id)

    return _streamed_table("eligibility", EligibilityDecision, variant, build)


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
    commune = Commune.__table__
    return _streamed_table(
        "communes", Commune, variant,
        lambda query: query.where(commune.c.prefecture_id == consultation.prefecture_id)
        .order_by(commune.c.code))


def _commune_indicators(consultation, variant: str) -> Table:
    indicator, commune = CommuneIndicator.__table__, Commune.__table__
    return _streamed_table(
        "commune_indicators", CommuneIndicator, variant,
        lambda query: query.select_from(indicator)
        .join(commune, commune.c.id == indicator.c.commune_id)
        .where(commune.c.prefecture_id == consultation.prefecture_id)
        .order_by(commune.c.code, indicator.c.key, indicator.c.year),
        {"commune_code": commune.c.code})


def _audit(consultation, variant: str) -> Table:
    audit = AuditEntry.__table__
    return _streamed_table(
        "audit_log", AuditEntry, variant,
        lambda query: query.where(audit.c.consultation_id == consultation.id)
        .order_by(audit.c.id))


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


def build_tables(consultation, variant: str) -> list[Table]:
    """Every table of ``variant``; the large ones are read from the database as they are
    written (see :class:`StreamedRows`)."""
    return [build_table(consultation, name, variant) for name in table_names(variant)]
