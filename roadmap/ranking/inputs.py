"""Build the consolidation's inputs from the database, in a fixed handful of queries.

:func:`gather_inputs` reads a consultation's communes, proposals, supports, comments,
evaluations and eligibility decisions (one query each, never one per row) and turns them into
the pure :class:`~roadmap.ranking.scoring.CommuneInput` and
:class:`~roadmap.ranking.scoring.ProposalInput` records. Supports and comment authors come back
aggregated, one row per proposal with the list of its people (``array_agg`` on PostgreSQL,
``group_concat`` on SQLite): a million supports are 20,000 rows, not a million.

Which proposals take part:

- a proposal is a *candidate* when it is published, not hidden, not withdrawn, has an axis and
  was not merged into another proposal (``merged_into_id`` is empty);
- a candidate declared ineligible or unfeasible stays in the inputs with ``eligible=False``
  and its public reason, so that its explanation can say why it was left out;
- every other proposal (pending, rejected, hidden, withdrawn, merged away) is left out.

Supports of a proposal merged into another are pooled into the proposal at the end of its
``merged_into_id`` chain, each person counted once. The participants of a commune are the
distinct authors, supporters and commenters of its public proposals (as the commune page counts them).
"""
from __future__ import annotations

import json
from collections import defaultdict, namedtuple
from datetime import datetime, timezone

from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal
from roadmap.ranking import need as need_module
from roadmap.ranking.models import EligibilityDecision, Evaluation, EvaluationCriterion
from roadmap.ranking.scoring import CommuneInput, ProposalInput
from roadmap.territory.indicators import BY_SEX
from roadmap.territory.models import Commune
from roadmap.territory.queries import census_by_sex, census_figures, latest_indicators


def iso_utc(moment: datetime | None) -> str:
    """``moment`` as an ISO 8601 UTC string to the second (naive values are taken as UTC)."""
    if moment is None:
        return ""
    if moment.utcoffset():  # naive (None) or already UTC (0): the fields are UTC's
        moment = moment.astimezone(timezone.utc)
    if moment.year < 1000:  # as strftime writes such years
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (moment.year, moment.month, moment.day,
                                               moment.hour, moment.minute, moment.second)


def _read(query):
    """The rows of ``query`` straight from the session's connection (no ORM row processing;
    :func:`gather_inputs` flushes the session first)."""
    return db.session.connection().execute(query)


# A proposal as the inputs read it (a plain tuple: attribute reads cost nothing).
ProposalRow = namedtuple("ProposalRow", "id status hidden_at withdrawn_at merged_into_id "
                         "author_id origin show_of_hands estimated_cost_mad created_at "
                         "commune axis")


def _proposal_rows(consultation) -> list[ProposalRow]:
    """Every proposal of the consultation with what the inputs need (one query)."""
    from roadmap.consultations.models import StrategicAxis

    query = (select(Proposal.id, Proposal.status, Proposal.hidden_at, Proposal.withdrawn_at,
                    Proposal.merged_into_id, Proposal.author_id, Proposal.origin,
                    Proposal.show_of_hands, Proposal.estimated_cost_mad, Proposal.created_at,
                    Commune.code.label("commune"), StrategicAxis.code.label("axis"))
             .join(Commune, Commune.id == Proposal.commune_id)
             .outerjoin(StrategicAxis, StrategicAxis.id == Proposal.axis_id)
             .where(Proposal.consultation_id == consultation.id)
             .order_by(Proposal.id))
    return [ProposalRow._make(row) for row in _read(query)]


def is_candidate(row) -> bool:
    """Published, visible, not withdrawn, not merged away, with an axis."""
    return (row.status == "published" and row.hidden_at is None and row.withdrawn_at is None
            and row.merged_into_id is None and row.axis is not None)


def merge_roots(rows) -> dict[int, int]:
    """Map each proposal id to the id at the end of its ``merged_into_id`` chain."""
    parent = {row.id: row.merged_into_id for row in rows}
    roots: dict[int, int] = {}
    for start in parent:
        current, seen = start, {start}
        while parent.get(current) is not None and parent[current] not in seen:
            current = parent[current]
            seen.add(current)
        roots[start] = current
    return roots


def _in_consultation(column, consultation):
    """``column`` (a proposal id) is one of the consultation's proposals."""
    return column.in_(select(Proposal.id).where(Proposal.consultation_id == consultation.id))


def _id_lists(key, ids, *where) -> dict[int, list[int]]:
    """{key: its ids} in one GROUP BY query: an array on PostgreSQL, comma-joined text elsewhere.

    A million supports come back as one row per proposal instead of a million rows.
    """
    aggregate = (func.array_agg(ids) if db.session.get_bind().dialect.name == "postgresql"
                 else func.group_concat(ids))
    rows = _read(select(key, aggregate).where(*where).group_by(key)).all()
    if rows and isinstance(rows[0][1], str):  # "3,14,15": parsed in one pass by the C decoder
        lists = json.loads("[[" + "],[".join(text for _, text in rows) + "]]")
        return {row[0]: found for row, found in zip(rows, lists)}
    return {found_key: found for found_key, found in rows}  # psycopg gives lists


def _voters(consultation) -> dict[int, list[int]]:
    """proposal id -> the ids of its supporters (each once: one vote per person and proposal)."""
    return _id_lists(Vote.proposal_id, Vote.user_id,
                     _in_consultation(Vote.proposal_id, consultation))


def _commenters(consultation) -> dict[int, list[int]]:
    """proposal id -> the authors of its comments (an author once per comment)."""
    return _id_lists(Comment.proposal_id, Comment.author_id,
                     _in_consultation(Comment.proposal_id, consultation),
                     Comment.author_id.is_not(None))


def _scores(consultation) -> dict[int, dict[str, dict[int, int]]]:
    """proposal id -> criterion code -> {evaluator id: score} (one query)."""
    query = (select(Evaluation.proposal_id, Evaluation.evaluator_id, EvaluationCriterion.code,
                    Evaluation.score)
             .join(EvaluationCriterion, EvaluationCriterion.id == Evaluation.criterion_id)
             .where(EvaluationCriterion.consultation_id == consultation.id))
    scores: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for proposal_id, evaluator_id, code, score in _read(query):
        scores[proposal_id][code][evaluator_id] = score
    return scores


def _decisions(consultation) -> dict[int, tuple[str, str]]:
    """proposal id -> (verdict, reason) of its eligibility decision (one query)."""
    query = (select(EligibilityDecision.proposal_id, EligibilityDecision.verdict,
                    EligibilityDecision.reason)
             .join(Proposal, Proposal.id == EligibilityDecision.proposal_id)
             .where(Proposal.consultation_id == consultation.id))
    return {pid: (verdict, reason or "") for pid, verdict, reason in _read(query)}


def consultation_communes(consultation) -> list[Commune]:
    """The communes of the consultation's prefecture, by code (one query)."""
    query = (select(Commune).where(Commune.prefecture_id == consultation.prefecture_id)
             .order_by(Commune.code))
    return list(db.session.scalars(query))


def _participants(rows, voters, commenters) -> dict[str, set[int]]:
    """commune code -> distinct authors, supporters and commenters of its public proposals.

    As on the commune page: public proposals (published, not hidden); authors of online
    proposals only (a workshop proposal is entered by an organiser on the workshop's behalf).
    """
    groups: dict[str, list] = defaultdict(list)
    for row in rows:
        if row.status != "published" or row.hidden_at is not None:
            continue
        group = groups[row.commune]
        if row.origin == "online" and row.author_id is not None:
            group.append((row.author_id,))
        for found in (voters.get(row.id), commenters.get(row.id)):
            if found:
                group.append(found)
    return {code: set().union(*lists) for code, lists in groups.items()}


def _pooled(rows, voters, candidates) -> tuple[dict[int, frozenset[int]], dict[int, int]]:
    """Supporters and workshop hands per candidate, merged proposals pooled into their target."""
    roots = merge_roots(rows)
    pooled: dict[int, list[list[int]]] = defaultdict(list)
    for proposal_id, found in voters.items():
        root = roots[proposal_id]
        if root in candidates:
            pooled[root].append(found)
    supporters = {root: frozenset(lists[0]) if len(lists) == 1 else frozenset().union(*lists)
                  for root, lists in pooled.items()}
    hands: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.origin == "workshop" and row.show_of_hands is not None:
            root = roots[row.id]
            if root in candidates:
                hands[root] += row.show_of_hands
    return supporters, hands


def _proposal_input(row, supporters, hands, scores, decision) -> ProposalInput:
    verdict, reason = decision or ("eligible", "")
    return ProposalInput(
        id=row.id, commune=row.commune, axis=row.axis, submitted_at=iso_utc(row.created_at),
        supporters=supporters.get(row.id, frozenset()),
        workshop_hands=hands.get(row.id) if row.id in hands else None,
        scores={code: dict(by) for code, by in scores.get(row.id, {}).items()},
        cost=row.estimated_cost_mad, eligible=verdict == "eligible",
        ineligible_reason=None if verdict == "eligible" else reason)


def gather_inputs(consultation) -> tuple[list[CommuneInput], list[ProposalInput]]:
    """The communes and candidate proposals of ``consultation``, ready for the consolidation."""
    db.session.flush()  # the queries below read the session's connection directly
    rows = _proposal_rows(consultation)
    voters, commenters = _voters(consultation), _commenters(consultation)
    candidates = {row.id: row for row in rows if is_candidate(row)}
    supporters, hands = _pooled(rows, voters, candidates)
    scores, decisions = _scores(consultation), _decisions(consultation)
    proposals = [_proposal_input(row, supporters, hands, scores, decisions.get(row.id))
                 for row in candidates.values()]
    communes = commune_inputs(consultation, _participants(rows, voters, commenters))
    return communes, proposals


def author_genders(consultation) -> dict[int, tuple[str, str | None]]:
    """proposal id -> (origin, its author's declared gender or None), now (one query).

    What :func:`roadmap.ranking.outcomes.gender_outcomes` reads; not an input of the
    consolidation (the ranking never sees who wrote a proposal).
    """
    from roadmap.accounts.models import User

    query = (select(Proposal.id, Proposal.origin, User.gender)
             .outerjoin(User, User.id == Proposal.author_id)
             .where(Proposal.consultation_id == consultation.id))
    return {pid: (origin, gender) for pid, origin, gender in _read(query)}


def commune_inputs(consultation, participants: dict[str, set[int]]) -> list[CommuneInput]:
    """One :class:`CommuneInput` per commune of the prefecture, with its need per axis."""
    communes = consultation_communes(consultation)
    details = need_module.need_details(census_values(communes), need_components(consultation))
    return [CommuneInput(code=c.code, population=c.population_2024 or 0,
                         participants=len(participants.get(c.code, ())),
                         need={axis: d["index"] for axis, d in details.get(c.code, {}).items()})
            for c in communes]


def need_components(consultation) -> dict:
    """The need components of the consultation's axes (axes without census figures have none)."""
    codes = {axis.code for axis in consultation.axes}
    return {axis: parts for axis, parts in need_module.NEED_COMPONENTS.items() if axis in codes}


def census_values(communes, rows=None) -> dict[str, dict[str, float | None]]:
    """commune code -> indicator key -> its latest census value (the 2024 one when published)."""
    latest = latest_indicators(rows if rows is not None else census_figures(communes))
    return {c.code: {key: value for key, (value, _year) in latest.get(c.code, {}).items()}
            for c in communes}


def census_years(rows) -> dict[tuple[str, str], int]:
    """(commune code, key) -> the census year of the value :func:`census_values` kept."""
    return {(code, key): year for code, figures in latest_indicators(rows).items()
            for key, (_value, year) in figures.items()}


def need_table(consultation) -> dict:
    """The need page's data: communes, axes with their components, and each commune's details.

    ``details[commune code][axis code]`` is ``{"index", "components": {key: {"value", "raw",
    "need", "direction"}}}`` (see :func:`roadmap.ranking.need.need_details`); ``years`` gives
    the census year of each figure; ``labels`` the label of each component. ``by_sex`` is the
    census context by sex that the index does not use (``{commune code: {key: (value, year)}}``,
    :func:`roadmap.territory.queries.census_by_sex`) and ``by_sex_rows`` its rows (label,
    women's key, men's key).
    """
    communes = consultation_communes(consultation)
    rows = census_figures(communes)
    components = need_components(consultation)
    axes = [axis for axis in consultation.axes if axis.code in components]
    return {"communes": communes, "axes": axes, "components": components,
            "details": need_module.need_details(census_values(communes, rows), components),
            "years": census_years(rows), "by_sex": census_by_sex(communes, rows),
            "by_sex_rows": BY_SEX}
