"""What the consultation's map page shows: the chosen measure, its classes, legend and table.

The page works without JavaScript: the measure and filters are a GET form, the legend and the
figures table (the map's text alternative) are rendered here on the server.
"""
from __future__ import annotations

from roadmap.maps import queries
from roadmap.maps.measures import (MEASURES, breaks, class_of, colour, commune_values, format_value,
                                   legend, measure_or_default)
from roadmap.proposals.labels import LISTED_STATUSES, status_label

# Categorical colours of the axes (ColorBrewer Dark2), in the axes' order.
AXIS_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
                "#666666")


def axis_colours(consultation) -> dict[str, str]:
    """``{axis code: colour}`` in the consultation's axis order; an axis's own colour
    (``StrategicAxis.color``, set in the back office) wins over the palette."""
    return {axis.code: getattr(axis, "color", None) or AXIS_COLOURS[index % len(AXIS_COLOURS)]
            for index, axis in enumerate(consultation.axes)}


def map_page_context(consultation, args) -> dict:
    """Template context of the map page for the query ``args`` (measure, axis, status)."""
    measure = measure_or_default(args.get("measure"))
    communes = sorted(queries.communes_by_code().values(), key=lambda commune: commune.name)
    values = commune_values(consultation.id, communes)
    bounds = breaks(values[commune.id][measure.key] for commune in communes)
    axis_codes = {axis.code for axis in consultation.axes}
    axis = args.get("axis") if args.get("axis") in axis_codes else ""
    status = args.get("status") if args.get("status") in LISTED_STATUSES else "published"
    rows = [{"commune": commune, "values": values[commune.id],
             "colour": colour(values[commune.id][measure.key], bounds),
             "class": class_of(values[commune.id][measure.key], bounds)} for commune in communes]
    return {
        "measure": measure, "measures": MEASURES, "rows": rows,
        "legend": legend(bounds, measure), "format_value": format_value,
        "measures_by_key": {item.key: item for item in MEASURES},
        "colours": {row["commune"].code: row["colour"] for row in rows},
        "axis_colours": axis_colours(consultation), "selected_axis": axis,
        "axis_classes": {axis.code: index % len(AXIS_COLOURS)
                         for index, axis in enumerate(consultation.axes)},
        "selected_status": status,
        "statuses": [(code, status_label(code)) for code in LISTED_STATUSES],
        "has_roadmap": queries.published_snapshot(consultation.id) is not None,
    }
