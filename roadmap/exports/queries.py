"""Participation statistics of a consultation, for the dashboard and the roadmap PDF.

Participants are the distinct people who made a public proposal online, supported or
commented one (the commune page's and the maps' definition). A person counts in each commune
whose proposals they took part in, and in the week of their first participation.

Small-cell suppression (public figures; organisers see exact ones): in every breakdown of
counts (a chart and its table), a count from 1 to 4 is shown as "<5". If a breakdown has
exactly one such cell, the smallest other non-zero cell is suppressed too, so that the hidden
count cannot be found by subtracting the others from the total. A total below 5 is shown as
"<5". Zero is shown (it reveals no one). Rates of suppressed cells are not shown.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import distinct, func, select, union_all

from roadmap.accounts.models import User
from roadmap.consultations.models import Workshop
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal
from roadmap.territory.models import Commune

THRESHOLD = 5
SUPPRESSED = "<5"
PROFILE_ATTRIBUTES = ("stakeholder_type", "gender", "age_band")


@dataclass
class Cell:
    """One figure of a breakdown: its key, label, exact value and what the public sees."""

    key: str
    label: str
    value: int
    suppressed: bool = False
    rate: float | None = None  # per 1,000 inhabitants, where it applies

    @property
    def shown(self) -> str:
        """The value as shown: the number, or "<5" when suppressed."""
        return SUPPRESSED if self.suppressed else str(self.value)


def suppress(cells: list[Cell], exact: bool = False) -> list[Cell]:
    """Apply the small-cell rule (see the module docstring) to one breakdown, in place."""
    if exact:
        return cells
    small = [c for c in cells if 0 < c.value < THRESHOLD]
    for cell in small:
        cell.suppressed = True
    if len(small) == 1:
        others = sorted((c for c in cells if c.value >= THRESHOLD), key=lambda c: c.value)
        if others:
            others[0].suppressed = True
    for cell in cells:
        if cell.suppressed:
            cell.rate = None
    return cells


def shown_total(value: int, exact: bool = False) -> str:
    """A total as shown: "<5" below the threshold (unless exact)."""
    return str(value) if exact or value == 0 or value >= THRESHOLD else SUPPRESSED


def _public(consultation):
    return (Proposal.consultation_id == consultation.id, Proposal.status == "published",
            Proposal.hidden_at.is_(None))


def participation_branches(consultation) -> dict[str, object]:
    """Per kind of public online participation, a select of ``user_id``, ``commune_id`` and
    ``created_at``."""
    public = _public(consultation)
    return {
        "proposal": select(Proposal.author_id.label("user_id"),
                           Proposal.commune_id.label("commune_id"),
                           Proposal.created_at.label("created_at"))
        .where(*public, Proposal.origin == "online", Proposal.author_id.is_not(None)),
        "support": select(Vote.user_id, Proposal.commune_id, Vote.created_at)
        .join(Proposal, Proposal.id == Vote.proposal_id).where(*public),
        "comment": select(Comment.author_id.label("user_id"), Proposal.commune_id,
                          Comment.created_at)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(*public, Comment.author_id.is_not(None)),
    }


def participation_events(consultation):
    """Every public online participation, as a subquery of ``user_id``, ``commune_id`` and
    ``created_at``: the figures below are aggregates of it made by the database (a million
    supports never come to Python)."""
    return union_all(*participation_branches(consultation).values()).subquery("events")


def week_of(moment) -> date:
    """The Monday of the ISO week of a datetime or date."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def _day(value) -> date:
    """A ``date()`` computed by the database: text on SQLite (the UTC day), a date on
    PostgreSQL (the session's time zone, as its timestamps are read)."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def _weekly(consultation, events, exact: bool) -> tuple[dict[str, list[Cell]], Counter,
                                                       dict[str, Counter]]:
    """The weekly breakdowns, the number of events of each kind, and the participants per
    value of each profile attribute (empty values: "not_declared")."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for kind, branch in participation_branches(consultation).items():
        rows = branch.subquery(kind)
        day = func.date(rows.c.created_at)
        for value, count in db.session.execute(select(day, func.count()).group_by(day)):
            counts[kind][week_of(_day(value))] += count
    kinds = Counter({kind: sum(weeks.values()) for kind, weeks in counts.items()})
    # A participant counts in the week of their first participation; the same query counts
    # them per profile (people whose account is gone count in the weeks, not the profiles).
    first = (select(events.c.user_id, func.min(events.c.created_at).label("moment"))
             .group_by(events.c.user_id).subquery("first"))
    day = func.date(first.c.moment)
    attributes = [getattr(User, attribute) for attribute in PROFILE_ATTRIBUTES]
    profiles = {attribute: Counter() for attribute in PROFILE_ATTRIBUTES}
    counts["participant"] = Counter()
    for value, *row, people, accounts in db.session.execute(
            select(day, *attributes, func.count(), func.count(User.id)).select_from(first)
            .outerjoin(User, User.id == first.c.user_id).group_by(day, *attributes)):
        counts["participant"][week_of(_day(value))] += people
        if accounts:
            for attribute, attribute_value in zip(PROFILE_ATTRIBUTES, row):
                profiles[attribute][attribute_value or "not_declared"] += accounts
    weeks = sorted(set().union(*(c.keys() for c in counts.values())))
    weekly = {kind: suppress([Cell(w.isoformat(), w.isoformat(), counts[kind][w])
                              for w in weeks], exact)
              for kind in ("participant", "proposal", "support", "comment")}
    return weekly, kinds, profiles


def _per_commune(consultation, events, exact: bool, language: str) -> list[Cell]:
    people = dict(db.session.execute(
        select(events.c.commune_id, func.count(distinct(events.c.user_id)))
        .group_by(events.c.commune_id)).all())
    communes = db.session.scalars(select(Commune).where(
        Commune.prefecture_id == consultation.prefecture_id).order_by(Commune.name_fr))
    cells = []
    for commune in communes:
        count = people.get(commune.id, 0)
        rate = (round(count * 1000 / commune.population_2024, 2)
                if commune.population_2024 else None)
        cells.append(Cell(commune.code, commune.name_ar if language == "ar" else commune.name_fr,
                          count, rate=rate))
    return suppress(cells, exact)


def _profile(values: Counter, keys: tuple, exact: bool, participants: int) -> list[Cell]:
    if not participants:
        return []
    order = list(keys) + sorted(k for k in values if k not in keys)
    return suppress([Cell(k, k, values.get(k, 0)) for k in order if k in values or k in keys],
                    exact)


def _channels(consultation, participants: int, exact: bool) -> dict:
    workshops = list(db.session.scalars(select(Workshop).where(
        Workshop.consultation_id == consultation.id)))
    attendance = sum(w.attendance_total for w in workshops)
    origins = dict(db.session.execute(select(Proposal.origin, func.count())
                                      .where(*_public(consultation))
                                      .group_by(Proposal.origin)).all())
    people = suppress([Cell("online", "online", participants),
                       Cell("workshops", "workshops", attendance)], exact)
    proposals = suppress([Cell("online", "online", origins.get("online", 0)),
                          Cell("workshop", "workshop", origins.get("workshop", 0))], exact)
    return {"people": people, "proposals": proposals, "workshops": len(workshops)}


def _help_desk(consultation, exact: bool, language: str) -> dict:
    """Public supports and proposals that an official entered at the help desk for a resident
    who was present (``entered_by_id``), counted apart: totals, and per commune (only the
    communes that have some)."""
    public = _public(consultation)
    supports = dict(db.session.execute(
        select(Proposal.commune_id, func.count(Vote.id))
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .where(*public, Vote.entered_by_id.is_not(None)).group_by(Proposal.commune_id)).all())
    proposals = dict(db.session.execute(
        select(Proposal.commune_id, func.count(Proposal.id))
        .where(*public, Proposal.entered_by_id.is_not(None)).group_by(Proposal.commune_id)).all())
    ids = set(supports) | set(proposals)
    communes = list(db.session.scalars(select(Commune).where(Commune.id.in_(ids))
                                       .order_by(Commune.name_fr))) if ids else []

    def cells(counts: dict) -> list[Cell]:
        return suppress([Cell(c.code, c.name_ar if language == "ar" else c.name_fr,
                              counts.get(c.id, 0)) for c in communes], exact)

    totals = {"supports": sum(supports.values()), "proposals": sum(proposals.values())}
    return {"totals": totals,
            "totals_shown": {k: shown_total(v, exact) for k, v in totals.items()},
            "supports": cells(supports), "proposals": cells(proposals)}


def dashboard_figures(consultation, *, exact: bool = False, language: str = "ar") -> dict:
    """Every figure of the participation dashboard (see the module docstring)."""
    from roadmap.accounts.models import AGE_BANDS, GENDERS, STAKEHOLDER_TYPES

    events = participation_events(consultation)
    weekly, kinds, profiles = _weekly(consultation, events, exact)
    participants = sum(cell.value for cell in weekly["participant"])
    totals = {"participants": participants, "proposals": kinds["proposal"],
              "supports": kinds["support"], "comments": kinds["comment"]}
    return {
        "totals": totals,
        "totals_shown": {k: shown_total(v, exact) for k, v in totals.items()},
        "weekly": weekly,
        "communes": _per_commune(consultation, events, exact, language),
        "stakeholders": _profile(profiles["stakeholder_type"], STAKEHOLDER_TYPES, exact,
                                 participants),
        "genders": _profile(profiles["gender"], GENDERS + ("not_declared",), exact,
                            participants),
        "ages": _profile(profiles["age_band"], AGE_BANDS + ("not_declared",), exact,
                         participants),
        "channels": _channels(consultation, participants, exact),
        "help_desk": _help_desk(consultation, exact, language),
        "exact": exact,
    }


def roadmap_progress(consultation) -> dict | None:
    """Progress of the published roadmap per axis and per commune, or ``None`` before."""
    from roadmap.roadmaps.queries import progress_by_axis, progress_by_commune, roadmap_of

    roadmap = roadmap_of(consultation)
    if roadmap is None or roadmap.published is None:
        return None
    return {"axes": progress_by_axis(roadmap), "communes": progress_by_commune(roadmap)}


# --- attachments in the exports --------------------------------------------------------------
# Each proposal's visible attachments (ready, not hidden) as absolute URLs, in gallery order,
# one column per kind in every format: the screen size of each photo, the file of each document.
# Voice notes are not exported: a voice identifies its speaker more than a photo of a place.
ATTACHMENT_COLUMNS = {"photos": ("photo", "screen"), "documents": ("document", "file")}
_PLACEHOLDER_TOKEN = "0" * 32


def _visible_attachment():
    from roadmap.media.models import Attachment

    return (Attachment.hidden_at.is_(None), Attachment.state == "ready")


def attachment_keys(proposal_id, kind: str):
    """A correlated scalar subquery: the proposal's visible attachments of ``kind`` as
    ``"position:id:token"`` words separated by spaces (or NULL), for one select of all the
    proposals; :class:`MediaUrls` makes them URLs."""
    from sqlalchemy import String, cast

    from roadmap.media.models import Attachment

    key = (cast(Attachment.position, String) + ":" + cast(Attachment.id, String) + ":"
           + Attachment.token)
    return (select(func.aggregate_strings(key, " "))
            .where(Attachment.proposal_id == proposal_id, Attachment.kind == kind,
                   *_visible_attachment())
            .scalar_subquery())


def media_url_template(variant: str) -> str:
    """The absolute URL of an attachment's ``variant`` with a placeholder token: in a request,
    from its host; in a job or the command line, from ``ROADMAP_BASE_URL``."""
    from flask import current_app, has_request_context, url_for

    from roadmap.core.mail import site_base_url

    if has_request_context():
        return url_for("media.file", token=_PLACEHOLDER_TOKEN, variant=variant, _external=True)
    with current_app.test_request_context("/", base_url=site_base_url()):
        return url_for("media.file", token=_PLACEHOLDER_TOKEN, variant=variant, _external=True)


class MediaUrls:
    """Turns the words of :func:`attachment_keys` into space-separated absolute URLs of
    ``variant``, in gallery order (the template is built once, on first use)."""

    def __init__(self, variant: str):
        self.variant = variant
        self._template: str | None = None

    def url(self, token: str) -> str:
        if self._template is None:
            self._template = media_url_template(self.variant)
        return self._template.replace(_PLACEHOLDER_TOKEN, token)

    def __call__(self, keys: str | None) -> str:
        if not keys:
            return ""
        words = sorted((int(p), int(i), t) for p, i, t in (w.split(":") for w in keys.split()))
        return " ".join(self.url(token) for _position, _id, token in words)


def attachment_urls(proposal_ids) -> dict[int, dict[str, list[str]]]:
    """``{proposal id: {"photos": [url...], "documents": [url...]}}`` of the visible
    attachments of ``proposal_ids``, in gallery order: one query for them all."""
    from roadmap.media.models import Attachment

    ids = list(proposal_ids)
    found: dict[int, dict[str, list[str]]] = {
        i: {column: [] for column in ATTACHMENT_COLUMNS} for i in ids}
    if not ids:
        return found
    makers = {kind: (column, MediaUrls(variant))
              for column, (kind, variant) in ATTACHMENT_COLUMNS.items()}
    rows = db.session.execute(
        select(Attachment.proposal_id, Attachment.kind, Attachment.token)
        .where(Attachment.proposal_id.in_(ids), Attachment.kind.in_(list(makers)),
               *_visible_attachment())
        .order_by(Attachment.proposal_id, Attachment.position, Attachment.id))
    for proposal_id, kind, token in rows:
        column, urls = makers[kind]
        found[proposal_id][column].append(urls.url(token))
    return found


def public_thumbnails(consultation) -> list[tuple[str, object]]:
    """``[(name in the archive, path)]`` of the thumbnails of the visible photos of the
    consultation's public proposals, for the open-data ZIP: ``thumbnails/<token>.webp`` (the
    token is the one of the URLs in the ``photos`` column)."""
    from roadmap.media import storage
    from roadmap.media.models import Attachment
    from roadmap.proposals.labels import LISTED_STATUSES

    tokens = db.session.scalars(
        select(Attachment.token).join(Proposal, Proposal.id == Attachment.proposal_id)
        .where(Proposal.consultation_id == consultation.id,
               Proposal.status.in_(LISTED_STATUSES), Proposal.hidden_at.is_(None),
               Attachment.kind == "photo", *_visible_attachment())
        .order_by(Attachment.proposal_id, Attachment.position, Attachment.id))
    found = []
    for token in tokens:
        path = storage.path_for(token, "thumb", "webp")
        if path.is_file():
            found.append((f"thumbnails/{token}.webp", path))
    return found
