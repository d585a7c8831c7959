"""Need indices: how much each commune needs each axis, from the HCP census indicators.

Pure functions (no Flask app, no database): the input is ``{commune_code: {indicator_key:
value}}`` with the keys and units of :mod:`roadmap.territory.indicators` (percentages 0-100,
kilometres for ``paved_road_distance``); the output is ``{commune_code: {axis_code: index}}``
with every index in ``[0, 1]`` (1 = the neediest commune of the set on that axis).

Formulas (documented choices)
-----------------------------
Each axis has components (:data:`NEED_COMPONENTS`), each an indicator with a direction:

- ``"higher"``: need grows with the value (unemployment rate, illiteracy rate, distance to a
  paved road): the raw need is the value itself;
- ``"lower"``: the indicator is a share of households/children *with* a service: the raw need
  is ``100 - value`` (households without running water, not on the public sewer, without
  electricity, whose waste no truck collects; children aged 6 to 11 not in school).

Every component is normalised min-max across the communes given (the prefecture's communes):
``(raw - min) / (max - min)``; when every commune has the same raw value the component is 0
for all (nobody is needier than anybody else). An axis index is the mean of its components
present for the commune, rounded to 6 decimals.

Missing values:

- ``paved_road_distance``: HCP publishes it for rural communes only; urban communes and
  arrondissements are on paved roads, so a missing distance counts as 0 km (the least needy
  value, :data:`MISSING_AS`);
- any other missing indicator: the component is left out and the axis index averages the
  components present; with no component present the index is 0.0 (and
  :func:`need_details` reports ``"components": {}`` so a page can say "no data").

Axis codes are the demo's (``employment``, ``social-services``, ``water``,
``territorial-upgrading``); a consultation with other axis codes passes its own mapping
(:func:`remap_axes` renames the default table).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l

HIGHER = "higher"
LOWER = "lower"

#: axis code -> ((indicator key, direction, label), ...): the figures behind each index.
NEED_COMPONENTS: dict[str, tuple[tuple[str, str, object], ...]] = {
    "employment": (
        ("unemployment_rate", HIGHER, _l("Unemployment rate")),
    ),
    "social-services": (
        ("illiteracy_rate", HIGHER, _l("Illiteracy rate, aged 10 and over")),
        ("school_enrolment_6_11", LOWER, _l("Children aged 6 to 11 not enrolled in school")),
    ),
    "water": (
        ("running_water", LOWER, _l("Households without running water")),
        ("public_sewer", LOWER, _l("Households not connected to the public sewer")),
    ),
    "territorial-upgrading": (
        ("paved_road_distance", HIGHER, _l("Average distance to a paved road")),
        ("electricity", LOWER, _l("Households without electricity")),
        ("waste_truck", LOWER, _l("Households whose waste no truck collects")),
    ),
}

#: The raw value assumed when an indicator is missing (None: leave the component out).
MISSING_AS: dict[str, float] = {"paved_road_distance": 0.0}

Components = Mapping[str, Sequence[tuple[str, str, object]]]


def remap_axes(mapping: Mapping[str, str],
               components: Components = NEED_COMPONENTS) -> dict[str, tuple]:
    """Rename the axes of a components table (``{default axis code: other code}``).

    Axes absent from ``mapping`` keep their code.
    """
    return {mapping.get(axis, axis): tuple(parts) for axis, parts in components.items()}


def raw_need(key: str, direction: str, value: float | None) -> float | None:
    """The raw need of one indicator value: the value, or ``100 - value`` for a share *with*."""
    if value is None:
        value = MISSING_AS.get(key)
        if value is None:
            return None
    if direction == LOWER:
        return 100.0 - float(value)
    if direction == HIGHER:
        return float(value)
    raise ValueError(f"unknown direction {direction!r}")


def _normalised(raws: Mapping[str, float | None]) -> dict[str, float]:
    """Min-max normalise the present raw values to [0, 1] (0 for all when they are equal)."""
    present = {code: raw for code, raw in raws.items() if raw is not None}
    if not present:
        return {}
    low, high = min(present.values()), max(present.values())
    if high == low:
        return {code: 0.0 for code in present}
    return {code: (raw - low) / (high - low) for code, raw in present.items()}


def need_details(indicators: Mapping[str, Mapping[str, float | None]],
                 components: Components = NEED_COMPONENTS) -> dict[str, dict[str, dict]]:
    """Each commune's need per axis with the figures behind it.

    Returns ``{commune: {axis: {"index": float, "components": {key: {"value", "raw",
    "need", "direction"}}}}}`` where ``value`` is the indicator as given (None when missing),
    ``raw`` the raw need (module docstring) and ``need`` the normalised component in [0, 1].
    """
    codes = sorted(indicators)
    result: dict[str, dict[str, dict]] = {code: {} for code in codes}
    for axis in sorted(components):
        per_commune: dict[str, dict] = {code: {} for code in codes}
        for key, direction, _label in components[axis]:
            raws = {code: raw_need(key, direction, indicators[code].get(key)) for code in codes}
            normalised = _normalised(raws)
            for code, need in normalised.items():
                per_commune[code][key] = {"value": indicators[code].get(key),
                                          "raw": round(raws[code], 6),
                                          "need": round(need, 6), "direction": direction}
        for code in codes:
            parts = per_commune[code]
            index = sum(part["need"] for part in parts.values()) / len(parts) if parts else 0.0
            result[code][axis] = {"index": round(index, 6), "components": parts}
    return result


def need_indices(indicators: Mapping[str, Mapping[str, float | None]],
                 components: Components = NEED_COMPONENTS) -> dict[str, dict[str, float]]:
    """``{commune_code: {axis_code: index in [0, 1]}}`` (see the module docstring)."""
    details = need_details(indicators, components)
    return {code: {axis: detail["index"] for axis, detail in axes.items()}
            for code, axes in details.items()}
