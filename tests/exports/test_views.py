"""Export pages: the index, downloads (public cacheable, full for organisers only), background
jobs with their progress fragment, and the ``flask export`` command."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from roadmap.exports import tables
from tests.conftest import login


def test_index_links_public_downloads_and_hides_organiser_ones(client, demo):
    html = client.get(f"/c/{demo.slug}/exports").get_data(as_text=True)
    assert f"/c/{demo.slug}/exports/consultation.xlsx" in html
    assert f"/c/{demo.slug}/exports/roadmap-ar.pdf" in html
    assert "consultation-full.xlsx" not in html and 'id="export-job-form"' not in html


def test_organisers_see_full_exports_and_the_job_form(client, demo, organiser):
    login(client, organiser)
    html = client.get(f"/c/{demo.slug}/exports").get_data(as_text=True)
    assert "consultation-full.xlsx" in html and 'id="export-job-form"' in html


@pytest.mark.parametrize("name", ["consultation.xlsx", "tables.zip", "proposals.csv",
                                  "roadmap.geojson"])
def test_public_downloads_are_cacheable(client, demo, name):
    response = client.get(f"/c/{demo.slug}/exports/{name}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("name", ["consultation-full.xlsx", "tables-full.zip",
                                  "audit_log-full.csv"])
def test_full_downloads_are_for_organisers_only(client, demo, factory, organiser, name):
    url = f"/c/{demo.slug}/exports/{name}"
    assert client.get(url).status_code == 403
    login(client, factory.user("moderator"))
    assert client.get(url).status_code == 403
    login(client, organiser)
    response = client.get(url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("name", ["nothing.xlsx", "audit_log.csv", "proposals-full.geojson",
                                  "consultation.exe", "roadmap-en.pdf"])
def test_unknown_download_names_are_404(client, demo, name):
    assert client.get(f"/c/{demo.slug}/exports/{name}").status_code == 404


def test_job_runs_and_its_page_links_the_file(app, client, demo, organiser):
    app.config["EXPORT_JOBS_THREADED"] = False  # the thread's work, done in the request
    try:
        login(client, organiser)
        response = client.post(f"/c/{demo.slug}/exports/jobs",
                               data={"format": "xlsx", "variant": "full"})
        assert response.status_code == 303
        job_url = response.headers["Location"]
        fragment = client.get(job_url, headers={"HX-Request": "true"}).get_data(as_text=True)
        assert fragment.lstrip().startswith("<div id=\"export-job\"")
        assert 'id="export-file"' in fragment and "every 1s" not in fragment
        download = client.get(job_url + "/file")
        book = load_workbook(io.BytesIO(download.data))
        download.close()
        assert book.sheetnames == tables.table_names("full")
    finally:
        app.config["EXPORT_JOBS_THREADED"] = True


def test_running_job_polls_every_second(app, client, demo, organiser):
    from roadmap.exports import services

    login(client, organiser)
    state = {"id": "a" * 32, "slug": demo.slug, "format": "pdf", "variant": "public",
             "language": "ar", "progress": 40, "state": "running", "file": None, "error": None}
    (services.exports_folder() / f"{'a' * 32}.json").write_text(json.dumps(state))
    html = client.get(f"/c/{demo.slug}/exports/jobs/{'a' * 32}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in html and 'value="40"' in html
    assert client.get(f"/c/{demo.slug}/exports/jobs/{'a' * 32}/file").status_code == 404


def test_jobs_are_for_organisers_and_bad_input_is_refused(client, demo, organiser):
    url = f"/c/{demo.slug}/exports/jobs"
    assert client.post(url, data={"format": "xlsx"}).status_code == 403
    login(client, organiser)
    assert client.post(url, data={"format": "exe"}).status_code == 400
    assert client.get(f"/c/{demo.slug}/exports/jobs/../../etc").status_code == 404
    assert client.get(f"/c/{demo.slug}/exports/jobs/{'b' * 32}").status_code == 404


def test_cli_exports_every_format(runner, demo, tmp_path):
    for fmt, name in (("xlsx", "a.xlsx"), ("csv", "a.zip"), ("geojson", "a.geojson"),
                      ("gpkg", "a.gpkg")):
        result = runner.invoke(args=["export", fmt, demo.slug, "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 0
    result = runner.invoke(args=["export", "csv", demo.slug, "--full", "-o",
                                 str(tmp_path / "full.zip")])
    assert result.exit_code == 0
    names = zipfile.ZipFile(tmp_path / "full.zip").namelist()
    assert "audit_log.csv" in names
    assert "audit_log.csv" not in zipfile.ZipFile(tmp_path / "a.zip").namelist()
    assert runner.invoke(args=["export", "xlsx", "no-such-slug"]).exit_code != 0


def test_cli_refuses_the_pdf_before_publication(runner, fresh, tmp_path):
    missing = runner.invoke(args=["export", "pdf", fresh.slug, "-o", str(tmp_path / "x.pdf")])
    assert missing.exit_code != 0 and "not published" in missing.output, missing.output


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_pages_render_in_each_language(client, demo, organiser, lang):
    login(client, organiser)
    for url in (f"/c/{demo.slug}/exports?lang={lang}", f"/c/{demo.slug}/dashboard?lang={lang}"):
        response = client.get(url, headers={"Accept-Language": lang})
        assert response.status_code == 200
        assert f'<html lang="{lang}"' in response.get_data(as_text=True)[:200]
