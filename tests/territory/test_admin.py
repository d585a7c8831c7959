"""The territories' back office: upload, choose the fields, preview, confirm (a job), re-import.

Data layer on both databases. The second territory is the Province d'Al Haouz with synthetic
polygons on real HCP codes (tests/territory/data/).
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from roadmap.core.jobs import BackgroundJob, start_job
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.territory import census, uploads
from roadmap.territory.models import CommuneIndicator, Prefecture
from roadmap.territory.services import Message, import_communes
from tests.conftest import login
from tests.territory.conftest import commune, row_counts

DATA = Path(__file__).parent / "data"
AL_HAOUZ = DATA / "al_haouz_synthetic.geojson"
AL_HAOUZ_CODES = ["ait-ourir", "tahannaout", "amizmiz", "asni", "ourika"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def admin(client, factory):
    """An admin, signed in on ``client``."""
    user = factory.user("admin")
    login(client, user)
    return user


def _features():
    return json.loads(AL_HAOUZ.read_text())


def _upload(client, content: bytes, filename: str = "al_haouz.geojson"):
    return client.post("/admin/territories/upload?lang=en",
                       data={"source": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _token(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.search(r"/admin/territories/uploads/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _uploads() -> set[str]:
    return {entry.name for entry in uploads.folder().iterdir()}


def _confirm(client, token: str, **fields):
    data = {"code": "code", "name_ar": "name_ar", "name_fr": "name_fr",
            "population_2024": "", "population_2014": "", "hcp_code": "hcp_code",
            "prefecture_code": "", **fields}
    return client.post(f"/admin/territories/uploads/{token}/confirm?lang=en", data=data)


def _job_page(client, response):
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "/admin/territories/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"] + "?lang=en")
    assert page.status_code == 200
    return page.get_data(as_text=True)


# -- who may ---------------------------------------------------------------------------------

ROUTES = [("get", "/admin/territories"), ("get", "/admin/territories/upload"),
          ("post", "/admin/territories/upload"), ("get", f"/admin/territories/uploads/{'a' * 32}"),
          ("post", f"/admin/territories/uploads/{'a' * 32}/confirm"),
          ("get", f"/admin/territories/jobs/{'0' * 32}")]


@pytest.mark.parametrize("method, url", ROUTES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["participant", "moderator", "organiser"])
@pytest.mark.parametrize("method, url", ROUTES)
def test_only_admins_may_manage_territories(client, factory, role, method, url):
    login(client, factory.user(role))
    assert getattr(client, method)(url).status_code == 403


def test_the_back_office_lists_the_territories_section(client, admin):
    html = client.get("/admin/territories?lang=en").get_data(as_text=True)
    assert 'href="/admin/territories"' in html and 'aria-current="page"' in html
    assert 'href="/admin/territories/upload"' in html


# -- upload, preview, confirm ----------------------------------------------------------------

def test_upload_preview_then_confirm_writes_communes_and_census(client, admin):
    before = row_counts()
    token = _token(_upload(client, AL_HAOUZ.read_bytes()))
    preview = client.get(f"/admin/territories/uploads/{token}?lang=en")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    for code in AL_HAOUZ_CODES:
        assert f'data-code="{code}"' in html
    assert html.count('data-matched="yes"') == 5
    assert "آيت أورير" in html and "Ait Ourir" in html
    assert "data-territory-preview" in html and "territory-preview.js" in html
    assert '&#34;type&#34;:&#34;FeatureCollection&#34;' in html or "FeatureCollection" in html
    assert format(census.figures("07.041.01.01")[("population", 2024)], ",.0f") in html
    assert row_counts() == before  # nothing written by the preview

    page = _job_page(client, _confirm(client, token))
    assert 'data-state="done"' in page and 'data-created="5"' in page
    assert 'data-matched="5"' in page
    assert "hx-trigger" not in page  # finished: no more polling
    db.session.expire_all()
    counts = row_counts()
    assert counts["commune"] == before["commune"] + 5
    assert counts["prefecture"] == before["prefecture"] + 1
    ait_ourir = commune("ait-ourir")
    assert ait_ourir.prefecture.code == "07.041"
    assert ait_ourir.prefecture.name_fr == "Province d'Al Haouz"
    assert ait_ourir.population_2024 == 56954  # from HCP: the file has no population
    assert ait_ourir.notes == "synthetic polygons, real HCP codes"
    assert db.session.scalar(select(func.count()).select_from(CommuneIndicator)
                             .where(CommuneIndicator.commune_id == ait_ourir.id)) > 10
    assert token not in _uploads()  # the upload is removed once imported
    job = db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == "territory.import"))
    assert job.state == "done" and job.progress == 1.0 and job.created_by_id == admin.id


def test_an_upload_is_read_by_a_server_that_did_not_receive_it(client, admin):
    """The upload is kept in the database: another app server (or the worker) without the
    file in its instance folder previews and imports it all the same."""
    import shutil

    from roadmap.territory.models import TerritoryUpload

    token = _token(_upload(client, AL_HAOUZ.read_bytes()))
    assert db.session.get(TerritoryUpload, token).size == len(AL_HAOUZ.read_bytes())
    shutil.rmtree(uploads.folder() / token)  # this machine never had it
    preview = client.get(f"/admin/territories/uploads/{token}?lang=en")
    assert preview.status_code == 200 and 'data-code="ait-ourir"' in preview.get_data(
        as_text=True)
    shutil.rmtree(uploads.folder() / token)  # nor has the worker
    page = _job_page(client, _confirm(client, token))
    assert 'data-state="done"' in page and 'data-created="5"' in page
    db.session.expire_all()
    assert db.session.get(TerritoryUpload, token) is None  # gone once imported
    assert commune("ait-ourir") is not None


def test_the_index_lists_prefectures_counts_and_consultations(client, admin, factory, imported):
    import_communes(AL_HAOUZ)
    consultation = factory.consultation()
    consultation.prefecture = db.session.scalar(select(Prefecture)
                                                .where(Prefecture.code == "07.041"))
    db.session.flush()
    html = client.get("/admin/territories?lang=en").get_data(as_text=True)
    al_haouz = html[html.index('data-prefecture="07.041"'):]
    al_haouz = al_haouz[:al_haouz.index("</tr>")]
    assert 'data-communes="5"' in al_haouz and 'data-census="5"' in al_haouz
    assert consultation.title in al_haouz
    marrakech = html[html.index('data-prefecture="07.351"'):]
    marrakech = marrakech[:marrakech.index("</tr>")]
    assert 'data-communes="19"' in marrakech and consultation.title not in marrakech


def test_fields_are_chosen_from_the_file_columns(client, admin):
    source = _features()
    for feature in source["features"]:
        props = feature["properties"]
        feature["properties"] = {"slug": props["code"], "nom_ar": props["name_ar"],
                                 "nom_fr": props["name_fr"], "ref_hcp": props["hcp_code"],
                                 "habitants": 1000}
    token = _token(_upload(client, json.dumps(source).encode()))
    first = client.get(f"/admin/territories/uploads/{token}?lang=en")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "data-preview" not in html  # no default column fits
    for column in ("slug", "nom_ar", "nom_fr", "ref_hcp", "habitants"):
        assert f'<option value="{column}">' in html
    fields = {"code": "slug", "name_ar": "nom_ar", "name_fr": "nom_fr",
              "population_2024": "habitants", "hcp_code": "ref_hcp"}
    preview = client.get(f"/admin/territories/uploads/{token}", query_string={
        **fields, "population_2014": "", "prefecture_code": "", "lang": "en"})
    assert preview.status_code == 200 and 'data-code="asni"' in preview.get_data(as_text=True)
    assert row_counts()["commune"] == 0
    _job_page(client, _confirm(client, token, **fields))
    db.session.expire_all()
    assert commune("asni").hcp_code == "07.041.07.03"
    assert commune("asni").population_2024 == 1000


def test_the_defaults_of_the_command_line_are_preselected(client, admin):
    token = _token(_upload(client, AL_HAOUZ.read_bytes()))
    html = client.get(f"/admin/territories/uploads/{token}?lang=en").get_data(as_text=True)
    for name in ("code", "name_ar", "name_fr", "hcp_code"):
        select_html = html[html.index(f'name="{name}"'):]
        select_html = select_html[:select_html.index("</select>")]
        assert f'<option selected value="{name}">' in select_html


def test_a_prefecture_code_for_a_file_without_hcp_codes(client, admin):
    source = _features()
    for feature in source["features"]:
        feature["properties"].pop("hcp_code")
    token = _token(_upload(client, json.dumps(source).encode()))
    refused = client.get(f"/admin/territories/uploads/{token}?lang=en")
    assert refused.status_code == 422
    assert "no HCP code to tell the prefecture" in refused.get_data(as_text=True)
    fields = {"code": "code", "name_ar": "name_ar", "name_fr": "name_fr"}
    preview = client.get(f"/admin/territories/uploads/{token}", query_string={
        **fields, "prefecture_code": "٠٧.٠٤١", "lang": "en"})  # Arabic-Indic digits
    assert preview.status_code == 200, preview.get_data(as_text=True)
    _job_page(client, _confirm(client, token, prefecture_code="07.041", hcp_code=""))
    db.session.expire_all()
    assert commune("ourika").prefecture.code == "07.041"


# -- bad inputs: every problem named, nothing written ----------------------------------------

@pytest.mark.parametrize("content, filename, expected", [
    (b"These are my notes, not geodata.\n", "notes.geojson", "cannot be read as a GIS file"),
    (PNG, "picture.geojson", "cannot be read as a GIS file"),
    (b"", "empty.geojson", "The file is empty."),
    (b'{"type": "FeatureCollection", "features": []}', "none.geojson", "no features"),
    (b"a,b\n1,2\n", "table.csv", "Send a .geojson, .json, .gpkg or .zip"),
])
def test_unreadable_files_are_refused(client, admin, content, filename, expected):
    before, kept = row_counts(), _uploads()
    response = _upload(client, content, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert expected in html
    assert row_counts() == before and _uploads() == kept


def test_a_file_too_large_is_refused(app, client, admin):
    app.config["ROADMAP_TERRITORY_UPLOAD_MAX_MB"] = 0.001  # about 1 KB
    try:
        kept = _uploads()
        response = _upload(client, AL_HAOUZ.read_bytes())
    finally:
        app.config["ROADMAP_TERRITORY_UPLOAD_MAX_MB"] = 50
    assert response.status_code == 422
    assert "The file is larger than 0.001 MB, the limit." in response.get_data(as_text=True)
    assert _uploads() == kept and row_counts()["commune"] == 0


def test_every_problem_of_a_bad_file_is_listed_and_nothing_written(client, admin, imported):
    source = _features()
    features = source["features"]
    features[1]["properties"]["code"] = "ait-ourir"  # duplicate
    features[2]["properties"]["name_ar"] = None  # missing name
    features[3]["geometry"] = {"type": "Point", "coordinates": [-7.98, 31.25]}
    token = _token(_upload(client, json.dumps(source).encode()))
    before = row_counts()
    response = client.get(f"/admin/territories/uploads/{token}?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "duplicate code in field &#39;code&#39;: ait-ourir" in html
    assert "missing name_ar in field &#39;name_ar&#39; for codes: amizmiz" in html
    assert "data-confirm-form" not in html and "data-preview" not in html
    confirmed = _job_page(client, _confirm(client, token))
    assert "duplicate code" in confirmed and "nothing was written" in confirmed
    db.session.expire_all()
    assert row_counts() == before


def test_a_missing_column_is_refused(client, admin):
    source = _features()
    for feature in source["features"]:
        feature["properties"].pop("name_fr")
    token = _token(_upload(client, json.dumps(source).encode()))
    page = client.get(f"/admin/territories/uploads/{token}?lang=en")
    assert page.status_code == 200 and "data-preview" not in page.get_data(as_text=True)
    refused = client.get(f"/admin/territories/uploads/{token}", query_string={
        "code": "code", "name_ar": "name_ar", "name_fr": "name_fr", "lang": "en"})
    assert refused.status_code == 422
    assert "Not a valid choice" in refused.get_data(as_text=True)
    confirm = _confirm(client, token)
    assert confirm.status_code == 422
    assert row_counts()["commune"] == 0
    assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 0


def test_an_unrepairable_geometry_is_refused(client, admin):
    source = _features()
    source["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [
        [[-7.6, 31.5], [-7.7, 31.6], [-7.8, 31.7], [-7.6, 31.5]]]}
    token = _token(_upload(client, json.dumps(source).encode()))
    response = client.get(f"/admin/territories/uploads/{token}?lang=en")
    assert response.status_code == 422
    assert "invalid geometry that cannot be repaired for codes: ait-ourir" in \
        response.get_data(as_text=True)
    assert row_counts()["commune"] == 0


def test_an_unknown_upload_or_job_is_404(client, admin):
    assert client.get(f"/admin/territories/uploads/{'b' * 32}").status_code == 404
    assert client.get("/admin/territories/uploads/..%2F..").status_code == 404
    assert client.post(f"/admin/territories/uploads/{'b' * 32}/confirm").status_code == 404
    assert client.get(f"/admin/territories/jobs/{'0' * 32}").status_code == 404


def test_messages_are_translated_when_a_page_shows_them(app):
    message = Message("duplicate code in field '%(field)s': %(items)s", field="code",
                      items="a, b")
    assert str(message) == "duplicate code in field 'code': a, b"
    with app.test_request_context("/?lang=fr"):
        expected = gettext("duplicate code in field '%(field)s': %(items)s", field="code",
                           items="a, b")
        assert message.__html__() == str(expected).replace("'", "&#39;")


# -- re-import: in place, proposals intact ---------------------------------------------------

def test_reimporting_a_used_territory_updates_it_in_place(client, admin, factory):
    import_communes(AL_HAOUZ)
    prefecture = db.session.scalar(select(Prefecture).where(Prefecture.code == "07.041"))
    consultation = factory.consultation()
    consultation.prefecture = prefecture
    ids = {code: commune(code).id for code in AL_HAOUZ_CODES}
    proposals = {factory.proposal(consultation, commune(code)).id: ids[code]
                 for code in ("ait-ourir", "asni")}
    old_geometry = commune("ait-ourir").geometry
    db.session.flush()

    source = _features()
    feature = source["features"][0]
    ring = feature["geometry"]["coordinates"][0]
    feature["geometry"]["coordinates"][0] = [[x + 0.01, y] for x, y in ring]  # moved east
    for item in source["features"]:
        item["properties"]["population_2024"] = 1234
    token = _token(_upload(client, json.dumps(source).encode()))
    preview = client.get(f"/admin/territories/uploads/{token}?lang=en").get_data(as_text=True)
    assert preview.count(">Updated<") == 5
    page = _job_page(client, _confirm(client, token, population_2024="population_2024"))
    assert 'data-created="0"' in page and 'data-updated="5"' in page
    db.session.expire_all()
    assert {code: commune(code).id for code in AL_HAOUZ_CODES} == ids
    assert commune("ait-ourir").geometry != old_geometry
    assert commune("ait-ourir").population_2024 == 1234
    for proposal_id, commune_id in proposals.items():
        stored = db.session.get(Proposal, proposal_id)
        assert (stored.commune_id, stored.consultation_id) == (commune_id, consultation.id)
        assert stored.commune.prefecture.code == "07.041"
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 2


# -- the second territory beside Marrakech ---------------------------------------------------

def test_both_territories_show_their_census_figures(client, imported):
    import_communes(AL_HAOUZ)
    people = census.figures("07.041.09.05")
    for code, hcp in (("ourika", "07.041.09.05"), ("marrakech-medina", "07.351.01.07")):
        html = client.get(f"/communes/{code}?lang=en").get_data(as_text=True)
        assert "unemployment_rate" in html or "Unemployment" in html
        assert commune(code).prefecture.code == census.prefecture_code(hcp)
    ourika = client.get("/communes/ourika?lang=en").get_data(as_text=True)
    assert format(people[("population", 2024)], ",.0f") in ourika
    rate = next(i for i in commune("ourika").indicators
                if i.key == "unemployment_rate" and i.year == 2024)
    assert f"{rate.value:.1f}%" in ourika
    assert 'data-prefecture' not in ourika  # the public page, not the back office


# -- the job --------------------------------------------------------------------------------

def test_the_job_page_polls_while_running_and_serves_a_fragment(client, admin):
    job = BackgroundJob(id="c" * 32, kind="territory.import", state="running", progress=0.4,
                        payload={})
    db.session.add(job)
    db.session.flush()
    page = client.get(f"/admin/territories/jobs/{job.id}?lang=en").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page and 'value="40"' in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert f'href="/admin/territories/jobs/{job.id}"' in page  # a plain link without JS
    fragment = client.get(f"/admin/territories/jobs/{job.id}", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith("<div id=\"territory-job\"")
    other = BackgroundJob(id="d" * 32, kind="export", state="done", payload={})
    db.session.add(other)
    db.session.flush()
    assert client.get(f"/admin/territories/jobs/{other.id}").status_code == 404


def test_the_job_handler_runs_from_its_payload(app, factory):
    with app.test_request_context():
        token, path = uploads.save_upload(io.BytesIO(AL_HAOUZ.read_bytes()), "al.geojson")
        job = start_job("territory.import", {"path": uploads.relative(path), "fields": {},
                                             "prefecture_code": None, "filename": "al.geojson"})
        db.session.commit()  # a job runs once its transaction commits
    db.session.refresh(job)
    assert job.state == "done", job.error
    assert job.result["created"] == 5 and job.result["census_matched"] == 5
    assert job.result["prefectures"] == ["07.041"]


def _as_geopackage(tmp_path) -> tuple[bytes, str]:
    import geopandas

    path = tmp_path / "al_haouz.gpkg"
    geopandas.read_file(AL_HAOUZ).to_crs("EPSG:26191").to_file(path, driver="GPKG")
    return path.read_bytes(), path.name


def _as_zipped_shapefile(tmp_path) -> tuple[bytes, str]:
    import zipfile

    import geopandas

    folder = tmp_path / "shp"
    folder.mkdir()
    geopandas.read_file(AL_HAOUZ).to_file(folder / "al_haouz.shp", encoding="utf-8")
    path = tmp_path / "al_haouz.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for member in folder.iterdir():
            archive.write(member, member.name)
    return path.read_bytes(), path.name


@pytest.mark.parametrize("build", [_as_geopackage, _as_zipped_shapefile])
def test_a_geopackage_or_a_zipped_shapefile_is_read_the_same_way(client, admin, tmp_path,
                                                                  build):
    content, filename = build(tmp_path)
    token = _token(_upload(client, content, filename))
    preview = client.get(f"/admin/territories/uploads/{token}?lang=en")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert all(f'data-code="{code}"' in html for code in AL_HAOUZ_CODES)
    assert html.count('data-matched="yes"') == 5
    _job_page(client, _confirm(client, token))
    db.session.expire_all()
    assert commune("amizmiz").hcp_code == "07.041.01.03"
    assert commune("amizmiz").min_lon == pytest.approx(-8.2833, abs=1e-3)  # back in lon/lat
