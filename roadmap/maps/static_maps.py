"""Printable maps (PNG) drawn on the server with geopandas and matplotlib (Agg backend).

Each map has a title, a legend, a scale bar, a north arrow and the credits. Shapes are drawn
in EPSG:26191 (Merchich / Nord Maroc, metres) so the scale bar is true. matplotlib (3.11 and
later) shapes Arabic and orders it right to left by itself; communes are labelled in the
reader's language.

geopandas and matplotlib are imported inside the functions: only a request for a PNG pays
for them, never the GeoJSON layers or the map page.
"""
from __future__ import annotations

import io
import json

from flask_babel import force_locale
from flask_babel import gettext as _

from roadmap.maps import queries
from roadmap.maps.measures import NO_DATA, PALETTE, breaks, class_of, commune_values, legend
from roadmap.maps.measures import measure_or_default
from roadmap.maps.page import axis_colours

METRIC_CRS = "EPSG:26191"
FONTS = ["DejaVu Sans", "Noto Sans Arabic", "Noto Naskh Arabic"]
SIZE_INCHES = (8.27, 8.27)  # fits an A4 page's width
DPI = 110
_cache: dict[tuple, bytes] = {}


def shaped(text: str, language: str) -> str:
    """``text`` ready for matplotlib, which (3.11 and later) joins Arabic letters and lays them
    out right to left itself: reshaping beforehand would reverse and break them."""
    return text


def _frame(communes, extra_columns: dict):
    import geopandas
    import shapely

    shapes = [shapely.from_geojson(commune.geometry) for commune in communes]
    frame = geopandas.GeoDataFrame(extra_columns, geometry=shapes, crs="EPSG:4326")
    return frame.to_crs(METRIC_CRS)


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    axes = figure.add_axes((0.02, 0.12, 0.96, 0.78))
    axes.set_axis_off()
    axes.set_aspect("equal")
    return figure, axes


def _scale_bar(axes) -> None:
    """A scale bar of a round length (about a fifth of the map's width), bottom left."""
    x0, x1 = axes.get_xlim()
    y0, y1 = axes.get_ylim()
    target = (x1 - x0) / 5
    length = max(step for step in (1000, 2000, 5000, 10000, 20000, 50000) if step <= target
                 ) if target >= 1000 else 500
    x, y = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    axes.plot([x, x + length], [y, y], color="black", linewidth=3, solid_capstyle="butt")
    axes.text(x + length / 2, y + (y1 - y0) * 0.015, "%g km" % (length / 1000),
              ha="center", va="bottom", fontsize=8, family=FONTS)


def _north_arrow(axes) -> None:
    """A north arrow in the top right corner (EPSG:26191's grid north is close to true north)."""
    axes.annotate("N", xy=(0.95, 0.97), xytext=(0.95, 0.87), xycoords="axes fraction",
                  ha="center", va="center", fontsize=11, fontweight="bold", family=FONTS,
                  arrowprops={"facecolor": "black", "width": 3, "headwidth": 9})


def _finish(figure, title: str, language: str) -> bytes:
    figure.suptitle(shaped(title, language), fontsize=13, family=FONTS, y=0.97)
    credits = _("Boundaries: © OpenStreetMap contributors") + " · " + _("Census: HCP, RGPH 2024")
    figure.text(0.5, 0.02, shaped(credits, language), ha="center", fontsize=7, family=FONTS,
                color="#333333")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _label_communes(axes, frame, language: str) -> None:
    for point, name in zip(frame.geometry.representative_point(), frame["name"]):
        axes.text(point.x, point.y, shaped(name, language), ha="center", va="center",
                  fontsize=6, family=FONTS, color="#222222")


def _legend(axes, entries, title: str, language: str) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colour, edgecolor="#555555", label=shaped(label, language))
               for colour, label in entries]
    axes.legend(handles=handles, title=shaped(title, language), loc="lower right",
                fontsize=7, title_fontsize=8, prop={"family": FONTS, "size": 7}, frameon=True)


def communes_png(consultation, measure: str, language: str) -> bytes:
    """The communes coloured by ``measure`` (a key of MEASURES) as a PNG, in ``language``."""
    with force_locale(language):
        chosen = measure_or_default(measure)
        communes = sorted(queries.communes_by_code().values(), key=lambda c: c.code)
        values = commune_values(consultation.id, communes)
        numbers = [values[commune.id][chosen.key] for commune in communes]
        bounds = breaks(numbers)
        colours = [NO_DATA if class_of(v, bounds) is None else PALETTE[class_of(v, bounds)]
                   for v in numbers]
        names = [commune.name_ar if language == "ar" else commune.name_fr for commune in communes]
        frame = _frame(communes, {"colour": colours, "name": names})
        figure, axes = _figure()
        frame.plot(ax=axes, color=frame["colour"], edgecolor="#555555", linewidth=0.6)
        _label_communes(axes, frame, language)
        entries = [(row["colour"], row["label"]) for row in legend(bounds, chosen)]
        _legend(axes, entries + [(NO_DATA, _("No data"))], str(chosen.label), language)
        _scale_bar(axes)
        _north_arrow(axes)
        return _finish(figure, "%s\n%s" % (consultation.title, chosen.label), language)


def roadmap_png(consultation, language: str) -> bytes | None:
    """The published roadmap's intervention areas by axis as a PNG, or ``None`` before."""
    from roadmap.maps.geojson import roadmap_layer

    with force_locale(language):
        layer = roadmap_layer(consultation)
        if layer is None:
            return None
        communes = sorted(queries.communes_by_code().values(), key=lambda c: c.code)
        names = [commune.name_ar if language == "ar" else commune.name_fr for commune in communes]
        frame = _frame(communes, {"name": names})
        figure, axes = _figure()
        frame.plot(ax=axes, color="#f4f4f4", edgecolor="#999999", linewidth=0.5)
        colours = axis_colours(consultation)
        _draw_items(axes, json.loads(layer.body)["features"], colours)
        _label_communes(axes, frame, language)
        entries = [(colours[axis.code], axis.title) for axis in consultation.axes]
        _legend(axes, entries, _("Strategic axes"), language)
        _scale_bar(axes)
        _north_arrow(axes)
        return _finish(figure, "%s\n%s" % (consultation.title, _("Roadmap")), language)


def _draw_items(axes, features: list[dict], colours: dict[str, str]) -> None:
    if not features:
        return
    import geopandas

    items = geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326").to_crs(METRIC_CRS)
    for row in items.itertuples():
        colour = colours.get(row.axis, "#333333")
        single = geopandas.GeoSeries([row.geometry], crs=METRIC_CRS)
        if row.geometry.geom_type.endswith("Polygon"):
            single.plot(ax=axes, color=colour, alpha=0.45, edgecolor=colour, linewidth=1.2)
        else:
            single.plot(ax=axes, color=colour, linewidth=2.5, markersize=40)
        if row.rank is not None:
            point = row.geometry.representative_point()
            axes.text(point.x, point.y, str(row.rank), fontsize=8, fontweight="bold",
                      ha="center", va="bottom", family=FONTS)


def cached_communes_png(consultation, measure: str) -> bytes:
    """:func:`communes_png` in the reader's language, redrawn only when its figures change."""
    from roadmap.core.i18n import current_language

    language = current_language()
    key = ("communes", consultation.id, measure, language,
           str(queries.last_change(consultation.id)), str(queries.communes_version()))
    if key not in _cache:
        _remember(key, communes_png(consultation, measure, language))
    return _cache[key]


def cached_roadmap_png(consultation) -> bytes | None:
    """:func:`roadmap_png` in the reader's language, redrawn only when a version is published."""
    from roadmap.core.i18n import current_language

    language = current_language()
    published = queries.published_snapshot(consultation.id)
    if published is None:
        return None
    key = ("roadmap", consultation.id, language, str(published[1]),
           str(queries.communes_version()))
    if key not in _cache:
        _remember(key, roadmap_png(consultation, language))
    return _cache[key]


def _remember(key: tuple, body: bytes | None, capacity: int = 64) -> None:
    if len(_cache) >= capacity:
        _cache.pop(next(iter(_cache)))
    _cache[key] = body
