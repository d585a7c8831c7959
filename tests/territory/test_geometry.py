"""Shape helpers: repair, RFC 7946 orientation, rounding, marker inside the polygon."""
from __future__ import annotations

import json

from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from roadmap.territory.geometry import outline, polygonal_part, repair


def test_outline_orients_rings_as_rfc_7946_asks():
    clockwise = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)],
                        holes=[[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]])
    assert not clockwise.exterior.is_ccw and clockwise.interiors[0].is_ccw
    ring, hole = json.loads(outline(clockwise).geojson)["coordinates"]
    assert Polygon(ring).exterior.is_ccw
    assert not Polygon(hole).exterior.is_ccw


def test_outline_rounds_to_six_decimals_and_puts_the_marker_inside():
    crescent = Polygon([(-8.0, 31.6), (-7.9, 31.6), (-7.9, 31.7), (-8.0, 31.7),
                        (-8.0, 31.69), (-7.91, 31.69), (-7.91, 31.61), (-8.0, 31.61)])
    shape = outline(crescent)
    assert not crescent.contains(crescent.centroid)  # a centroid can fall outside
    assert crescent.contains(Point(shape.marker_lon, shape.marker_lat))
    text = json.dumps(json.loads(shape.geojson))
    assert all(len(number.split(".")[-1]) <= 6 for number in text.replace("]", ",").split(",")
               if "." in number)
    assert (shape.min_lon, shape.min_lat, shape.max_lon, shape.max_lat) == (-8.0, 31.6, -7.9, 31.7)


def test_repair_keeps_the_polygons_of_a_bow_tie():
    bow_tie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    repaired, reason = repair(bow_tie)
    assert reason.startswith("Self-intersection")
    assert isinstance(repaired, MultiPolygon) and repaired.area == 2.0


def test_repair_leaves_valid_shapes_alone_and_gives_up_on_flat_ones():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    assert repair(square) == (square, None)
    flat = Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])
    assert repair(flat)[0] is None
    assert polygonal_part(LineString([(0, 0), (1, 1)])) is None
