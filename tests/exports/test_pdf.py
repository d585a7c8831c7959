"""The roadmap document: a PDF in Arabic (RTL, shaped) and in French, checked with poppler."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.exports.conftest import publish_small_roadmap


BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                    "\u2066\u2067\u2068\u2069"))


def _pdftotext(path) -> str:
    """The PDF's text in logical order, without the directional marks poppler adds."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return " ".join(text.translate(BIDI_MARKS).split())


@pytest.fixture
def published(fresh, factory):
    return publish_small_roadmap(fresh, factory.user("organiser"))


def test_arabic_pdf_has_the_title_in_logical_order_and_renders(client, fresh, published,
                                                                tmp_path):
    response = client.get(f"/c/{fresh.slug}/exports/roadmap-ar.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"].startswith("public")
    path = tmp_path / "roadmap-ar.pdf"
    path.write_bytes(response.data)
    extracted = _pdftotext(path)
    # (pdftotext splits the lam-alef ligature: the words checked here have none.)
    for words in ("استشارة تنمية الجماعات القروية", "مشروع ذو أولوية", "بناء مدرسة جماعاتية",
                  "تزويد الدواوير بالماء", "OpenStreetMap"):
        assert words in extracted, words
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "3", str(path),
                    str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    if os.environ.get("ROADMAP_KEEP_PDF"):  # to look at the pages by eye
        shutil.copytree(tmp_path, os.environ["ROADMAP_KEEP_PDF"], dirs_exist_ok=True)
    assert len(pages) == 3 and all(p.stat().st_size > 2000 for p in pages)


def test_french_pdf_and_cli(runner, fresh, published, tmp_path):
    out = tmp_path / "roadmap-fr.pdf"
    result = runner.invoke(args=["export", "pdf", fresh.slug, "--lang", "fr", "-o", str(out)])
    assert result.exit_code == 0, result.output
    extracted = _pdftotext(out)
    assert "Consultation des communes rurales" in extracted
    assert "Projet prioritaire 1" in extracted and "HCP" in extracted


def test_no_pdf_before_publication(client, fresh):
    assert client.get(f"/c/{fresh.slug}/exports/roadmap-ar.pdf").status_code == 404


def test_demo_pdf_shows_the_method_of_its_consolidation_run(client, demo, tmp_path):
    from roadmap.roadmaps.queries import roadmap_of

    roadmap = roadmap_of(demo)
    if roadmap is None or roadmap.published is None or roadmap.run_id is None:
        pytest.skip("the demo has no published roadmap from a consolidation run")
    path = tmp_path / "demo-fr.pdf"
    path.write_bytes(client.get(f"/c/{demo.slug}/exports/roadmap-fr.pdf").data)
    extracted = _pdftotext(path)
    assert "roadmap-consolidation/1" in extracted
    assert "Programme de développement territorial intégré" in extracted
