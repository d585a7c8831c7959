"""Export pages: the index, downloads (public cacheable, full for organisers only), background
jobs with their progress fragment, and the ``flask export`` command."""
from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from roadmap.core.jobs import BackgroundJob, JobFile, job_by_id
from roadmap.core.models import utcnow
from roadmap.exports import tables
from roadmap.extensions import db
from tests.exports.test_tables import MONITORING_SHEETS
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
    # The tests' queue is immediate: the job runs when the request commits.
    login(client, organiser)
    response = client.post(f"/c/{demo.slug}/exports/jobs",
                           data={"format": "xlsx", "variant": "full"})
    assert response.status_code == 303
    job_url = response.headers["Location"]
    fragment = client.get(job_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith("<div id=\"export-job\"")
    assert 'id="export-file"' in fragment and "every 1s" not in fragment
    job = job_by_id(job_url.rsplit("/", 1)[1])
    assert job.kind == "export" and job.state == "done" and job.created_by_id == organiser.id
    assert job.consultation_id == demo.id and job.payload["variant"] == "full"
    download = client.get(job_url + "/file")
    assert download.headers["Cache-Control"] == "private, no-store"
    assert f'filename="{demo.slug}-full.xlsx"' in download.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == tables.table_names("full") + MONITORING_SHEETS
    assert db.session.get(JobFile, job.id).size == len(download.data)


def _job_row(demo, state: str, **fields) -> BackgroundJob:
    job = BackgroundJob(id=uuid.uuid4().hex, kind="export", state=state, attempts=1,
                        payload={"format": "pdf", "variant": "public", "language": "ar"},
                        consultation_id=demo.id, **fields)
    db.session.add(job)
    db.session.flush()
    return job


def test_running_job_polls_every_second(app, client, demo, organiser):
    login(client, organiser)
    job = _job_row(demo, "running", progress=0.4, started_at=utcnow(), heartbeat_at=utcnow())
    html = client.get(f"/c/{demo.slug}/exports/jobs/{job.id}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in html and 'value="40"' in html
    assert 'data-job-state="running"' in html
    assert client.get(f"/c/{demo.slug}/exports/jobs/{job.id}/file").status_code == 404
    waiting = _job_row(demo, "queued")
    html = client.get(f"/c/{demo.slug}/exports/jobs/{waiting.id}").get_data(as_text=True)
    assert 'data-job-state="queued"' in html and 'hx-trigger="every 1s"' in html


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_a_job_whose_worker_stopped_shows_failed_try_again(app, client, demo, organiser, lang):
    login(client, organiser)
    old = utcnow() - timedelta(hours=1)
    job = _job_row(demo, "running", progress=0.3, started_at=old, heartbeat_at=old)
    html = client.get(f"/c/{demo.slug}/exports/jobs/{job.id}?lang={lang}",
                      headers={"Accept-Language": lang}).get_data(as_text=True)
    assert 'data-job-state="failed"' in html and "every 1s" not in html
    assert f'href="/c/{demo.slug}/exports#export-job-form"' in html  # try again
    with app.test_request_context(headers={"Accept-Language": lang}):
        from flask_babel import force_locale, gettext

        with force_locale(lang):
            message = gettext("The export could not be built. Try again, or tell the "
                              "administrators.")
    assert message in html


def test_a_failed_export_job_offers_no_file(app, client, demo, organiser):
    login(client, organiser)
    job = _job_row(demo, "failed", error="ExportError: The roadmap is not published yet.")
    html = client.get(f"/c/{demo.slug}/exports/jobs/{job.id}").get_data(as_text=True)
    assert 'data-job-state="failed"' in html and 'id="export-retry"' in html
    assert client.get(f"/c/{demo.slug}/exports/jobs/{job.id}/file").status_code == 404


def test_a_job_of_another_consultation_or_kind_is_404(app, client, demo, fresh, organiser):
    login(client, organiser)
    job = _job_row(demo, "done")
    assert client.get(f"/c/{fresh.slug}/exports/jobs/{job.id}").status_code == 404
    job.kind = "mail.send"
    db.session.flush()
    assert client.get(f"/c/{demo.slug}/exports/jobs/{job.id}").status_code == 404


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
