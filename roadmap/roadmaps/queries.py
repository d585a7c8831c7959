"""Reads of the roadmaps domain: the roadmap of a consultation, its public view (the latest
published snapshot with live implementation figures), shares per commune and progress rollups.

Rollups (documented for the public page): an item's weight is its estimated cost when every
counted item of the group has one (cost-weighted mean), otherwise every item weighs the same
(simple mean). Cancelled items are left out. An item spread over several communes counts in
each of them, with its whole progress.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from roadmap.core.i18n import current_language, localized
from roadmap.extensions import db
from roadmap.ranking.models import ConsolidationRun
from roadmap.roadmaps.models import BENEFICIARY_GROUPS, ProgressUpdate, Roadmap, RoadmapItem
from roadmap.territory.models import Commune


def roadmap_of(consultation) -> Roadmap | None:
    """The roadmap of ``consultation``, or ``None`` if no draft was made yet."""
    return db.session.scalar(select(Roadmap).where(Roadmap.consultation_id == consultation.id))


def runs_of(consultation) -> list[ConsolidationRun]:
    """The consolidation runs of ``consultation``, newest first."""
    return list(db.session.scalars(
        select(ConsolidationRun).where(ConsolidationRun.consultation_id == consultation.id)
        .order_by(ConsolidationRun.created_at.desc(), ConsolidationRun.id.desc())))


def run_in(consultation, run_id) -> ConsolidationRun | None:
    """The run ``run_id`` if it belongs to ``consultation``."""
    run = db.session.get(ConsolidationRun, run_id) if run_id else None
    return run if run is not None and run.consultation_id == consultation.id else None


def item_in(roadmap: Roadmap | None, item_id: int) -> RoadmapItem | None:
    """The live item ``item_id`` if it belongs to ``roadmap``."""
    item = db.session.get(RoadmapItem, item_id) if roadmap is not None else None
    return item if item is not None and item.roadmap_id == roadmap.id else None


def items_by_axis(roadmap: Roadmap) -> list[tuple]:
    """The live (draft) items grouped by axis, in axis order then rank: ``[(axis, [items])]``."""
    groups: dict = {}
    for item in roadmap.items:
        groups.setdefault(item.axis, []).append(item)
    return sorted(((axis, sorted(items, key=lambda i: i.rank)) for axis, items in groups.items()),
                  key=lambda pair: (pair[0].position if pair[0] is not None else 10**6))


def prefecture_bbox(consultation) -> tuple[float, float, float, float] | None:
    """``(min_lon, min_lat, max_lon, max_lat)`` of the consultation's prefecture communes."""
    row = db.session.execute(select(
        func.min(Commune.min_lon), func.min(Commune.min_lat), func.max(Commune.max_lon),
        func.max(Commune.max_lat)).where(Commune.prefecture_id == consultation.prefecture_id)).one()
    return None if row[0] is None else tuple(float(v) for v in row)


def prefecture_communes(consultation) -> list[Commune]:
    """The communes of the consultation's prefecture, by French name."""
    return list(db.session.scalars(select(Commune).where(
        Commune.prefecture_id == consultation.prefecture_id).order_by(Commune.name_fr)))


# --- the public view -------------------------------------------------------------------------

@dataclass
class PublicItem:
    """One item as the public sees it: the snapshot's fields, live status and progress."""

    data: dict
    live: RoadmapItem | None

    def __getattr__(self, name):
        try:
            return self.__dict__["data"][name]
        except KeyError as error:
            raise AttributeError(name) from error

    @property
    def title(self) -> str:
        """The title in the reader's language."""
        return localized(self.data.get("title_i18n"))

    @property
    def description(self) -> str:
        """The description in the reader's language."""
        return localized(self.data.get("description_i18n"))

    @property
    def status(self) -> str:
        """The current status (live when the item still exists)."""
        return self.live.status if self.live is not None else self.data["status"]

    @property
    def progress(self) -> int:
        """The current progress % (live when the item still exists)."""
        return self.live.progress if self.live is not None else self.data["progress"]

    @property
    def spent_mad(self) -> int:
        """The amount spent so far (live when the item still exists)."""
        return self.live.spent_mad if self.live is not None else self.data.get("spent_mad", 0)

    @property
    def starts(self) -> date | None:
        """The start date, as a date."""
        return date.fromisoformat(self.data["starts_on"]) if self.data.get("starts_on") else None

    @property
    def ends(self) -> date | None:
        """The end date, as a date."""
        return date.fromisoformat(self.data["ends_on"]) if self.data.get("ends_on") else None

    @property
    def axis_title(self) -> str:
        """The axis title in the reader's language."""
        return localized(self.data.get("axis_title_i18n"))

    @property
    def commune_names(self) -> list[str]:
        """The names of the item's communes in the reader's language."""
        key = "name_ar" if current_language() == "ar" else "name_fr"
        return [c[key] for c in self.data.get("communes", [])]

    @property
    def gender_marker(self) -> int | None:
        """The gender equality marker (0, 1, 2; None: not assessed or an older snapshot)."""
        return self.data.get("gender_marker")

    @property
    def beneficiaries(self) -> dict:
        """Estimated beneficiaries ``{group: number or None}`` (women, men, girls, boys)."""
        return entry_markers(self.data)["beneficiaries"]

    @property
    def female_beneficiaries_share(self) -> float | None:
        """Women's and girls' share of the estimated beneficiaries (0-1), if estimated."""
        return female_share(self.beneficiaries)

    @property
    def sdg_goals(self) -> list[int]:
        """The SDGs the item serves (the goals of its targets included)."""
        return list(self.data.get("sdg_goals") or [])

    @property
    def sdg_targets(self) -> list[str]:
        """The SDG targets the item serves, e.g. ``["5.5", "6.1"]``."""
        return list(self.data.get("sdg_targets") or [])

    @property
    def indicators(self) -> list[dict]:
        """The indicators of the snapshot with their current values (live when the item still
        exists), by sex for those measured by sex."""
        live = {i.id: i for i in self.live.indicators} if self.live is not None else {}
        found = []
        for entry in self.data.get("indicators", []):
            entry = {**entry, "sexes": {sex: dict(values) for sex, values
                                        in (entry.get("sexes") or {}).items()}}
            indicator = live.get(entry["id"])
            if indicator is not None:
                entry["current"] = indicator.current
                for sex, values in entry["sexes"].items():
                    values["current"] = getattr(indicator, f"current_{sex}")
            found.append(entry)
        return found

    @property
    def updates(self) -> list[ProgressUpdate]:
        """The dated progress updates (the timeline), oldest first."""
        return list(self.live.updates) if self.live is not None else []


def entry_markers(entry: dict) -> dict:
    """The gender and SDG markers of a snapshot item, with their empty values where the
    snapshot is older than the markers: ``gender_marker``, ``gender_justification``,
    ``beneficiaries`` (women, men, girls, boys), ``sdg_goals``, ``sdg_targets``."""
    return {"gender_marker": entry.get("gender_marker"),
            "gender_justification": entry.get("gender_justification"),
            "beneficiaries": {group: (entry.get("beneficiaries") or {}).get(group)
                              for group in BENEFICIARY_GROUPS},
            "sdg_goals": list(entry.get("sdg_goals") or []),
            "sdg_targets": list(entry.get("sdg_targets") or [])}


def female_share(beneficiaries: dict) -> float | None:
    """Women's and girls' share (0-1) of estimated beneficiaries ``{group: number or None}``,
    or ``None`` when none is estimated."""
    total = sum(v or 0 for v in beneficiaries.values())
    if not total:
        return None
    return ((beneficiaries.get("women") or 0) + (beneficiaries.get("girls") or 0)) / total


def public_items(version) -> list[PublicItem]:
    """The items of a published version, with live figures, in axis then rank order."""
    data = version.snapshot.get("items", [])
    ids = [entry["id"] for entry in data]
    live = {item.id: item for item in db.session.scalars(
        select(RoadmapItem).where(RoadmapItem.id.in_(ids)))} if ids else {}
    return [PublicItem(entry, live.get(entry["id"])) for entry in data]


def public_axes(version) -> list[tuple[dict, list[PublicItem]]]:
    """``[(axis snapshot, [items in rank order])]`` for every axis of the version."""
    items = public_items(version)
    result = []
    for axis in version.snapshot.get("axes", []):
        members = sorted((i for i in items if i.data.get("axis_id") == axis["id"]),
                         key=lambda i: i.data["rank"])
        result.append((axis, members))
    return result


def public_by_commune(version) -> list[tuple[dict, list[PublicItem]]]:
    """``[(commune snapshot, [items])]`` for every commune with at least one item."""
    groups: dict[str, tuple[dict, list]] = {}
    for item in public_items(version):
        for commune in item.data.get("communes", []):
            groups.setdefault(commune["code"], (commune, []))[1].append(item)
    return sorted(groups.values(), key=lambda pair: pair[0]["name_fr"])


def public_item(version, item_id: int) -> PublicItem | None:
    """The item ``item_id`` of a published version, or ``None``."""
    return next((i for i in public_items(version) if i.data["id"] == item_id), None)


def commune_shares(consultation, version) -> list[dict]:
    """Each commune's share of population beside its share of items and of budget.

    Computed from the published snapshot (so grouping and edits count): an item spread over k
    communes gives 1/k of an item and 1/k of its cost to each.
    """
    communes = prefecture_communes(consultation)
    population = sum(c.population_2024 or 0 for c in communes) or 1
    items_count: dict[str, float] = {}
    budget: dict[str, float] = {}
    entries = version.snapshot.get("items", [])
    for entry in entries:
        codes = [c["code"] for c in entry.get("communes", [])]
        for code in codes:
            items_count[code] = items_count.get(code, 0) + 1 / len(codes)
            budget[code] = budget.get(code, 0) + (entry.get("estimated_cost_mad") or 0) / len(codes)
    total_items = len(entries) or 1
    total_budget = sum(budget.values()) or 1
    return [{"commune": c, "population_share": (c.population_2024 or 0) / population,
             "items_share": items_count.get(c.code, 0) / total_items,
             "budget_share": budget.get(c.code, 0) / total_budget} for c in communes]


# --- rollups ---------------------------------------------------------------------------------

def _counted_items(roadmap: Roadmap) -> list[RoadmapItem]:
    """Live items that are in the published version (all live items before publication)."""
    version = roadmap.published
    items = [i for i in roadmap.items if i.status != "cancelled"]
    if version is None:
        return items
    ids = {entry["id"] for entry in version.snapshot.get("items", [])}
    return [i for i in items if i.id in ids]


def _rollup(items: list[RoadmapItem]) -> dict:
    """``{"items", "progress", "method"}``: cost-weighted mean if all have a cost, else mean."""
    if not items:
        return {"items": 0, "progress": 0.0, "method": "simple"}
    if all(i.estimated_cost_mad for i in items):
        total = sum(i.estimated_cost_mad for i in items)
        value = sum(i.progress * i.estimated_cost_mad for i in items) / total
        return {"items": len(items), "progress": round(value, 1), "method": "cost_weighted"}
    return {"items": len(items), "progress": round(sum(i.progress for i in items) / len(items), 1),
            "method": "simple"}


def progress_by_axis(roadmap: Roadmap) -> list[dict]:
    """Progress per axis: ``[{"axis", "label", "items", "progress", "method"}]``, axis order."""
    groups: dict = {}
    for item in _counted_items(roadmap):
        groups.setdefault(item.axis, []).append(item)
    rows = [{"axis": axis, "label": axis.title if axis is not None else "—", **_rollup(items)}
            for axis, items in groups.items()]
    return sorted(rows, key=lambda r: r["axis"].position if r["axis"] is not None else 10**6)


def progress_by_commune(roadmap: Roadmap) -> list[dict]:
    """Progress per commune: ``[{"commune", "label", "items", "progress", "method"}]``."""
    groups: dict = {}
    for item in _counted_items(roadmap):
        for commune in item.communes:
            groups.setdefault(commune, []).append(item)
    rows = [{"commune": commune, "label": commune.name, **_rollup(items)}
            for commune, items in groups.items()]
    return sorted(rows, key=lambda r: r["commune"].name_fr)


def run_output(run: ConsolidationRun) -> dict:
    """The parsed canonical output of a consolidation run."""
    return json.loads(run.output)


def published_item_of(proposal) -> PublicItem | None:
    """The item of the latest published version whose lineage holds ``proposal``, or None."""
    roadmap = db.session.scalar(select(Roadmap).where(
        Roadmap.consultation_id == proposal.consultation_id))
    version = roadmap.published if roadmap else None
    if version is None:
        return None
    return next((i for i in public_items(version) if proposal.id in i.data["proposal_ids"]),
                None)


# --- gender equality and SDG monitoring -------------------------------------------------------

MARKER_ORDER = (2, 1, 0, None)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _groups(entries, key_of, weight_of) -> dict:
    """``{key: group}`` of the items in each group (``key_of(entry)``: ``[(key, label)]``;
    ``weight_of(entry, keys)``: the item's part in each of its groups). A group has its
    ``label``, ``items`` (parts), ``cost``, per marker (:data:`MARKER_ORDER`) its ``markers``
    (cost), ``counts`` (parts) and ``shares`` (of the group's cost), and ``gender_share``
    (markers 1 and 2) and ``principal_share`` (marker 2)."""
    groups: dict = {}
    for entry in entries:
        keys = key_of(entry)
        part = weight_of(entry, keys)
        for key, label in keys:
            group = groups.setdefault(key, _new_group(label))
            cost = (entry.get("estimated_cost_mad") or 0) * part
            marker = entry.get("gender_marker")
            group["cost"] += cost
            group["items"] += part
            group["markers"][marker] += cost
            group["counts"][marker] += part
    return {key: _finished(group) for key, group in groups.items()}


def _new_group(label: str) -> dict:
    return {"label": label, "cost": 0.0, "items": 0.0,
            "markers": dict.fromkeys(MARKER_ORDER, 0.0), "counts": dict.fromkeys(MARKER_ORDER, 0.0)}


def _finished(group: dict) -> dict:
    group["shares"] = {m: _share(cost, group["cost"]) for m, cost in group["markers"].items()}
    group["gender_share"] = _share(group["markers"][1] + group["markers"][2], group["cost"])
    group["principal_share"] = group["shares"][2]
    return group


def monitoring_of_roadmap(version) -> dict:
    """What the published roadmap gives to gender equality and to each SDG (the monitoring
    page, the PDF's section and the workbook's sheets), from the version's snapshot:

    - ``markers``: per gender marker (2 principal, 1 significant, 0 not targeted, None not
      assessed), items, estimated cost and share of the roadmap's estimated cost: each item has
      one marker, so the shares add up to 100 %; ``gender_share`` (markers 1 and 2, what the
      OECD DAC calls gender-related aid) and ``principal_share``;
    - ``axes`` and ``communes``: the same per axis and per commune (an item over k communes
      gives each 1/k of its cost, as :func:`commune_shares` does);
    - ``goals`` and ``targets``: per SDG goal and target, items and the estimated cost of the
      items serving it: an item counts in full toward each goal and target it serves, so
      these shares add up to more than 100 % (as the DAC counts its markers);
    - ``beneficiaries``: the estimated beneficiaries summed over the items that estimated
      them, with women's and girls' share;
    - ``indicators``: the indicators measured by sex, with baseline, target and current value
      (live) for women, men and everyone, and the progress toward each target.

    Items without an estimated cost count in the items, not in the costs.
    """
    from roadmap.core import sdg

    items = public_items(version)
    entries = [item.data for item in items]
    whole = (_groups(entries, lambda e: [(None, "")], lambda e, keys: 1.0).get(None)
             or _finished(_new_group("")))
    total = whole["cost"]
    axes = _groups(entries,
                   lambda e: [(e.get("axis_id"), localized(e.get("axis_title_i18n")) or "—")],
                   lambda e, keys: 1.0)
    name = "name_ar" if current_language() == "ar" else "name_fr"
    communes = _groups(entries, lambda e: [(c["code"], c[name]) for c in e.get("communes", [])],
                       lambda e, keys: 1 / len(keys) if keys else 0)
    goals: dict = {}
    targets: dict = {}
    for entry in entries:
        cost = entry.get("estimated_cost_mad") or 0
        for goal in entry.get("sdg_goals") or []:
            row = goals.setdefault(goal, {"goal": goal, "items": 0, "cost": 0})
            row["items"] += 1
            row["cost"] += cost
        for code in entry.get("sdg_targets") or []:
            row = targets.setdefault(code, {"code": code, "goal": sdg.goal_of(code),
                                            "items": 0, "cost": 0})
            row["items"] += 1
            row["cost"] += cost
    for row in [*goals.values(), *targets.values()]:
        row["share"] = _share(row["cost"], total)
    position = {a["id"]: n for n, a in enumerate(version.snapshot.get("axes", []))}
    return {
        "items": len(entries), "cost": total,
        "costed_items": sum(1 for e in entries if e.get("estimated_cost_mad")),
        "markers": [{"marker": m, "items": int(whole["counts"][m]), "cost": whole["markers"][m],
                     "share": whole["shares"][m]} for m in MARKER_ORDER],
        "gender_share": whole["gender_share"], "principal_share": whole["principal_share"],
        "axes": [{"key": key, **group} for key, group in sorted(
            axes.items(), key=lambda pair: position.get(pair[0], len(position)))],
        "communes": [{"key": key, **group} for key, group in sorted(
            communes.items(), key=lambda pair: pair[1]["label"])],
        "goals": [goals[g] for g in sorted(goals)],
        "targets": [targets[c] for c in sorted(targets, key=sdg.sort_key)],
        "beneficiaries": _beneficiaries(items),
        "indicators": _indicators_by_sex(items),
    }


def _beneficiaries(items: list[PublicItem]) -> dict:
    estimated = [item.beneficiaries for item in items
                 if any(v is not None for v in item.beneficiaries.values())]
    totals = {group: sum(b.get(group) or 0 for b in estimated) for group in BENEFICIARY_GROUPS}
    return {"items": len(estimated), "totals": totals, "total": sum(totals.values()),
            "female_share": female_share(totals)}


def _progress_toward(values: dict) -> float | None:
    """How far the current value went from the baseline toward the target (0-1, capped)."""
    baseline, target, current = values.get("baseline"), values.get("target"), values.get("current")
    if None in (baseline, target, current) or target == baseline:
        return None
    return max(0.0, min(1.0, (current - baseline) / (target - baseline)))


def _indicators_by_sex(items: list[PublicItem]) -> list[dict]:
    rows = []
    for item in items:
        if not any(i.get("by_sex") for i in item.data.get("indicators", [])):
            continue  # item.indicators reads the live item's indicators: only when needed
        for indicator in item.indicators:
            if not indicator.get("by_sex"):
                continue
            everyone = {what: indicator.get(what) for what in ("baseline", "target", "current")}
            sexes = {sex: {**values, "progress": _progress_toward(values)}
                     for sex, values in indicator["sexes"].items()}
            rows.append({"item": item, "name": localized(indicator.get("name_i18n")),
                         "unit": indicator.get("unit"),
                         "all": {**everyone, "progress": _progress_toward(everyone)},
                         "sexes": sexes})
    return rows
