"""What organisers do to a consultation: set its phases and rules, record its workshops.

Services take the subject first and the acting user, check the policy again, validate, change
the rows and flush; the view commits. They raise a :class:`ConsultationError` and change nothing
when refused.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import format_date, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from roadmap.audit.log import record
from roadmap.accounts.models import STAKEHOLDER_TYPES
from roadmap.config import LANGUAGES
from roadmap.consultations.models import (DATA_LICENCES, DEFAULT_DATA_LICENCE,
                                          DEFAULT_WOMEN_SHARE_THRESHOLD, PHASES,
                                          REQUIREMENT_ACTIONS, REQUIREMENTS, Consultation,
                                          ConsultationPhase, StrategicAxis, Workshop)
from roadmap.consultations.phases import is_open, phase_row
from roadmap.consultations.policies import (can_configure, can_create_consultation,
                                            can_manage_consultation, can_manage_workshops)
from roadmap.consultations.signals import axis_uses, consultation_created, sender
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.territory.models import Commune

# The gender counts a workshop's attendance sheet records.
WORKSHOP_GENDERS = ("woman", "man", "not_recorded")
MAX_TEXT = 200
# What a consultation requires per action (consultation.propose_requirement...).
REQUIREMENT_FIELDS = tuple(f"{action}_requirement" for action in REQUIREMENT_ACTIONS)


class ConsultationError(Exception):
    """A refused change; ``errors`` maps a field name to the reason (in the user's language).

    The reasons are lazy strings, translated when shown, so services also run outside requests.
    """

    def __init__(self, errors: dict):
        super().__init__(", ".join(errors) or "refused")
        self.errors = errors


class NotAllowed(ConsultationError):
    """The acting user may not do this."""

    def __init__(self):
        super().__init__({"": _l("You are not allowed to do this.")})


class UnconfirmedRequirementChange(ConsultationError):
    """A requirement would change while voting is open: the organiser must confirm it first
    (the warning is keyed ``confirm_requirement_change``). Nothing was changed."""


# --- Settings ----------------------------------------------------------------------------------

def phase_date_errors(dates: dict[str, tuple[date | None, date | None]]) -> dict:
    """Problems with the phases' dates, keyed ``<kind>_starts_on`` or ``<kind>_ends_on``.

    ``dates`` maps a phase kind to ``(starts_on, ends_on)``; both ``None`` leaves the phase out.
    Each phase needs both dates, may not end before it starts, and must start after the previous
    planned phase (in the order of :data:`PHASES`) ends.
    """
    errors: dict = {}
    previous = None
    for kind in PHASES:
        starts_on, ends_on = dates.get(kind, (None, None))
        if starts_on is None and ends_on is None:
            continue
        if starts_on is None or ends_on is None:
            missing = "starts_on" if starts_on is None else "ends_on"
            errors[f"{kind}_{missing}"] = _l(
                "Give both dates, or leave both empty to leave this phase out.")
            continue
        if ends_on < starts_on:
            errors[f"{kind}_ends_on"] = _l("A phase cannot end before it starts.")
            continue
        if previous is not None and starts_on <= previous[1]:
            errors[f"{kind}_starts_on"] = _l(
                "This phase must start after the previous phase, which ends on %(date)s.",
                date=LazyString(format_date, previous[1], "long"))
        previous = (starts_on, ends_on)
    return errors


WOMEN_SHARE_RANGE = _l("Enter a whole percentage from 0 to 100.")


def _rule_errors(vote_limit: int | None, report_threshold: int | None, requirements: dict | None,
                 women_share_threshold, data_licence) -> dict:
    errors = {}
    if vote_limit is not None and vote_limit < 1:
        errors["vote_limit"] = _l("Enter 1 or more, or leave empty for no limit.")
    if report_threshold is None or report_threshold < 1:
        errors["report_threshold"] = _l("Enter 1 or more.")
    if (not isinstance(women_share_threshold, int) or isinstance(women_share_threshold, bool)
            or not 0 <= women_share_threshold <= 100):
        errors["women_share_threshold"] = WOMEN_SHARE_RANGE
    if data_licence not in DATA_LICENCES:
        errors["data_licence"] = _l("Choose one of the licences in the list.")
    for name, level in (requirements or {}).items():
        if level not in REQUIREMENTS:
            errors[name] = _l("Choose one of the requirements in the list.")
    return errors


def _requirements(values: dict) -> dict:
    """The ``<action>_requirement`` entries of ``values``."""
    return {name: values[name] for name in REQUIREMENT_FIELDS if name in values}


def requirement_change_warning(consultation: Consultation, requirements: dict):
    """The warning an organiser must confirm before changing what ``consultation`` requires
    (``requirements``: ``{"support_requirement": "resident", ...}``) while voting is open,
    or None (nothing changes, or voting is not open): supports already given stay."""
    changed = any(level != consultation.requirement(name.removesuffix("_requirement"))
                  for name, level in requirements.items())
    if not changed or not is_open(consultation, "vote"):
        return None
    return _l("Voting is open. Supports, proposals and comments already given stay, even those "
              "of participants who do not meet the new requirement: it applies from now on. "
              "Tick the box below and save again to confirm the change.")


def _check_requirement_change(consultation: Consultation, requirements: dict,
                              confirmed: bool) -> None:
    warning = requirement_change_warning(consultation, requirements)
    if warning is not None and not confirmed:
        raise UnconfirmedRequirementChange({"confirm_requirement_change": warning})


def _set_phases(consultation: Consultation, dates: dict) -> None:
    for kind in PHASES:
        starts_on, ends_on = dates.get(kind, (None, None))
        row = phase_row(consultation, kind)
        if starts_on is None:
            if row is not None:
                consultation.phases.remove(row)
        elif row is None:
            consultation.phases.append(
                ConsultationPhase(kind=kind, starts_on=starts_on, ends_on=ends_on))
        else:
            row.starts_on, row.ends_on = starts_on, ends_on


def configure_consultation(consultation: Consultation, by, *, phases: dict,
                           vote_limit: int | None, votes_home_commune_only: bool,
                           voting_during_proposals: bool, premoderation: bool = False,
                           report_threshold: int = 3, propose_requirement: str | None = None,
                           support_requirement: str | None = None,
                           comment_requirement: str | None = None,
                           women_share_threshold: int | None = None,
                           data_licence: str | None = None,
                           confirm_requirement_change: bool = False) -> Consultation:
    """Set the phases' dates and the participation and moderation rules of ``consultation``.

    ``phases`` maps a phase kind to ``(starts_on, ends_on)``; a kind that is missing or has no
    dates is left out (its row is removed). ``vote_limit`` ``None`` means unlimited.
    ``<action>_requirement``: one of :data:`~roadmap.consultations.models.REQUIREMENTS`
    (``None``: unchanged). Changing one while voting is open raises
    :class:`UnconfirmedRequirementChange` unless ``confirm_requirement_change``.
    ``women_share_threshold``: the women's share of participants (0 to 100 %) under which
    the monitoring page flags a commune to the organisers (``None``: unchanged).
    ``data_licence``: the licence of the contributions' open data, one of
    :data:`~roadmap.consultations.models.DATA_LICENCES` (``None``: unchanged).
    """
    if not can_configure(by, consultation):
        raise NotAllowed()
    requirements = {name: level for name, level in (
        ("propose_requirement", propose_requirement),
        ("support_requirement", support_requirement),
        ("comment_requirement", comment_requirement)) if level is not None}
    if women_share_threshold is None:
        women_share_threshold = consultation.women_share_threshold
    if data_licence is None:
        data_licence = consultation.data_licence
    errors = phase_date_errors(phases) | _rule_errors(vote_limit, report_threshold, requirements,
                                                      women_share_threshold, data_licence)
    if errors:
        raise ConsultationError(errors)
    _check_requirement_change(consultation, requirements, confirm_requirement_change)
    before = _rules(consultation)
    _set_phases(consultation, phases)
    consultation.vote_limit = vote_limit
    consultation.votes_home_commune_only = bool(votes_home_commune_only)
    consultation.voting_during_proposals = bool(voting_during_proposals)
    consultation.premoderation = bool(premoderation)
    consultation.report_threshold = report_threshold
    consultation.women_share_threshold = women_share_threshold
    consultation.data_licence = data_licence
    for name, level in requirements.items():
        setattr(consultation, name, level)
    db.session.flush()
    db.session.expire(consultation, ["phases"])  # reload them in date order
    record(by, "consultation.configure", consultation, before=before, after=_rules(consultation))
    return consultation


def _rules(consultation: Consultation) -> dict:
    """The phases and rules of ``consultation``, for the audit log."""
    return {"phases": {p.kind: [p.starts_on.isoformat(), p.ends_on.isoformat()]
                       for p in consultation.phases},
            "vote_limit": consultation.vote_limit,
            "votes_home_commune_only": consultation.votes_home_commune_only,
            "voting_during_proposals": consultation.voting_during_proposals,
            "premoderation": consultation.premoderation,
            "report_threshold": consultation.report_threshold,
            "women_share_threshold": consultation.women_share_threshold,
            "data_licence": consultation.data_licence,
            **{name: getattr(consultation, name) for name in REQUIREMENT_FIELDS}}


# --- Creating and managing consultations (the back office and ``flask consultations``) ---------
# ``by`` is the acting user; ``None`` is the command line, which the policies do not restrict.

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_LENGTH = (3, 80)
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
_ARABIC_LETTERS = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
AXES_SOURCES = ("national", "none", "copy")
RULES = ("vote_limit", "votes_home_commune_only", "voting_during_proposals", "premoderation",
         "report_threshold", "women_share_threshold", "data_licence", *REQUIREMENT_FIELDS)
DEFAULT_RULES = {"vote_limit": None, "votes_home_commune_only": False,
                 "voting_during_proposals": False, "premoderation": False, "report_threshold": 3,
                 "women_share_threshold": DEFAULT_WOMEN_SHARE_THRESHOLD,
                 "data_licence": DEFAULT_DATA_LICENCE,
                 **{name: "confirmed" for name in REQUIREMENT_FIELDS}}
# The four national axes of the integrated territorial development programmes.
NATIONAL_AXES = (
    ("employment", {"ar": "التشغيل والاقتصاد المحلي", "fr": "Emploi et économie locale",
                    "en": "Employment and local economy"}),
    ("social-services", {"ar": "الخدمات الاجتماعية: التعليم والصحة",
                         "fr": "Services sociaux : éducation et santé",
                         "en": "Social services: education and health"}),
    ("water", {"ar": "التدبير الاستباقي والمستدام للموارد المائية",
               "fr": "Gestion proactive et durable de l'eau",
               "en": "Proactive and sustainable water management"}),
    ("territorial-upgrading", {"ar": "التأهيل الترابي المندمج",
                               "fr": "Mise à niveau territoriale intégrée",
                               "en": "Integrated territorial upgrading"}),
)


def _allowed(by, consultation=None, policy=None) -> None:
    policy = policy or can_manage_consultation
    if by is not None and not policy(by, consultation):
        raise NotAllowed()


def slug_errors(slug: str | None) -> dict:
    """Problems with a new consultation's slug (its web address), keyed ``slug``."""
    slug = slug or ""
    if not slug.strip():
        return {"slug": _l("Enter the web address of the consultation, such as marrakech-2026.")}
    if _ARABIC_LETTERS.search(slug):
        return {"slug": _l("The web address is written in Latin letters: Arabic letters cannot "
                           "be used in it. For example: marrakech-2026.")}
    if not SLUG_LENGTH[0] <= len(slug) <= SLUG_LENGTH[1]:
        return {"slug": _l("Enter between %(min)s and %(max)s characters.",
                           min=SLUG_LENGTH[0], max=SLUG_LENGTH[1])}
    if not SLUG_PATTERN.match(slug):
        return {"slug": _l("Use only lowercase Latin letters, digits and hyphens, with no space "
                           "and no hyphen at the start or the end. For example: marrakech-2026.")}
    if db.session.scalar(select(Consultation.id).where(Consultation.slug == slug)) is not None:
        return {"slug": _l("Another consultation already has this web address: choose another "
                           "one.")}
    return {}


def _texts(values: dict | None) -> dict:
    """``{language: text}`` with the empty languages left out and the texts stripped."""
    return {lang: value.strip() for lang, value in (values or {}).items()
            if lang in LANGUAGES and isinstance(value, str) and value.strip()}


def _text_errors(title: dict, description: dict, prefix: str = "title") -> dict:
    errors = {}
    if not title:
        errors[f"{prefix}_{LANGUAGES[0]}"] = _l("Enter the title in at least one language.")
    for lang, text in title.items():
        if len(text) > TITLE_MAX:
            errors[f"{prefix}_{lang}"] = _l("Enter at most %(max)s characters.", max=TITLE_MAX)
    for lang, text in description.items():
        if len(text) > DESCRIPTION_MAX:
            errors[f"description_{lang}"] = _l("Enter at most %(max)s characters.",
                                               max=DESCRIPTION_MAX)
    return errors


def _chosen_communes(prefecture, commune_ids) -> tuple[list, dict]:
    """The communes that take part (``[]``: all of them) and the problems with the choice."""
    if commune_ids is None:
        return [], {}
    wanted = {int(i) for i in commune_ids}
    all_ids = set(db.session.scalars(select(Commune.id)
                                     .where(Commune.prefecture_id == prefecture.id)))
    if not wanted or not wanted <= all_ids:
        return [], {"communes": _l("Choose at least one commune of the prefecture.")}
    if wanted == all_ids:
        return [], {}
    return list(db.session.scalars(select(Commune).where(Commune.id.in_(wanted))
                                   .order_by(Commune.name_fr))), {}


def _details(consultation: Consultation) -> dict:
    """What the audit log keeps of a consultation's details."""
    return {"slug": consultation.slug, "status": consultation.status,
            "prefecture_id": consultation.prefecture_id,
            "title": dict(consultation.title_i18n or {}),
            "description": dict(consultation.description_i18n or {}),
            "commune_ids": sorted(c.id for c in consultation.communes),
            **{name: getattr(consultation, name) for name in RULES}}


def create_consultation(prefecture, by, *, slug: str, title: dict, description: dict | None = None,
                        commune_ids=None, axes: str = "national", copy_from=None,
                        phases: dict | None = None, rules: dict | None = None) -> Consultation:
    """Create a **draft** consultation of ``prefecture`` (only organisers and admins see it).

    ``title`` and ``description`` map languages to texts (one language is enough).
    ``commune_ids`` are the communes taking part (``None``: all). ``axes`` is ``national`` (the
    four national axes), ``none``, or ``copy``: the axes, rules and evaluation criteria of
    ``copy_from`` (never its content). ``phases`` maps kinds to ``(starts_on, ends_on)``.
    ``rules`` (see :data:`RULES`; those left out) default to those of ``copy_from``, else to
    the defaults.
    Sends :data:`~roadmap.consultations.signals.consultation_created` (ranking adds the
    criteria) and writes ``consultation.create`` to the audit log.
    """
    _allowed(by, policy=can_create_consultation)
    title, description = _texts(title), _texts(description)
    errors = slug_errors(slug) | _text_errors(title, description)
    if prefecture is None:
        errors["prefecture"] = _l("Choose a prefecture or province.")
    if axes not in AXES_SOURCES:
        errors["axes"] = _l("Choose where the strategic axes come from.")
    elif axes == "copy" and copy_from is None:
        errors["axes"] = _l("Choose the consultation to copy.")
    source = copy_from if axes == "copy" else None
    base = {name: getattr(source, name) for name in RULES} if source else DEFAULT_RULES
    rules = DEFAULT_RULES | base | dict(rules or {})
    errors |= phase_date_errors(phases or {}) | _rule_errors(
        rules["vote_limit"], rules["report_threshold"], _requirements(rules),
        rules["women_share_threshold"], rules["data_licence"])
    communes = []
    if prefecture is not None:
        communes, commune_errors = _chosen_communes(prefecture, commune_ids)
        errors |= commune_errors
    if errors:
        raise ConsultationError(errors)
    consultation = Consultation(slug=slug, prefecture=prefecture, title_i18n=title,
                                description_i18n=description, status="draft", communes=communes,
                                **{name: rules[name] for name in RULES})
    if axes == "national":
        for position, (code, titles) in enumerate(NATIONAL_AXES, start=1):
            consultation.axes.append(StrategicAxis(code=code, position=position,
                                                   title_i18n=dict(titles)))
    elif source is not None:
        for position, axis in enumerate(source.axes, start=1):
            consultation.axes.append(StrategicAxis(
                code=axis.code, position=position, title_i18n=dict(axis.title_i18n or {}),
                description_i18n=dict(axis.description_i18n or {}), color=axis.color))
    _set_phases(consultation, phases or {})
    db.session.add(consultation)
    db.session.flush()
    consultation_created.send(sender(), consultation=consultation, copied_from=source, by=by)
    record(by, "consultation.create", consultation,
           after=_details(consultation) | {"axes": axes,
                                           "copied_from": source.slug if source else None,
                                           "axis_codes": [a.code for a in consultation.axes]})
    return consultation


def update_consultation(consultation: Consultation, by, *, title: dict,
                        description: dict | None = None, commune_ids=None,
                        rules: dict | None = None,
                        confirm_requirement_change: bool = False) -> Consultation:
    """Change a consultation's titles, descriptions, taking-part communes and rules.

    Same rules as :func:`create_consultation`; ``rules`` ``None`` keeps them. The slug and the
    prefecture stay (links and proposals depend on them); phases are set on the settings page.
    A requirement changed while voting is open needs ``confirm_requirement_change`` (see
    :func:`configure_consultation`).
    """
    _allowed(by, consultation)
    title, description = _texts(title), _texts(description)
    errors = _text_errors(title, description)
    rules = {name: getattr(consultation, name) for name in RULES} | dict(rules or {})
    errors |= _rule_errors(rules["vote_limit"], rules["report_threshold"], _requirements(rules),
                           rules["women_share_threshold"], rules["data_licence"])
    communes, commune_errors = _chosen_communes(consultation.prefecture, commune_ids)
    errors |= commune_errors
    if errors:
        raise ConsultationError(errors)
    _check_requirement_change(consultation, _requirements(rules), confirm_requirement_change)
    before = _details(consultation)
    consultation.title_i18n, consultation.description_i18n = title, description
    consultation.communes = communes
    for name in RULES:
        setattr(consultation, name, rules[name])
    db.session.flush()
    record(by, "consultation.update", consultation, before=before, after=_details(consultation))
    return consultation


def _transition(consultation: Consultation, by, *, source: str, target: str, at: str,
                refusal) -> Consultation:
    _allowed(by, consultation)
    if consultation.status != source:
        raise ConsultationError({"": refusal})
    consultation.status = target
    setattr(consultation, at, utcnow())
    db.session.flush()
    record(by, f"consultation.{'publish' if target == 'published' else 'archive'}",
           consultation, before={"status": source}, after={"status": target})
    return consultation


def publish_consultation(consultation: Consultation, by) -> Consultation:
    """Publish a draft: everyone sees it from now on (sets ``published_at``)."""
    return _transition(consultation, by, source="draft", target="published", at="published_at",
                       refusal=_l("Only a draft can be published: this consultation is "
                                  "already published or archived."))


def archive_consultation(consultation: Consultation, by) -> Consultation:
    """Archive a published consultation: it stays public, read-only (sets ``archived_at``)."""
    return _transition(consultation, by, source="published", target="archived",
                       at="archived_at",
                       refusal=_l("Only a published consultation can be archived."))


# --- Strategic axes ----------------------------------------------------------------------------

def _color(value: str | None) -> tuple[str | None, dict]:
    value = (value or "").strip()
    if not value:
        return None, {}
    if not COLOR_PATTERN.match(value):
        return None, {"color": _l("Enter a colour such as #1b9e77.")}
    return value.lower(), {}


def _axis_code(consultation: Consultation, title: dict) -> str:
    """A code for a new axis, from its French or English title (``axis`` when none is latin)."""
    text = title.get("en") or title.get("fr") or ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:30].strip("-") or "axis"
    taken = {axis.code for axis in consultation.axes}
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}-{number}"
    return code


def _renumber(consultation: Consultation) -> list[StrategicAxis]:
    axes = sorted(consultation.axes, key=lambda axis: (axis.position, axis.id or 0))
    for position, axis in enumerate(axes, start=1):
        axis.position = position
    return axes


def _axis_state(axis: StrategicAxis) -> dict:
    return {"code": axis.code, "position": axis.position, "title": dict(axis.title_i18n or {}),
            "color": axis.color}


def add_axis(consultation: Consultation, by, *, title: dict, color: str | None = None
             ) -> StrategicAxis:
    """Add a strategic axis at the end of the consultation's axes."""
    _allowed(by, consultation)
    title = _texts(title)
    color, errors = _color(color)
    errors |= _text_errors(title, {})
    if errors:
        raise ConsultationError(errors)
    axes = _renumber(consultation)
    axis = StrategicAxis(code=_axis_code(consultation, title), title_i18n=title, color=color,
                         position=len(axes) + 1, description_i18n={})
    consultation.axes.append(axis)
    db.session.flush()
    record(by, "axis.add", axis, consultation=consultation, after=_axis_state(axis))
    return axis


def update_axis(axis: StrategicAxis, by, *, title: dict, color: str | None = None
                ) -> StrategicAxis:
    """Rename an axis (per language) and set its colour on the maps (``None``: the palette's)."""
    _allowed(by, axis.consultation)
    title = _texts(title)
    color, errors = _color(color)
    errors |= _text_errors(title, {})
    if errors:
        raise ConsultationError(errors)
    before = _axis_state(axis)
    axis.title_i18n, axis.color = title, color
    db.session.flush()
    record(by, "axis.update", axis, consultation=axis.consultation_id, before=before,
           after=_axis_state(axis))
    return axis


def move_axis(axis: StrategicAxis, by, direction: str) -> StrategicAxis:
    """Move an axis one place ``up`` or ``down`` in the consultation's order."""
    consultation = axis.consultation
    _allowed(by, consultation)
    if direction not in ("up", "down"):
        raise ConsultationError({"direction": _l("Choose up or down.")})
    axes = _renumber(consultation)
    index = axes.index(axis)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(axes):
        before = [a.code for a in axes]
        axes[index].position, axes[other].position = axes[other].position, axes[index].position
        db.session.flush()
        db.session.expire(consultation, ["axes"])
        record(by, "axis.move", axis, consultation=consultation, before={"order": before},
               after={"order": [a.code for a in consultation.axes]})
    return axis


def remove_axis(axis: StrategicAxis, by) -> None:
    """Remove an axis that no proposal uses; refused (with the count) while proposals use it."""
    consultation = axis.consultation
    _allowed(by, consultation)
    uses: dict[str, int] = {}
    for _receiver, (what, number) in axis_uses.send(sender(), axis=axis):
        uses[what] = uses.get(what, 0) + (number or 0)
    if uses.get("proposals"):
        raise ConsultationError({"": lazy_ngettext(
            "%(num)d proposal uses this axis: move it to another axis first.",
            "%(num)d proposals use this axis: move them to another axis first.",
            uses["proposals"])})
    if any(uses.values()):
        raise ConsultationError({"": _l("This axis is still used (by the roadmap, for "
                                        "example): it cannot be removed.")})
    before = _axis_state(axis)
    db.session.delete(axis)
    db.session.flush()
    db.session.expire(consultation, ["axes"])
    _renumber(consultation)
    db.session.flush()
    record(by, "axis.remove", consultation, consultation=consultation, before=before)


# --- Workshops ---------------------------------------------------------------------------------

def _count_errors(counts: dict, allowed: tuple[str, ...]) -> bool:
    """True if ``counts`` has an unknown key or a value that is not a whole number >= 0."""
    return any(key not in allowed or isinstance(value, bool) or not isinstance(value, int)
               or value < 0 for key, value in counts.items())


def attendance_errors(by_stakeholder: dict, by_gender: dict) -> dict:
    """Problems with a workshop's attendance counts, keyed ``attendance``."""
    if _count_errors(by_stakeholder, STAKEHOLDER_TYPES) or _count_errors(by_gender,
                                                                         WORKSHOP_GENDERS):
        return {"attendance": _l("Attendance counts are whole numbers, 0 or more.")}
    if by_stakeholder and by_gender:
        stakeholders, genders = sum(by_stakeholder.values()), sum(by_gender.values())
        if stakeholders != genders:
            return {"attendance": _l(
                "The attendance by gender adds up to %(genders)s but the attendance by "
                "stakeholder type adds up to %(stakeholders)s: the two totals must be equal.",
                genders=genders, stakeholders=stakeholders)}
    return {}


def _communes(consultation: Consultation, commune_ids) -> list[Commune]:
    ids = {int(i) for i in commune_ids or ()}
    if not ids:
        return []
    return list(db.session.scalars(select(Commune).where(
        Commune.id.in_(ids), Commune.prefecture_id == consultation.prefecture_id)))


def _workshop_errors(values: dict, communes: list) -> dict:
    errors = {}
    for name in ("title", "place"):
        if not (values[name] or "").strip() or len(values[name]) > MAX_TEXT:
            errors[name] = _l("Enter between 1 and %(max)s characters.", max=MAX_TEXT)
    if not isinstance(values["held_on"], date):
        errors["held_on"] = _l("Enter the date of the workshop.")
    wanted = {int(i) for i in values["commune_ids"] or ()}
    if not wanted or len(communes) != len(wanted):
        errors["communes"] = _l("Choose at least one commune of the prefecture.")
    return errors | attendance_errors(values["attendance_by_stakeholder"],
                                      values["attendance_by_gender"])


def _apply_workshop(workshop: Workshop, values: dict, communes: list) -> None:
    workshop.title = values["title"].strip()
    workshop.held_on = values["held_on"]
    workshop.place = values["place"].strip()
    workshop.minutes = (values.get("minutes") or "").strip()
    workshop.attendance_by_stakeholder = dict(values["attendance_by_stakeholder"])
    workshop.attendance_by_gender = dict(values["attendance_by_gender"])
    workshop.communes = communes


def _save_workshop(workshop: Workshop, consultation: Consultation, by, values: dict) -> Workshop:
    if not can_manage_workshops(by, consultation):
        raise NotAllowed()
    communes = _communes(consultation, values["commune_ids"])
    errors = _workshop_errors(values, communes)
    if errors:
        raise ConsultationError(errors)
    action = "workshop.update" if workshop.id else "workshop.record"
    _apply_workshop(workshop, values, communes)
    db.session.add(workshop)
    db.session.flush()
    record(by, action, workshop, consultation=consultation,
           after={"title": workshop.title, "held_on": workshop.held_on, "place": workshop.place,
                  "commune_ids": [c.id for c in communes]})
    return workshop


def record_workshop(consultation: Consultation, by, *, title: str, held_on: date, place: str,
                    commune_ids, attendance_by_stakeholder: dict | None = None,
                    attendance_by_gender: dict | None = None, minutes: str = "") -> Workshop:
    """Record an in-person workshop of ``consultation`` held by the prefecture.

    ``commune_ids`` are communes of the consultation's prefecture (at least one). Attendance
    maps stakeholder types (and ``woman``, ``man``, ``not_recorded``) to head counts; only the
    counts given are stored, and when both are given their totals must be equal.
    """
    # Not in the session until it is valid: the many-to-one alone does not add it.
    workshop = Workshop(consultation=consultation, created_by_id=getattr(by, "id", None))
    values = dict(title=title, held_on=held_on, place=place, commune_ids=commune_ids,
                  attendance_by_stakeholder=attendance_by_stakeholder or {},
                  attendance_by_gender=attendance_by_gender or {}, minutes=minutes)
    return _save_workshop(workshop, consultation, by, values)


def update_workshop(workshop: Workshop, by, *, title: str, held_on: date, place: str,
                    commune_ids, attendance_by_stakeholder: dict | None = None,
                    attendance_by_gender: dict | None = None, minutes: str = "") -> Workshop:
    """Change a workshop's details, communes, attendance and minutes (same rules as recording)."""
    values = dict(title=title, held_on=held_on, place=place, commune_ids=commune_ids,
                  attendance_by_stakeholder=attendance_by_stakeholder or {},
                  attendance_by_gender=attendance_by_gender or {}, minutes=minutes)
    return _save_workshop(workshop, workshop.consultation, by, values)


def update_workshop_files(workshop: Workshop, by, *, photo=None, photo_alt: str | None = None,
                          document=None, remove_tokens=(), language: str | None = None) -> dict:
    """Add a photo (with its description) and/or a PDF to a workshop's record, and remove the
    files named by ``remove_tokens``; flushes. Files go through the shared store
    (:mod:`roadmap.media.services`: decoded, re-encoded without metadata, or checked as a
    plain PDF); removed files are deleted once the change is committed.

    A workshop holds as many files of each kind as a proposal (``media.services.LIMITS``).
    Raises :class:`ConsultationError` (field ``photo``, ``photo_alt`` or ``document``).
    Returns ``{"added": [...], "removed": [...]}`` (tokens).
    """
    from roadmap.media.services import (LIMITS, MediaError, attach, attachments_of, remove,
                                        stage_document, stage_photo)

    if not can_manage_workshops(by, workshop.consultation):
        raise NotAllowed()
    existing = attachments_of("workshop_id", workshop.id)
    removed = [a for a in existing if a.token in set(remove_tokens or ())]
    for attachment in removed:
        remove(attachment)
    kept = [a for a in existing if a not in removed]
    staged = []
    try:
        for kind, upload, stage in (
                ("photo", photo, lambda: stage_photo(photo, by, photo_alt, language)),
                ("document", document, lambda: stage_document(document, by, language))):
            if upload is None or not getattr(upload, "filename", None):
                continue
            limit = LIMITS[kind]
            if sum(1 for a in kept if a.kind == kind) >= limit:
                message = (lazy_ngettext("A workshop can have %(num)d photo at most: remove "
                                         "one first.", "A workshop can have %(num)d photos at "
                                         "most: remove one first.", limit) if kind == "photo"
                           else lazy_ngettext("A workshop can have %(num)d document at most: "
                                              "remove one first.", "A workshop can have "
                                              "%(num)d documents at most: remove one first.",
                                              limit))
                raise ConsultationError({kind: message})
            staged.append(stage())
        attach(staged, "workshop_id", workshop.id)
    except MediaError as error:
        raise ConsultationError({error.field or "": error.message}) from None
    for attachment in staged:
        attachment.is_demo = workshop.is_demo
    if staged or removed:
        db.session.flush()
        record(by, "workshop.files", workshop,
               after={"added": [a.id for a in staged], "removed": [a.id for a in removed]},
               consultation=workshop.consultation_id)
    return {"added": [a.token for a in staged], "removed": [a.token for a in removed]}
