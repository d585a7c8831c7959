"""The communes list and a commune's page, in Arabic (right to left), French and English."""
from __future__ import annotations

from babel.numbers import format_decimal, format_percent

from tests.territory.conftest import commune


def _page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_communes_list_in_arabic(client, imported):
    status, html = _page(client, "/communes?lang=ar")
    assert status == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "مراكش المدينة" in html and "حربيل" in html
    assert format_decimal(81103, locale="ar_MA") in html
    assert html.count('href="/communes/') == 19
    assert "© OpenStreetMap contributors" in html


def test_communes_list_in_french(client, imported):
    status, html = _page(client, "/communes?lang=fr")
    assert status == 200
    assert '<html lang="fr" dir="ltr">' in html
    assert "Marrakech-Médina" in html and "مراكش المدينة" not in html
    assert format_decimal(522259, locale="fr_MA") in html  # Ménara
    assert format_decimal(287.3, "#,##0.0", locale="fr_MA") in html  # Harbil's area


def test_communes_list_without_communes(client):
    status, html = _page(client, "/communes?lang=en")
    assert status == 200 and "No commune has been imported yet." in html


def test_commune_page_in_arabic(client, imported):
    status, html = _page(client, "/communes/marrakech-medina?lang=ar")
    assert status == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>مراكش المدينة</h1>" in html
    assert "Marrakech-Médina" in html  # the French name is shown too
    for population in (81103, 120643):
        assert format_decimal(population, locale="ar_MA") in html
    assert format_percent(0.263, "#,##0.0%", locale="ar_MA") in html  # unemployment 2024
    assert "© OpenStreetMap contributors" in html and "HCP" in html


def test_commune_page_in_french_shows_every_indicator(client, imported):
    status, html = _page(client, "/communes/ouled-dlim?lang=fr")
    assert status == 200
    assert "<h1>Ouled Dlim</h1>" in html and "أولاد دليم" in html
    assert "Rural commune" in html or "Commune rurale" in html
    stored = commune("ouled-dlim").indicators
    # 23 for both sexes, then the women's share (2024) and six rates by sex (2014 and 2024)
    assert len(stored) == 23 + 1 + 6 * 2
    for indicator in stored:
        assert f'id="commune-{indicator.commune_id}-indicator-{indicator.key}"' in html
        assert indicator.source in html
    assert format_percent(0.889, "#,##0.0%", locale="fr_MA") in html  # running water 2024
    assert format_decimal(1.5, "#,##0.0", locale="fr_MA") in html  # km to a paved road
    assert "HCP, RGPH 2014 (https://www.hcp.ma/file/230042/)" in html
    assert format_percent(0.518, "#,##0.0%", locale="fr_MA") in html  # women's illiteracy 2024


def test_commune_page_says_which_figures_hcp_does_not_publish(client, imported):
    status, html = _page(client, "/communes/marrakech-gueliz?lang=en")
    assert status == 200
    assert "Not published by HCP for this unit:" in html
    assert "Average distance to a paved road (2024, 2014)" in html


def test_unknown_commune_is_404(client, imported):
    status, html = _page(client, "/communes/atlantis?lang=ar")
    assert status == 404 and '<html lang="ar" dir="rtl">' in html


def test_communes_list_in_english_uses_the_french_names(client, imported):
    status, html = _page(client, "/communes?lang=en")
    assert status == 200 and '<html lang="en" dir="ltr">' in html
    assert 'lang="fr">Sidi Youssef Ben Ali</a>' in html
    assert "Arrondissement" in html and "Rural commune" in html
