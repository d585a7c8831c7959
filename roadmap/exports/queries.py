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

from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.consultations.models import Workshop
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal
from roadmap.territory.models import Commune

THRESHOLD = 5
SUPPRESSED = "<5"


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


def participation_events(consultation) -> list[tuple]:
    """``(kind, user_id, commune_id, created_at)`` of every public online participation."""
    public = _public(consultation)
    rows = [("proposal", *r) for r in db.session.execute(
        select(Proposal.author_id, Proposal.commune_id, Proposal.created_at)
        .where(*public, Proposal.origin == "online", Proposal.author_id.is_not(None)))]
    rows += [("support", *r) for r in db.session.execute(
        select(Vote.user_id, Proposal.commune_id, Vote.created_at)
        .join(Proposal, Proposal.id == Vote.proposal_id).where(*public))]
    rows += [("comment", *r) for r in db.session.execute(
        select(Comment.author_id, Proposal.commune_id, Comment.created_at)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(*public, Comment.author_id.is_not(None)))]
    return rows


def week_of(moment) -> date:
    """The Monday of the ISO week of a datetime or date."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def _weekly(events, exact: bool) -> dict[str, list[Cell]]:
    first_seen: dict[int, date] = {}
    counts: dict[str, Counter] = defaultdict(Counter)
    for kind, user_id, _commune, moment in sorted(events, key=lambda e: e[3]):
        week = week_of(moment)
        counts[kind][week] += 1
        first_seen.setdefault(user_id, week)
    counts["participant"] = Counter(first_seen.values())
    weeks = sorted(set().union(*(c.keys() for c in counts.values()))) if counts else []
    return {kind: suppress([Cell(w.isoformat(), w.isoformat(), counts[kind][w]) for w in weeks],
                           exact)
            for kind in ("participant", "proposal", "support", "comment")}


def _per_commune(consultation, events, exact: bool, language: str) -> list[Cell]:
    people: dict[int, set] = defaultdict(set)
    for _kind, user_id, commune_id, _moment in events:
        people[commune_id].add(user_id)
    communes = db.session.scalars(select(Commune).where(
        Commune.prefecture_id == consultation.prefecture_id).order_by(Commune.name_fr))
    cells = []
    for commune in communes:
        count = len(people.get(commune.id, ()))
        rate = (round(count * 1000 / commune.population_2024, 2)
                if commune.population_2024 else None)
        cells.append(Cell(commune.code, commune.name_ar if language == "ar" else commune.name_fr,
                          count, rate=rate))
    return suppress(cells, exact)


def _profile(user_ids: set[int], attribute: str, keys: tuple, exact: bool) -> list[Cell]:
    if not user_ids:
        return []
    column = getattr(User, attribute)
    values = Counter(v or "not_declared" for v in db.session.scalars(
        select(column).where(User.id.in_(user_ids))))
    order = list(keys) + [k for k in values if k not in keys]
    return suppress([Cell(k, k, values.get(k, 0)) for k in order if k in values or k in keys],
                    exact)


def _channels(consultation, participants: int, exact: bool) -> dict:
    workshops = list(db.session.scalars(select(Workshop).where(
        Workshop.consultation_id == consultation.id)))
    attendance = sum(w.attendance_total for w in workshops)
    origins = Counter(db.session.scalars(select(Proposal.origin).where(*_public(consultation))))
    people = suppress([Cell("online", "online", participants),
                       Cell("workshops", "workshops", attendance)], exact)
    proposals = suppress([Cell("online", "online", origins.get("online", 0)),
                          Cell("workshop", "workshop", origins.get("workshop", 0))], exact)
    return {"people": people, "proposals": proposals, "workshops": len(workshops)}


def dashboard_figures(consultation, *, exact: bool = False, language: str = "ar") -> dict:
    """Every figure of the participation dashboard (see the module docstring)."""
    from roadmap.accounts.models import AGE_BANDS, GENDERS, STAKEHOLDER_TYPES

    events = participation_events(consultation)
    user_ids = {e[1] for e in events}
    kinds = Counter(e[0] for e in events)
    totals = {"participants": len(user_ids), "proposals": kinds["proposal"],
              "supports": kinds["support"], "comments": kinds["comment"]}
    return {
        "totals": totals,
        "totals_shown": {k: shown_total(v, exact) for k, v in totals.items()},
        "weekly": _weekly(events, exact),
        "communes": _per_commune(consultation, events, exact, language),
        "stakeholders": _profile(user_ids, "stakeholder_type", STAKEHOLDER_TYPES, exact),
        "genders": _profile(user_ids, "gender", GENDERS + ("not_declared",), exact),
        "ages": _profile(user_ids, "age_band", AGE_BANDS + ("not_declared",), exact),
        "channels": _channels(consultation, len(user_ids), exact),
        "exact": exact,
    }


def roadmap_progress(consultation) -> dict | None:
    """Progress of the published roadmap per axis and per commune, or ``None`` before."""
    from roadmap.roadmaps.queries import progress_by_axis, progress_by_commune, roadmap_of

    roadmap = roadmap_of(consultation)
    if roadmap is None or roadmap.published is None:
        return None
    return {"axes": progress_by_axis(roadmap), "communes": progress_by_commune(roadmap)}
