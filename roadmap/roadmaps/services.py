"""Verbs of the roadmaps domain: draft from a consolidation run, group, edit, move (with a
public justification), indicators, publish versions, post progress. Services flush, never
commit, and record every decision in the audit log.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from blinker import signal
from flask_babel import gettext as _
from sqlalchemy import insert, select

from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.audit.log import record
from roadmap.participation.models import Notification
from roadmap.participation.queries import follower_ids
from roadmap.proposals.models import Proposal
from roadmap.roadmaps.models import (BENEFICIARY_GROUPS, GENDER_MARKERS, ITEM_STATUSES,
                                     LEAD_BODIES, SEXES, ItemIndicator, ProgressUpdate, Roadmap,
                                     RoadmapItem, RoadmapVersion)
from roadmap.roadmaps.queries import (progress_by_axis, progress_by_commune,  # noqa: F401
                                      roadmap_of, run_output)

LANGS = ("ar", "fr", "en")
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                  "MultiPolygon")
EDITABLE_FIELDS = ("title_i18n", "description_i18n", "axis_id", "geometry", "estimated_cost_mad",
                   "funding_sources", "lead_body", "lead_body_name", "partners", "starts_on",
                   "ends_on")


class RoadmapError(Exception):
    """A roadmap action that cannot be done; the message is for the user, ``field`` the form
    field it concerns (if any)."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


# --- geometry --------------------------------------------------------------------------------

def parse_area(text: str | None, bbox) -> str | None:
    """Validate a GeoJSON geometry (or Feature) inside ``bbox``; returns compact GeoJSON or None.

    Raises :class:`RoadmapError` for invalid JSON, an unsupported type or a shape outside the
    prefecture's bounding box ``(min_lon, min_lat, max_lon, max_lat)``.
    """
    from shapely.geometry import box, mapping, shape

    if not text or not text.strip():
        return None
    try:
        data = json.loads(text)
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        if not isinstance(data, dict) or data.get("type") not in GEOMETRY_TYPES:
            raise ValueError("type")
        geometry = shape(data)
    except Exception as error:  # json, shapely and our own errors all mean the same to users
        raise RoadmapError(_("Enter a GeoJSON point, line or polygon.")) from error
    if geometry.is_empty or not geometry.is_valid:
        raise RoadmapError(_("This shape is not valid (empty, or its edges cross)."))
    if bbox is not None and not box(*bbox).contains(geometry):
        raise RoadmapError(_("The area must lie inside the prefecture."))
    return json.dumps(mapping(geometry), separators=(",", ":"))


# --- draft -----------------------------------------------------------------------------------

def _roadmap_for(consultation) -> Roadmap:
    roadmap = roadmap_of(consultation)
    if roadmap is None:
        roadmap = Roadmap(consultation_id=consultation.id)
        db.session.add(roadmap)
        db.session.flush()
    return roadmap


def _item_from_proposal(roadmap, proposal, axis, rank, explanation) -> RoadmapItem:
    item = RoadmapItem(
        axis_id=axis.id if axis else proposal.axis_id, rank=rank,
        title_i18n={lang: proposal.title for lang in LANGS},
        description_i18n={lang: proposal.text_for_reading for lang in LANGS},
        estimated_cost_mad=proposal.estimated_cost_mad, explanation=explanation or {},
        sdg_goals=sorted(set(proposal.sdg_goals or [])), sdg_targets=[],
        status="planned", progress=0, spent_mad=0, is_demo=proposal.is_demo)
    item.communes.append(proposal.commune)
    item.proposals.append(proposal)
    return item


def draft_from_run(consultation, run, by) -> Roadmap:
    """Create (or replace) the draft items from the run's selected proposals, rank by rank.

    Refused once progress updates exist: tracking is not thrown away.
    """
    if run.consultation_id != consultation.id:
        raise RoadmapError(_("This consolidation run belongs to another consultation."))
    roadmap = _roadmap_for(consultation)
    if any(item.updates for item in roadmap.items):
        raise RoadmapError(_("Implementation tracking has started: the items cannot be replaced."))
    roadmap.items.clear()
    db.session.flush()
    count = _add_items(roadmap, consultation, run_output(run))
    roadmap.run_id = run.id
    db.session.flush()
    record(by, "roadmap.draft", roadmap, after={"run_id": run.id, "items": count},
           consultation=consultation)
    return roadmap


def _add_items(roadmap, consultation, output: dict) -> int:
    """One item per selected proposal, axis by axis, in rank order; returns how many."""
    axes = {axis.code: axis for axis in consultation.axes}
    count = 0
    for code, axis_out in sorted(output.get("axes", {}).items(),
                                 key=lambda pair: getattr(axes.get(pair[0]), "position", 99)):
        proposals = [db.session.get(Proposal, int(pid)) for pid in axis_out.get("selected", [])]
        proposals = [p for p in proposals if p is not None and p.consultation_id == consultation.id]
        for rank, proposal in enumerate(proposals, start=1):
            explanation = output.get("proposals", {}).get(str(proposal.id), {})
            roadmap.items.append(_item_from_proposal(roadmap, proposal, axes.get(code), rank,
                                                     explanation))
        count += len(proposals)
    return count


def _renumber(roadmap: Roadmap, axis_id) -> None:
    members = sorted((i for i in roadmap.items if i.axis_id == axis_id), key=lambda i: i.rank)
    for rank, item in enumerate(members, start=1):
        item.rank = rank


def group_proposals(roadmap: Roadmap, item: RoadmapItem, proposal_ids, by) -> RoadmapItem:
    """Add proposals (any commune) to ``item``'s lineage; items left empty are removed.

    A removed item's estimated cost is added to ``item``'s (the organiser may edit it).
    """
    if item.roadmap_id != roadmap.id:
        raise RoadmapError(_("This item belongs to another roadmap."))
    proposals = [db.session.get(Proposal, int(pid)) for pid in proposal_ids]
    if not proposals or any(p is None or p.consultation_id != roadmap.consultation_id
                            for p in proposals):
        raise RoadmapError(_("Choose proposals of this consultation."))
    before = [p.id for p in item.proposals]
    for proposal in proposals:
        _move_proposal_into(roadmap, item, proposal)
    db.session.flush()
    record(by, "roadmap.item.group", item, before={"proposals": before},
           after={"proposals": [p.id for p in item.proposals]},
           consultation=roadmap.consultation_id)
    return item


def _move_proposal_into(roadmap, item, proposal) -> None:
    for other in list(roadmap.items):
        if other is item or proposal not in other.proposals:
            continue
        other.proposals.remove(proposal)
        if not other.proposals:
            if other.estimated_cost_mad:
                item.estimated_cost_mad = (item.estimated_cost_mad or 0) + other.estimated_cost_mad
            roadmap.items.remove(other)
            db.session.flush()
            _renumber(roadmap, other.axis_id)
    if proposal not in item.proposals:
        item.proposals.append(proposal)
    if proposal.commune not in item.communes:
        item.communes.append(proposal.commune)


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def edit_item(item: RoadmapItem, by, **fields) -> RoadmapItem:
    """Change the editable fields of an item (``communes`` takes a list of Commune rows)."""
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"communes"}
    if unknown:
        raise RoadmapError(_("Unknown fields."))
    if fields.get("lead_body") not in (None, "", *LEAD_BODIES):
        raise RoadmapError(_("Choose a lead body from the list."))
    starts, ends = fields.get("starts_on"), fields.get("ends_on")
    if starts and ends and ends < starts:
        raise RoadmapError(_("The end date must come after the start date."))
    if not any((fields.get("title_i18n") or item.title_i18n or {}).values()):
        raise RoadmapError(_("Give the item a title."))
    before = {name: _plain(getattr(item, name)) for name in fields if name != "communes"}
    for name, value in fields.items():
        if name == "communes":
            item.communes = list(value)
        else:
            setattr(item, name, (value or None) if name == "lead_body" else value)
    db.session.flush()
    record(by, "roadmap.item.edit", item, before=before,
           after={name: _plain(getattr(item, name)) for name in before},
           consultation=item.roadmap.consultation_id)
    return item


def move_item(item: RoadmapItem, new_rank: int, by, justification: str) -> RoadmapItem:
    """Put ``item`` at ``new_rank`` in its axis, with a public justification (required)."""
    justification = (justification or "").strip()
    if not justification:
        raise RoadmapError(_("Explain publicly why the order is changed."))
    members = sorted((i for i in item.roadmap.items if i.axis_id == item.axis_id),
                     key=lambda i: i.rank)
    if not 1 <= new_rank <= len(members):
        raise RoadmapError(_("Choose a rank between 1 and %(max)s.", max=len(members)))
    old_rank = item.rank
    members.remove(item)
    members.insert(new_rank - 1, item)
    for rank, member in enumerate(members, start=1):
        member.rank = rank
    item.override_justification = justification
    db.session.flush()
    record(by, "roadmap.item.override", item, reason=justification,
           before={"rank": old_rank}, after={"rank": new_rank},
           consultation=item.roadmap.consultation_id)
    return item


MARKER_FIELDS = ("gender_marker", "gender_justification", "sdg_goals", "sdg_targets",
                 *(f"beneficiaries_{group}" for group in BENEFICIARY_GROUPS))


def check_markers(gender_marker, gender_justification, beneficiaries: dict, sdg_goals,
                  sdg_targets, population: int | None) -> dict:
    """The item's gender and SDG markers, checked: returns the values to store.

    Raises :class:`RoadmapError` (``field``: the form field) for a marker outside the DAC
    scale, a marker 1 or 2 without a justification, beneficiaries that are not whole numbers of
    0 or more or whose total exceeds ``population`` (the item's communes, when known), a goal
    outside 1-17 or a target that is not one of the 169 of the UN's vocabulary. The goals of the
    targets are added to the goals.
    """
    from roadmap.core import sdg

    if gender_marker in ("", None):
        gender_marker = None
    elif not isinstance(gender_marker, int) or gender_marker not in GENDER_MARKERS:
        raise RoadmapError(_("Choose a gender equality marker: 0, 1 or 2."), "gender_marker")
    justification = (gender_justification or "").strip()
    if gender_marker in (1, 2) and len(justification) < 10:
        raise RoadmapError(_("Explain in a sentence how the item serves gender equality: a "
                             "marker 1 or 2 needs a justification."), "gender_justification")
    counts = {}
    for group in BENEFICIARY_GROUPS:
        value = (beneficiaries or {}).get(group)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 0):
            raise RoadmapError(_("Enter a number of beneficiaries of 0 or more."),
                               f"beneficiaries_{group}")
        counts[group] = value
    total = sum(v for v in counts.values() if v)
    if population and total > population:
        raise RoadmapError(_("The beneficiaries (%(total)s) exceed the population of the "
                             "item's communes (%(population)s).", total=f"{total:,}",
                             population=f"{population:,}"), "beneficiaries_women")
    goals = set()
    for goal in sdg_goals or ():
        if not isinstance(goal, int) or goal not in sdg.GOALS:
            raise RoadmapError(_("Choose goals between 1 and 17."), "sdg_goals")
        goals.add(goal)
    targets = []
    for code in sdg_targets or ():
        code = str(code).strip()
        if not sdg.is_target(code):
            raise RoadmapError(_("%(code)s is not a target of the Sustainable Development "
                                 "Goals.", code=code), "sdg_targets")
        if code not in targets:
            targets.append(code)
    goals |= {sdg.goal_of(code) for code in targets}
    return {"gender_marker": gender_marker,
            "gender_justification": justification or None,
            **{f"beneficiaries_{group}": counts[group] for group in BENEFICIARY_GROUPS},
            "sdg_goals": sorted(goals), "sdg_targets": sorted(targets, key=sdg.sort_key)}


def item_population(item: RoadmapItem) -> int | None:
    """The 2024 population of the item's communes, or ``None`` if one of them has none."""
    figures = [c.population_2024 for c in item.communes]
    return sum(figures) if figures and all(figures) else None


def set_markers(item: RoadmapItem, by, *, gender_marker=None, gender_justification=None,
                beneficiaries: dict | None = None, sdg_goals=(), sdg_targets=()) -> RoadmapItem:
    """Set the item's gender equality marker, beneficiaries by sex and SDG goals and targets
    (checked by :func:`check_markers`)."""
    values = check_markers(gender_marker, gender_justification, beneficiaries or {}, sdg_goals,
                           sdg_targets, item_population(item))
    before = {name: getattr(item, name) for name in MARKER_FIELDS}
    for name, value in values.items():
        setattr(item, name, value)
    db.session.flush()
    record(by, "roadmap.item.markers", item, before=before, after=values,
           consultation=item.roadmap.consultation_id)
    return item


def _by_sex(values: dict | None, what: str) -> dict:
    """``{"women": float or None, "men": float or None}`` from ``values``."""
    found = {}
    for sex in SEXES:
        value = (values or {}).get(sex)
        if value is not None and not isinstance(value, (int, float)):
            raise RoadmapError(_("Enter a number."), f"{what}_{sex}")
        found[sex] = None if value is None else float(value)
    return found


def add_indicator(item: RoadmapItem, by, name_i18n: dict, unit=None, baseline=None,
                  target=None, current=None, by_sex: bool = False,
                  baseline_by_sex: dict | None = None,
                  target_by_sex: dict | None = None) -> ItemIndicator:
    """Add an indicator (baseline, target, current value) to an item; an indicator ``by_sex``
    has a baseline and a target for women and for men too (each optional)."""
    if not any((name_i18n or {}).values()):
        raise RoadmapError(_("Give the indicator a name."))
    indicator = ItemIndicator(item=item, name_i18n=name_i18n, unit=unit or None,
                              baseline=baseline, target=target,
                              current=baseline if current is None else current,
                              by_sex=bool(by_sex))
    if by_sex:
        for what, values in (("baseline", baseline_by_sex), ("target", target_by_sex)):
            for sex, value in _by_sex(values, what).items():
                setattr(indicator, f"{what}_{sex}", value)
        indicator.current_women, indicator.current_men = (indicator.baseline_women,
                                                          indicator.baseline_men)
    elif baseline_by_sex or target_by_sex:
        raise RoadmapError(_("Only an indicator measured by sex has values for women and men."))
    db.session.add(indicator)
    db.session.flush()
    record(by, "roadmap.indicator.add", indicator,
           after={"item_id": item.id, "name": name_i18n, "by_sex": indicator.by_sex},
           consultation=item.roadmap.consultation_id)
    return indicator


# --- publication -----------------------------------------------------------------------------

def _commune_entry(commune) -> dict:
    return {"id": commune.id, "code": commune.code, "name_ar": commune.name_ar,
            "name_fr": commune.name_fr}


def _item_snapshot(item: RoadmapItem) -> dict:
    return {
        "id": item.id, "rank": item.rank, "axis_id": item.axis_id,
        "axis": item.axis.code if item.axis else None,
        "axis_title_i18n": dict(item.axis.title_i18n) if item.axis else {},
        "title_i18n": dict(item.title_i18n), "description_i18n": dict(item.description_i18n or {}),
        "communes": [_commune_entry(c) for c in item.communes],
        "proposal_ids": [p.id for p in item.proposals], "geometry": item.geometry,
        "estimated_cost_mad": item.estimated_cost_mad, "funding_sources": item.funding_sources,
        "lead_body": item.lead_body, "lead_body_name": item.lead_body_name,
        "partners": item.partners, "starts_on": _plain(item.starts_on),
        "ends_on": _plain(item.ends_on), "status": item.status, "progress": item.progress,
        "spent_mad": item.spent_mad, "override_justification": item.override_justification,
        "explanation": item.explanation or {}, "is_demo": item.is_demo,
        **markers_of(item),
        "indicators": [indicator_entry(i) for i in item.indicators]}


def markers_of(item: RoadmapItem) -> dict:
    """The item's gender and SDG markers as the snapshot, the API and the exports carry them:
    ``gender_marker``, ``gender_justification``, ``beneficiaries`` (by group, None where not
    estimated), ``sdg_goals`` and ``sdg_targets``."""
    return {"gender_marker": item.gender_marker,
            "gender_justification": item.gender_justification,
            "beneficiaries": {group: getattr(item, f"beneficiaries_{group}")
                              for group in BENEFICIARY_GROUPS},
            "sdg_goals": list(item.sdg_goals or []), "sdg_targets": list(item.sdg_targets or [])}


def indicator_entry(indicator: ItemIndicator) -> dict:
    """An indicator as the snapshot carries it (by sex: women's and men's values too)."""
    entry = {"id": indicator.id, "name_i18n": dict(indicator.name_i18n), "unit": indicator.unit,
             "baseline": indicator.baseline, "target": indicator.target,
             "current": indicator.current, "by_sex": indicator.by_sex}
    if indicator.by_sex:
        entry["sexes"] = {sex: {what: getattr(indicator, f"{what}_{sex}")
                                for what in ("baseline", "target", "current")}
                          for sex in SEXES}
    return entry


def snapshot(roadmap: Roadmap) -> dict:
    """The public content of the roadmap now: axes and items with every public field."""
    consultation = roadmap.consultation
    return {"run_id": roadmap.run_id,
            "axes": [{"id": a.id, "code": a.code, "title_i18n": dict(a.title_i18n)}
                     for a in consultation.axes],
            "items": [_item_snapshot(item) for item in
                      sorted(roadmap.items, key=lambda i: (i.axis_id or 0, i.rank))]}


def publish(roadmap: Roadmap, by, changelog_i18n: dict | None) -> RoadmapVersion:
    """Publish the draft as version n+1 (later versions need a change log); notify followers."""
    changelog = {k: (v or "").strip() for k, v in (changelog_i18n or {}).items() if k in LANGS}
    number = len(roadmap.versions) + 1
    if number > 1 and not any(changelog.values()):
        raise RoadmapError(_("Describe the changes of this version in the change log."))
    if not roadmap.items:
        raise RoadmapError(_("The roadmap has no item yet."))
    signal("roadmap.before_publication").send(roadmap)  # ops: snapshot first
    previous = roadmap.published
    version = RoadmapVersion(roadmap=roadmap, number=number,
                             published_by_id=getattr(by, "id", None),
                             changelog_i18n=changelog, snapshot=snapshot(roadmap))
    db.session.add(version)
    db.session.flush()
    notified = _notify_followers(roadmap, version, previous, by)
    record(by, "roadmap.publish", version, after={"number": number, "notified": notified},
           consultation=roadmap.consultation_id)
    return version


def _notify_followers(roadmap, version, previous, by) -> int:
    """Tell followers of the proposals that enter the roadmap with this version, once each."""
    known = ({pid for entry in previous.snapshot["items"] for pid in entry["proposal_ids"]}
             if previous else set())
    seen: set[int] = {by.id} if getattr(by, "id", None) else set()
    rows, now = [], utcnow()
    for entry in version.snapshot["items"]:
        for proposal_id in entry["proposal_ids"]:
            if proposal_id in known:
                continue
            for user_id in follower_ids(proposal_id):
                if user_id not in seen:
                    seen.add(user_id)
                    rows.append({"user_id": user_id, "kind": "roadmap", "proposal_id": proposal_id,
                                 "payload": {"version": version.number, "item_id": entry["id"]},
                                 "created_at": now})
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


# --- implementation tracking -----------------------------------------------------------------

def post_progress(item: RoadmapItem, by, reported_on: date, progress: int, status: str,
                  spent=None, indicator_values: dict | None = None, note_i18n: dict | None = None,
                  photo=None, is_demo: bool = False, photo_alt: str | None = None,
                  language: str | None = None,
                  values_by_sex: dict | None = None) -> ProgressUpdate:
    """Record a dated progress update and bring the item's current figures up to date.

    ``photo`` (an uploaded file, optional) goes through the shared store of attachments
    (:func:`roadmap.media.services.stage_photo`: decoded, re-encoded without EXIF) with its
    description ``photo_alt`` (required with a photo); a refused photo raises
    :class:`RoadmapError` whose ``field`` names the form field (``photo`` or ``photo_alt``).
    ``values_by_sex`` (``{indicator id: {"women": value, "men": value}}``) records the values
    of the indicators measured by sex.
    """
    if status not in ITEM_STATUSES:
        raise RoadmapError(_("Choose a status from the list."))
    if progress is None or not 0 <= progress <= 100:
        raise RoadmapError(_("Progress is a percentage between 0 and 100."))
    if spent is not None and spent < 0:
        raise RoadmapError(_("The amount spent cannot be negative."))
    indicators = {i.id: i for i in item.indicators}
    values = {int(k): float(v) for k, v in (indicator_values or {}).items() if v is not None}
    if set(values) - set(indicators):
        raise RoadmapError(_("Unknown indicator."))
    by_sex = {}
    for key, pair in (values_by_sex or {}).items():
        indicator = indicators.get(int(key))
        if indicator is None or not indicator.by_sex:
            raise RoadmapError(_("Unknown indicator."))
        given = {sex: v for sex, v in _by_sex(pair, "indicator").items() if v is not None}
        if given:
            by_sex[indicator.id] = given
    update = ProgressUpdate(item=item, reported_on=reported_on, progress=progress, status=status,
                            spent_mad=spent,
                            indicator_values={str(k): v for k, v in values.items()},
                            indicator_values_by_sex={str(k): v for k, v in by_sex.items()},
                            note_i18n={k: v for k, v in (note_i18n or {}).items() if v},
                            posted_by_id=getattr(by, "id", None), is_demo=is_demo)
    db.session.add(update)
    _attach_photo(update, photo, photo_alt, by, language, is_demo)
    latest = max([u.reported_on for u in item.updates if u is not update] + [reported_on])
    if reported_on >= latest:  # an older, late report does not overwrite the current figures
        item.progress, item.status = progress, status
        if spent is not None:
            item.spent_mad = spent
        for indicator_id, value in values.items():
            indicators[indicator_id].current = value
        for indicator_id, given in by_sex.items():
            for sex, value in given.items():
                setattr(indicators[indicator_id], f"current_{sex}", value)
    db.session.flush()
    record(by, "roadmap.progress", update, after={"item_id": item.id, "progress": progress,
                                                  "status": status},
           consultation=item.roadmap.consultation_id)
    return update


def _attach_photo(update: ProgressUpdate, photo, alt_text, by, language, is_demo) -> None:
    from roadmap.media.services import MediaError, attach, stage_photo

    if photo is None or not getattr(photo, "filename", None):
        return
    try:
        attachment = stage_photo(photo, by, alt_text, language)
        db.session.flush()  # the update's id
        attachment.is_demo = is_demo
        attach([attachment], "progress_update_id", update.id)
    except MediaError as error:
        raise RoadmapError(error.message, error.field) from None


def photo_folder() -> Path:
    """Where the progress photos of older versions are (``ROADMAP_UPLOAD_PATH``)."""
    from roadmap.media.storage import upload_root

    return upload_root()


def axis_of(consultation, axis_id):
    """The axis ``axis_id`` if it belongs to ``consultation``."""
    return next((a for a in consultation.axes if a.id == axis_id), None)



def adopt_legacy_photos() -> tuple[list[ProgressUpdate], list, list[str]]:
    """Move the progress photos of older versions into the shared store: each ``photo_path``
    file is decoded and re-encoded like a new upload (upright WebP, no EXIF: its position and
    camera are dropped), becomes the update's photo attachment, described as the timeline
    described it ("Photo of the site on <date>", in Arabic, the first language), and the
    update's ``photo_path`` is cleared. Flushes; returns ``(updates moved, old files to delete
    once committed, problems)``; a file missing or refused is left as it was and named in the
    problems (the old route keeps serving it)."""
    from flask_babel import force_locale, format_date

    from roadmap.config import DEFAULT_LANGUAGE
    from roadmap.media import storage
    from roadmap.media.checks import UploadRefused, check_common
    from roadmap.media.images import process_photo
    from roadmap.media.models import Attachment

    moved, files, problems = [], [], []
    for update in db.session.scalars(select(ProgressUpdate).where(
            ProgressUpdate.photo_path.is_not(None)).order_by(ProgressUpdate.id)):
        path = storage.upload_root() / update.photo_path
        if not path.is_file():
            problems.append(f"progress update {update.id}: {update.photo_path} is missing")
            continue
        try:
            data = path.read_bytes()
            check_common(data, 50 * 1024 * 1024)
            photo = process_photo(data)
        except UploadRefused as refused:
            problems.append(f"progress update {update.id}: {update.photo_path}: {refused.message}")
            continue
        token = storage.new_token()
        storage.write(token, "thumb", "webp", photo.thumb)
        storage.write(token, "screen", "webp", photo.screen)
        with force_locale(DEFAULT_LANGUAGE):
            alt_text = _("Photo of the site on %(date)s",
                         date=format_date(update.reported_on))
        db.session.add(Attachment(
            token=token, kind="photo", state="ready", progress_update_id=update.id,
            uploaded_by_id=update.posted_by_id, alt_text=alt_text, language=DEFAULT_LANGUAGE,
            content_type="image/webp", extension="webp", size=len(photo.screen),
            width=photo.width, height=photo.height, is_demo=update.is_demo))
        update.photo_path = None
        moved.append(update)
        files.append(path)
    db.session.flush()
    return moved, files, problems
