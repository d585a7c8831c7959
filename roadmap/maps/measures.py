"""The measures a communes map is coloured by, their values per commune and their classes.

One source for the map page (legend, table, colours sent to the browser) and the printed PNG,
so the two always agree. Classes are equal-interval between 0 and the largest value, with a
sequential palette; a commune without a value is drawn grey.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from roadmap.maps.queries import commune_figures, latest_indicator

# Sequential palette (ColorBrewer YlGnBu, 5 classes): readable in print and for colour blindness.
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_DATA = "#d9d9d9"
DEFAULT_MEASURE = "proposals"


@dataclass(frozen=True)
class Measure:
    """A measure: key, label and number of decimals shown."""

    key: str
    label: object
    decimals: int = 0


MEASURES = (
    Measure("proposals", _l("Proposals")),
    Measure("supports", _l("Supports")),
    Measure("participants_per_1000", _l("Participants per 1,000 inhabitants"), 1),
    Measure("no_running_water", _l("Households without running water"), 1),
)
MEASURES_BY_KEY = {measure.key: measure for measure in MEASURES}


def measure_or_default(key: str | None) -> Measure:
    """The measure named ``key``, or the default one for an unknown or missing key."""
    return MEASURES_BY_KEY.get(key or "", MEASURES_BY_KEY[DEFAULT_MEASURE])


def commune_values(consultation_id: int | None, communes,
                   figures: dict | None = None) -> dict[int, dict]:
    """Every measure's value for each commune: ``{commune_id: {key: value or None, ...}}``.

    Also ``participants`` (the distinct people behind ``participants_per_1000``). ``figures``
    are the consultation's ``commune_figures``, read here if not given.
    """
    if figures is None:
        figures = commune_figures(consultation_id) if consultation_id is not None else {}
    water = latest_indicator("running_water")
    values = {}
    for commune in communes:
        counts = figures.get(commune.id, {})
        participants = counts.get("participants", 0)
        population = commune.population_2024
        with_water = water.get(commune.id)
        values[commune.id] = {
            "proposals": counts.get("proposals", 0),
            "supports": counts.get("supports", 0),
            "participants": participants,
            "participants_per_1000": (round(participants * 1000 / population, 3)
                                      if population else None),
            "no_running_water": None if with_water is None else round(100 - with_water, 2),
        }
    return values


def breaks(values, classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of ``classes`` equal-interval classes from 0 to the largest value."""
    present = [value for value in values if value is not None]
    top = max(present, default=0) or 1
    step = top / classes
    return [step * (index + 1) for index in range(classes)]


def class_of(value, bounds: list[float]) -> int | None:
    """The class index of ``value`` for class upper bounds ``bounds`` (``None``: no data)."""
    if value is None:
        return None
    for index, bound in enumerate(bounds):
        if value <= bound + 1e-9:
            return index
    return len(bounds) - 1


def colour(value, bounds: list[float]) -> str:
    """The palette colour of ``value`` for class upper bounds ``bounds``."""
    index = class_of(value, bounds)
    return NO_DATA if index is None else PALETTE[index]


def format_value(value, measure: Measure) -> str:
    """``value`` formatted for the reader's locale, or an em dash for no value."""
    if value is None:
        return "—"
    pattern = "#,##0" if measure.decimals == 0 else "#,##0." + "0" * measure.decimals
    return format_decimal(value, pattern)


def legend(bounds: list[float], measure: Measure) -> list[dict]:
    """Legend rows ``{"colour", "label"}`` in the reader's language (``0 – 12``...)."""
    rows, low = [], 0.0
    for index, bound in enumerate(bounds):
        high = bound if measure.decimals else math.ceil(bound)
        rows.append({"colour": PALETTE[index], "class": index, "label": "%s – %s" % (
            format_value(low, measure), format_value(high, measure))})
        low = high
    return rows
