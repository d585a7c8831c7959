"""Locale selection (user, ?lang=, Accept-Language, Arabic), direction, formats and fallbacks."""
from __future__ import annotations

import pytest

from roadmap.core.i18n import localized
from tests.conftest import login


def _html_tag(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index("<html"):html.index(">", html.index("<html")) + 1]


@pytest.mark.parametrize("headers, query, expected", [
    ({}, "", '<html lang="ar" dir="rtl">'),                                   # default: Arabic
    ({"Accept-Language": "fr-FR,fr;q=0.9"}, "", '<html lang="fr" dir="ltr">'),
    ({"Accept-Language": "de-DE,en;q=0.5"}, "", '<html lang="en" dir="ltr">'),
    ({"Accept-Language": "fr"}, "?lang=en", '<html lang="en" dir="ltr">'),    # ?lang= wins
    ({"Accept-Language": "fr"}, "?lang=xx", '<html lang="fr" dir="ltr">'),    # unknown ignored
])
def test_locale_order_for_visitors(client, headers, query, expected):
    assert _html_tag(client.get(f"/{query}", headers=headers)) == expected


def test_the_language_switcher_beats_the_query_and_the_browser(client):
    client.post("/language", data={"language": "fr", "next": "/"})
    response = client.get("/?lang=en", headers={"Accept-Language": "ar"})
    assert _html_tag(response) == '<html lang="fr" dir="ltr">'


def test_a_signed_in_users_preference_comes_first(client, factory):
    user = factory.user(preferred_language="en")
    login(client, user)
    response = client.get("/?lang=ar", headers={"Accept-Language": "fr"})
    assert _html_tag(response) == '<html lang="en" dir="ltr">'


def test_pages_are_translated(client):
    assert "Consultations" in client.get("/?lang=fr").get_data(as_text=True)
    assert "المشاورات" in client.get("/?lang=ar").get_data(as_text=True)


def test_a_language_switcher_is_on_every_page(client):
    for path in ("/", "/communes", "/login", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="language-switcher"' in html, path
        for code in ("ar", "fr", "en"):
            assert f'name="language" value="{code}"' in html, path


@pytest.mark.parametrize("values, language, expected", [
    ({"ar": "ماء", "fr": "Eau", "en": "Water"}, "fr", "Eau"),
    ({"ar": "ماء", "fr": "", "en": "Water"}, "fr", "ماء"),     # fr falls back to ar, then en
    ({"fr": "Eau"}, "ar", "Eau"),
    ({"en": "Water"}, "ar", "Water"),
    ({}, "ar", ""),
    (None, "en", ""),
])
def test_content_falls_back_to_another_language(values, language, expected):
    assert localized(values, language) == expected


def test_numbers_follow_the_locale(app):
    from flask_babel import format_decimal, refresh

    for query, expected in [("?lang=fr", "522\u202f259"), ("?lang=en", "522,259"),
                            ("?lang=ar", "522.259")]:
        with app.test_request_context(f"/{query}"):
            refresh()  # the test's app context outlives each request context
            assert format_decimal(522259) == expected
