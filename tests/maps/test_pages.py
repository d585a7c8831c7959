"""The consultation's map page (ar and fr) and the printable PNG maps."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from roadmap.extensions import db
from roadmap.maps import static_maps
from tests.maps.conftest import publish_roadmap

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang, direction, heading, supports", [
    ("ar", "rtl", "المقترحات", "الدعم"), ("fr", "ltr", "Propositions", "Soutiens")])
def test_map_page_in_each_language(client, demo, lang, direction, heading, supports):
    response = client.get(f"/c/{demo.slug}/map", query_string={"lang": lang})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<h2 id="legend-title">{heading}</h2>' in html  # the legend, translated
    assert re.search(r'<option value="supports"\s*>' + supports + "</option>", html)
    table = html[html.index('<table class="map-figures"'):html.index("</table>")]
    assert table.count('<tr id="figures-') == 19  # the text alternative: every commune
    assert 'data-consultation-map' in html and "leaflet.markercluster.js" in html
    assert "<script>" not in html  # no inline script


def test_measure_and_filters_are_a_get_form(client, demo):
    html = client.get(f"/c/{demo.slug}/map", query_string={
        "lang": "fr", "measure": "no_running_water", "axis": "water",
        "status": "withdrawn"}).get_data(as_text=True)
    assert '<form method="get"' in html
    assert re.search(r'<option value="no_running_water"\s+selected>', html)
    assert re.search(r'<option value="water"\s+selected>', html)
    assert re.search(r'<option value="withdrawn"\s+selected>', html)
    assert "communes.png?measure=no_running_water" in html
    fallback = client.get(f"/c/{demo.slug}/map", query_string={"measure": "nonsense"})
    assert fallback.status_code == 200
    assert re.search(r'<option value="proposals"\s+selected>',
                     fallback.get_data(as_text=True))


def test_table_shows_the_census_measure(client, factory):
    from roadmap.territory.models import CommuneIndicator

    consultation = factory.consultation()
    commune = factory.commune("water-test")
    for year, value in ((2014, 80.0), (2024, 92.5)):
        db.session.add(CommuneIndicator(commune=commune, key="running_water", year=year,
                                        value=value, unit="percent", source="HCP"))
    db.session.flush()
    html = client.get(f"/c/{consultation.slug}/map", query_string={
        "lang": "fr", "measure": "no_running_water"}).get_data(as_text=True)
    row = html[html.index('<tr id="figures-water-test">'):]
    row = row[:row.index("</tr>")]
    assert "7,5" in row  # 100 - 92.5, the latest census, in French notation


def test_map_page_links_the_roadmap_only_once_published(client, factory):
    consultation = factory.consultation()
    commune = factory.commune()
    url = f"/c/{consultation.slug}/map"
    assert "data-roadmap-url" not in client.get(url).get_data(as_text=True)
    publish_roadmap(consultation, factory.user("organiser"), [
        {"rank": 1, "axis": consultation.axes[0], "title_i18n": {"fr": "Item"},
         "communes": [commune]}])
    html = client.get(url).get_data(as_text=True)
    assert f'data-roadmap-url="/api/v1/roadmaps/{consultation.slug}.geojson"' in html
    assert client.get("/c/nowhere/map").status_code == 404


def _is_png(body: bytes) -> Image.Image:
    assert body.startswith(PNG_SIGNATURE) and len(body) > 10_000
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_communes_png(client, demo, lang):
    response = client.get(f"/c/{demo.slug}/map/communes.png",
                          query_string={"measure": "participants_per_1000", "lang": lang})
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = _is_png(response.data)
    assert image.width > 500 and image.height > 500
    again = client.get(f"/c/{demo.slug}/map/communes.png",
                       query_string={"measure": "participants_per_1000", "lang": lang},
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_roadmap_png_only_once_published(client, factory):
    consultation = factory.consultation()
    communes = [factory.commune(lon=-8.0 + 0.1 * i, size=0.1) for i in range(3)]
    assert client.get(f"/c/{consultation.slug}/map/roadmap.png").status_code == 404
    publish_roadmap(consultation, factory.user("organiser"), [
        {"rank": 1, "axis": consultation.axes[0], "title_i18n": {"fr": "Item"},
         "communes": communes[:2]}])
    response = client.get(f"/c/{consultation.slug}/map/roadmap.png")
    assert response.status_code == 200
    _is_png(response.data)


def test_static_map_functions_return_png_bytes(app, demo, factory):
    from roadmap.maps.queries import published_snapshot

    with app.test_request_context("/"):
        for body in (static_maps.communes_png(demo, "supports", "ar"),
                     static_maps.communes_png(demo, "no_running_water", "fr")):
            _is_png(body)
        assert published_snapshot(demo.id) is not None  # the demo publishes its roadmap
        _is_png(static_maps.roadmap_png(demo, "ar"))
        assert static_maps.roadmap_png(factory.consultation(), "fr") is None


def test_arabic_reaches_matplotlib_in_logical_order():
    # matplotlib 3.11 shapes and orders Arabic itself: text reshaped into presentation forms
    # beforehand came out reversed with broken letters on the printed maps.
    assert static_maps.shaped("مراكش", "ar") == "مراكش"
    assert not any("\ufb50" <= char <= "\ufeff" for char in static_maps.shaped("مراكش", "ar"))
    assert static_maps.shaped("Marrakech", "fr") == "Marrakech"
