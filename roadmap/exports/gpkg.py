"""GeoPackage files (OGC 12-128, version 1.4) written with the standard library's sqlite3.

Each layer is a feature table of WGS 84 (EPSG:4326) geometries with the columns and types that
``geopandas.GeoDataFrame.from_features(features).to_file(path, driver="GPKG")`` gives the same
GeoJSON features, and the same geometry blobs (GeoPackage header with an envelope except for
points, little-endian WKB), without loading GDAL, pandas and geopandas (about 75 MB) for it.
Like GDAL: ``gpkg_ogr_contents`` holds the feature counts. Unlike GDAL: no R-tree spatial index
(an optional extension, which needs GDAL's SQL functions in its triggers).
"""
from __future__ import annotations

import sqlite3
import struct
from datetime import datetime, timezone
from typing import Iterable

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10400
SRS_ID = 4326
WGS84 = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
         'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
         'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
         'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]')
SCHEMA = (
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,srs_id INTEGER NOT NULL PRIMARY "
    "KEY,organization TEXT NOT NULL,organization_coordsys_id INTEGER NOT NULL,definition  TEXT "
    "NOT NULL,description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,data_type TEXT NOT NULL,"
    "identifier TEXT UNIQUE,description TEXT DEFAULT '',last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')),min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y "
    "DOUBLE,srs_id INTEGER,CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES "
    "gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,column_name TEXT NOT NULL,"
    "geometry_type_name TEXT NOT NULL,srs_id INTEGER NOT NULL,z TINYINT NOT NULL,m TINYINT NOT "
    "NULL,CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),CONSTRAINT "
    "uk_gc_table_name UNIQUE (table_name),CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) "
    "REFERENCES gpkg_contents(table_name),CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES "
    "gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_ogr_contents(table_name TEXT NOT NULL PRIMARY KEY,feature_count INTEGER "
    "DEFAULT NULL)",
)
REFERENCE_SYSTEMS = [
    ("Undefined Cartesian SRS", -1, "NONE", -1, "undefined",
     "undefined Cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined",
     "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", SRS_ID, "EPSG", SRS_ID, WGS84,
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
]
WKB_TYPES = {"Point": 1, "LineString": 2, "Polygon": 3, "MultiPoint": 4,
             "MultiLineString": 5, "MultiPolygon": 6, "GeometryCollection": 7}


# --- geometries ------------------------------------------------------------------------------

def _points(coordinates) -> bytes:
    return struct.pack(f"<I{2 * len(coordinates)}d", len(coordinates),
                       *(value for point in coordinates for value in point[:2]))


def wkb(geometry: dict) -> bytes:
    """A 2D GeoJSON geometry as little-endian WKB."""
    kind, head = geometry["type"], struct.pack("<BI", 1, WKB_TYPES[geometry["type"]])
    if kind == "GeometryCollection":
        parts = geometry["geometries"]
        return head + struct.pack("<I", len(parts)) + b"".join(wkb(part) for part in parts)
    coordinates = geometry["coordinates"]
    if kind == "Point":
        return head + struct.pack("<2d", *coordinates[:2])
    if kind == "LineString":
        return head + _points(coordinates)
    if kind == "Polygon":
        return head + struct.pack("<I", len(coordinates)) + b"".join(map(_points, coordinates))
    single = kind.removeprefix("Multi")
    return head + struct.pack("<I", len(coordinates)) + b"".join(
        wkb({"type": single, "coordinates": part}) for part in coordinates)


def _coordinates(geometry: dict) -> Iterable:
    if geometry["type"] == "GeometryCollection":
        for part in geometry["geometries"]:
            yield from _coordinates(part)
        return
    depth = {"Point": 0, "LineString": 1, "MultiPoint": 1, "Polygon": 2,
             "MultiLineString": 2, "MultiPolygon": 3}[geometry["type"]]
    stack = [(geometry["coordinates"], depth)]
    while stack:
        value, level = stack.pop()
        if level == 0:
            yield value
        else:
            stack.extend((item, level - 1) for item in value)


def envelope(geometry: dict) -> tuple[float, float, float, float]:
    """``(min_x, max_x, min_y, max_y)`` of a GeoJSON geometry."""
    xs, ys = zip(*((point[0], point[1]) for point in _coordinates(geometry)))
    return min(xs), max(xs), min(ys), max(ys)


def blob(geometry: dict | None) -> bytes | None:
    """A geometry as GeoPackage stores it: the header (with the envelope, except for a point,
    as GDAL writes it) and the WKB."""
    if geometry is None:
        return None
    if geometry["type"] == "Point":
        return b"GP\x00\x01" + struct.pack("<i", SRS_ID) + wkb(geometry)
    return (b"GP\x00\x03" + struct.pack("<i4d", SRS_ID, *envelope(geometry)) + wkb(geometry))


def _promoted(geometry: dict | None, multi: bool) -> dict | None:
    """A single geometry as its multi type, when the layer mixes both (as pyogrio does)."""
    if geometry is None or not multi or geometry["type"].startswith("Multi") \
            or geometry["type"] == "GeometryCollection":
        return geometry
    return {"type": "Multi" + geometry["type"], "coordinates": [geometry["coordinates"]]}


def geometry_type(kinds: set[str]) -> tuple[str, bool]:
    """The layer's geometry type name, and whether single geometries become multi ones: one
    type, a single type and its multi type (promoted), or GEOMETRY (as geopandas infers it)."""
    if len(kinds) == 1:
        return kinds.pop().upper(), False
    singles = {kind.removeprefix("Multi") for kind in kinds}
    if len(singles) == 1 and "GeometryCollection" not in kinds:
        return "MULTI" + singles.pop().upper(), True
    return "GEOMETRY", False


# --- columns ---------------------------------------------------------------------------------

def column_type(values: list) -> str:
    """The type GDAL declares for a column that pandas makes of these values: INTEGER for
    integers, REAL for floats or integers with a null (float64), BOOLEAN for booleans without
    a null, TEXT otherwise (text, nothing at all, mixtures)."""
    present = [value for value in values if value is not None]
    kinds = {value.__class__ for value in present}
    if not present or not kinds <= {bool, int, float}:
        return "TEXT"
    if kinds == {bool}:
        return "BOOLEAN" if len(present) == len(values) else "TEXT"
    if bool in kinds:
        return "TEXT"
    if kinds == {int} and len(present) == len(values):
        return "INTEGER"
    return "REAL"


def _stored(value, declared: str):
    if value is None:
        return None
    if declared == "REAL":
        return float(value)
    if declared == "TEXT" and not isinstance(value, str):
        return str(value)
    return value


# --- the file --------------------------------------------------------------------------------

def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_layer(connection, name: str, features: list[dict]) -> None:
    """Add one layer of GeoJSON ``features`` (at least one) to an open GeoPackage."""
    columns: dict[str, list] = {}
    for number, feature in enumerate(features):  # pandas' columns: in order of appearance
        properties = feature["properties"] or {}
        for key in properties:
            if key not in columns:
                columns[key] = [None] * number
        for key, values in columns.items():
            values.append(properties.get(key))
    declared = {key: column_type(values) for key, values in columns.items()}
    geometries = [feature["geometry"] for feature in features]
    kinds = {geometry["type"] for geometry in geometries if geometry}
    type_name, multi = geometry_type(kinds) if kinds else ("GEOMETRY", False)
    definitions = "".join(f", {_quoted(key)} {kind}" for key, kind in declared.items())
    connection.execute(f'CREATE TABLE {_quoted(name)} ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT '
                       f'NOT NULL, "geom" {type_name}{definitions})')
    rows = ([blob(_promoted(geometry, multi))] +
            [_stored(values[number], declared[key]) for key, values in columns.items()]
            for number, geometry in enumerate(geometries))
    marks = ", ".join("?" * (len(columns) + 1))
    names = ", ".join(_quoted(key) for key in ["geom", *columns])
    connection.executemany(f"INSERT INTO {_quoted(name)} ({names}) VALUES ({marks})", rows)
    boxes = [envelope(geometry) for geometry in geometries if geometry]
    bounds = ((min(b[0] for b in boxes), min(b[2] for b in boxes), max(b[1] for b in boxes),
               max(b[3] for b in boxes)) if boxes else (None,) * 4)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    connection.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, "
                       "description, last_change, min_x, min_y, max_x, max_y, srs_id) "
                       "VALUES (?, 'features', ?, '', ?, ?, ?, ?, ?, ?)",
                       (name, name, now, *bounds, SRS_ID))
    connection.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                       (name, type_name, SRS_ID))
    connection.execute("INSERT INTO gpkg_ogr_contents VALUES (?, ?)", (name, len(features)))


def write_geopackage(path: str, layers: Iterable[tuple[str, list[dict]]]) -> None:
    """Write a new GeoPackage at ``path`` with the ``(name, features)`` layers that have
    features (the others are left out)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {USER_VERSION}")
        for statement in SCHEMA:
            connection.execute(statement)
        connection.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                               REFERENCE_SYSTEMS)
        for name, features in layers:
            if features:
                write_layer(connection, name, features)
        connection.commit()
    finally:
        connection.close()
