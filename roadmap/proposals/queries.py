"""Reads about proposals: lists with filters and sorts, search, similar proposals, figures.

Every list loads the proposals' commune, axis and workshop in the same statement
(``joinedload``, without the communes' heavy boundary column), so a page costs the same
number of SQL statements whether it shows 5 proposals or 20.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from sqlalchemy import BigInteger, case, cast, column, func, select, table, union
from sqlalchemy.orm import joinedload, load_only

from roadmap.consultations.models import StrategicAxis, Workshop
from roadmap.core.i18n import current_language
from roadmap.extensions import db
from roadmap.proposals.labels import LISTED_STATUSES
from roadmap.proposals.models import Proposal
from roadmap.proposals.text import Signature, search_terms
from roadmap.territory.lookup import lookup
from roadmap.territory.models import Commune

PER_PAGE = 20
SORTS = ("random", "supported", "discussed", "newest")
DEFAULT_SORT = "random"
# The random order is an affine permutation of the ids modulo this prime (the largest below
# 2**32): (id * a + b) mod P, with a and b drawn from the visitor's seed.
RANDOM_PRIME = 4294967291
SEED_MAX = 2**31 - 2
# Similar proposals: at most this many, scoring at least this much (see text.similarity).
SIMILAR_LIMIT = 5
SIMILAR_THRESHOLD = 0.25
SIMILAR_CANDIDATES = 1000  # the commune's latest public proposals compared (about 0.1 s)

# The participation domain's tables, as lightweight constructs: proposals must not import
# participation's models (participation builds on proposals, not the other way round).
_vote = table("vote", column("user_id"), column("proposal_id"))
_comment = table("comment", column("author_id"), column("proposal_id"))


def _card_options():
    """Eager loads for proposal cards: commune names, axis, workshop, in the same statement."""
    return (
        joinedload(Proposal.commune).load_only(Commune.id, Commune.code, Commune.name_ar,
                                               Commune.name_fr),
        joinedload(Proposal.axis),
        joinedload(Proposal.workshop).load_only(Workshop.id, Workshop.title, Workshop.held_on),
    )


def _public():
    """Published, not hidden and not merged into another proposal."""
    return ((Proposal.status == "published") & Proposal.hidden_at.is_(None)
            & Proposal.merged_into_id.is_(None))


def consultation_figures(consultation_id: int) -> dict[str, int]:
    """Headline counts of a consultation from the public proposals' counters."""
    proposals, supports, comments = db.session.execute(
        select(func.count(Proposal.id), func.coalesce(func.sum(Proposal.supports_count), 0),
               func.coalesce(func.sum(Proposal.comments_count), 0))
        .where(Proposal.consultation_id == consultation_id, _public())
    ).one()
    return {"proposals": proposals, "supports": supports, "comments": comments}


def latest_proposals(consultation_id: int, limit: int = 20) -> list[Proposal]:
    """The newest public proposals of a consultation."""
    return list(db.session.scalars(
        select(Proposal).options(*_card_options())
        .where(Proposal.consultation_id == consultation_id, _public())
        .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(limit)))


def proposal_in(consultation, proposal_id: int) -> Proposal | None:
    """The proposal with this id if it belongs to ``consultation``, else ``None``."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.consultation_id != consultation.id:
        return None
    return proposal


# -- communes ------------------------------------------------------------------------------

def consultation_communes(consultation) -> list[Commune]:
    """The communes of the consultation's prefecture, by name in the reader's language."""
    name = Commune.name_ar if current_language() == "ar" else Commune.name_fr
    return list(db.session.scalars(
        select(Commune).options(_light_commune())
        .where(Commune.prefecture_id == consultation.prefecture_id).order_by(name, Commune.id)))


def _light_commune():
    """Load a commune's names and population, not its boundary."""
    return load_only(Commune.id, Commune.code, Commune.name_ar, Commune.name_fr,
                     Commune.population_2014, Commune.population_2024)


def commune_choices(consultation, communes=None) -> list[tuple[int, str]]:
    """``(id, name)`` of the communes a proposal of ``consultation`` can be made for."""
    return [(c.id, c.name) for c in (communes or consultation_communes(consultation))]


def consultation_commune(consultation, code: str) -> Commune | None:
    """The commune with this code if it belongs to the consultation's prefecture."""
    return db.session.scalar(select(Commune).where(
        Commune.code == code, Commune.prefecture_id == consultation.prefecture_id))


def commune_at(consultation, latitude: float, longitude: float) -> Commune | None:
    """The commune of the consultation's prefecture that contains the point, or ``None``."""
    commune = lookup(latitude, longitude)
    if commune is None or commune.prefecture_id != consultation.prefecture_id:
        return None
    return commune


# -- lists ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProposalFilters:
    """What a proposal list is filtered by; ``None`` or ``""`` means no filter.

    ``commune`` and ``axis`` are codes; ``status`` is one of :data:`LISTED_STATUSES`;
    ``stakeholder`` is the author's stakeholder type when they made it; ``origin`` is
    ``online`` or ``workshop``; ``q`` is a text searched with Arabic-aware folding.
    """

    commune: str | None = None
    axis: str | None = None
    status: str = "published"
    stakeholder: str | None = None
    origin: str | None = None
    q: str = ""

    def with_commune(self, code: str) -> ProposalFilters:
        """The same filters for one commune."""
        return replace(self, commune=code)


@dataclass
class ProposalPage:
    """One page of a proposal list and the total number of proposals it has."""

    items: list[Proposal]
    total: int
    page: int
    per_page: int = PER_PAGE
    terms: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """The number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        """True if there is a page before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True if there is a page after this one."""
        return self.page < self.pages


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(consultation, filters: ProposalFilters):
    """The WHERE conditions of a list (as a statement selecting Proposal)."""
    status = filters.status if filters.status in LISTED_STATUSES else "published"
    query = select(Proposal).where(Proposal.consultation_id == consultation.id,
                                   Proposal.status == status, Proposal.hidden_at.is_(None),
                                   Proposal.merged_into_id.is_(None))
    if filters.commune:
        query = query.where(Proposal.commune_id == select(Commune.id).where(
            Commune.code == filters.commune).scalar_subquery())
    if filters.axis:
        query = query.where(Proposal.axis_id == select(StrategicAxis.id).where(
            StrategicAxis.consultation_id == consultation.id,
            StrategicAxis.code == filters.axis).scalar_subquery())
    if filters.stakeholder:
        query = query.where(Proposal.author_stakeholder_type == filters.stakeholder)
    if filters.origin:
        query = query.where(Proposal.origin == filters.origin)
    for term in search_terms(filters.q):
        query = query.where(Proposal.search_text.like(f"%{_escape_like(term)}%", escape="\\"))
    return query


def random_order(seed: int):
    """A SQL expression ordering proposals in a random but stable order for ``seed``.

    ``(id * a + b) mod P`` with P prime and ``a`` (1 to P - 1), ``b`` drawn from the seed:
    a permutation of the ids that differs from seed to seed and gives no id a fixed place
    (over seeds, each position is equally likely). Computed in SQL the same way on SQLite and
    PostgreSQL with 64-bit integers: any 32-bit id times ``a`` plus ``b`` stays below 2**63.
    """
    a = 1 + (seed * 2654435761) % (RANDOM_PRIME - 1)
    b = (seed * 40503) % RANDOM_PRIME
    return (cast(Proposal.id, BigInteger) * a + b) % RANDOM_PRIME


def _ordering(sort: str, seed: int):
    if sort == "supported":
        return (Proposal.supports_count.desc(), Proposal.id.desc())
    if sort == "discussed":
        return (Proposal.comments_count.desc(), Proposal.id.desc())
    if sort == "newest":
        return (Proposal.created_at.desc(), Proposal.id.desc())
    return (random_order(seed), Proposal.id)


def filtered_proposals(consultation, filters: ProposalFilters, sort: str = DEFAULT_SORT,
                       seed: int = 0, page: int = 1, per_page: int = PER_PAGE) -> ProposalPage:
    """One page of the consultation's listed proposals matching ``filters``, in ``sort`` order.

    Three statements whatever the page size: the count, the page's ids in order (from the
    listed proposals' indexes alone), and those proposals with their communes, axes and
    workshops joined. Pending, rejected and hidden proposals are never listed.
    """
    query = _filtered(consultation, filters)
    ids = query.with_only_columns(Proposal.id)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    wanted = list(db.session.scalars(ids.order_by(*_ordering(sort, seed))
                                      .limit(per_page).offset((page - 1) * per_page)))
    loaded = {proposal.id: proposal for proposal in db.session.scalars(
        select(Proposal).options(*_card_options()).where(Proposal.id.in_(wanted))).unique()
        } if wanted else {}
    items = [loaded[proposal_id] for proposal_id in wanted]
    return ProposalPage(items=items, total=total, page=page, per_page=per_page,
                        terms=search_terms(filters.q))


def similar_proposals(consultation, title: str, body: str = "", commune_id: int | None = None,
                      exclude_id: int | None = None, limit: int = SIMILAR_LIMIT
                      ) -> list[tuple[Proposal, float]]:
    """Public proposals like ``title`` (and ``body``) in the commune, best first, with scores.

    The score is :func:`roadmap.proposals.text.similarity` of the titles, or of the whole
    texts when that is higher; proposals scoring below :data:`SIMILAR_THRESHOLD` are left out.
    """
    if not (title or "").strip():
        return []
    query = (select(Proposal.id, Proposal.title, Proposal.search_text)
             .where(Proposal.consultation_id == consultation.id, _public())
             .order_by(Proposal.id.desc()).limit(SIMILAR_CANDIDATES))
    if commune_id:
        query = query.where(Proposal.commune_id == commune_id)
    if exclude_id:
        query = query.where(Proposal.id != exclude_id)
    wanted_title = Signature(title)
    wanted_whole = Signature(f"{title} {body}") if body else None
    scores = {}
    for proposal_id, other_title, other_text in db.session.execute(query):
        score = wanted_title.similarity(Signature(other_title))
        if wanted_whole is not None:
            score = max(score, wanted_whole.similarity(Signature(other_text)))
        if score >= SIMILAR_THRESHOLD:
            scores[proposal_id] = score
    best = sorted(scores, key=lambda pid: (-scores[pid], -pid))[:limit]
    if not best:
        return []
    loaded = {p.id: p for p in db.session.scalars(
        select(Proposal).options(*_card_options()).where(Proposal.id.in_(best))).unique()}
    return [(loaded[pid], round(scores[pid], 2)) for pid in best]


def workshop_proposals(workshop) -> list[Proposal]:
    """The listed proposals attributed to ``workshop``, most hands raised first."""
    return list(db.session.scalars(
        select(Proposal).options(*_card_options())
        .where(Proposal.workshop_id == workshop.id, Proposal.status.in_(LISTED_STATUSES),
               Proposal.hidden_at.is_(None), Proposal.merged_into_id.is_(None))
        .order_by(case((Proposal.show_of_hands.is_(None), 1), else_=0),
                  Proposal.show_of_hands.desc(), Proposal.id)).unique())


# -- figures -------------------------------------------------------------------------------

def commune_participation(consultation, commune) -> dict:
    """The commune's participation in the consultation, from its public proposals.

    ``proposals`` and ``supports`` (their supports counters), ``comments``, ``participants``
    (distinct people who made an online proposal, supported or commented one: a UNION of user
    ids in SQL, so a person counted in two ways is counted once) and ``per_1000``
    (participants per 1,000 inhabitants of the 2024 census, ``None`` without a population).
    """
    public = (Proposal.consultation_id == consultation.id, Proposal.commune_id == commune.id,
              _public())
    proposals, supports, comments = db.session.execute(
        select(func.count(Proposal.id), func.coalesce(func.sum(Proposal.supports_count), 0),
               func.coalesce(func.sum(Proposal.comments_count), 0)).where(*public)).one()
    ids = select(Proposal.id).where(*public)
    people = union(
        select(Proposal.author_id.label("user_id")).where(
            *public, Proposal.origin == "online", Proposal.author_id.is_not(None)),
        select(_vote.c.user_id).where(_vote.c.proposal_id.in_(ids)),
        select(_comment.c.author_id).where(_comment.c.proposal_id.in_(ids),
                                           _comment.c.author_id.is_not(None)),
    ).subquery()
    participants = db.session.scalar(select(func.count()).select_from(people))
    population = commune.population_2024
    per_1000 = participants * 1000 / population if population else None
    return {"proposals": proposals, "supports": supports, "comments": comments,
            "participants": participants, "per_1000": per_1000}
