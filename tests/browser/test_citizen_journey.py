"""The citizens' journey in Chromium, in Arabic and in French.

A citizen registers and submits a proposal by clicking its location on the map; a second citizen
finds it by searching a word of it, supports it and comments, and the counts change without a
reload of the page.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from roadmap.demo import SLUG
from tests.browser.helpers import confirm_address

PASSWORD = "a long passphrase for the journey"

TEXTS = {
    "ar": {"title": "إصلاح ساقية الدوار رقم {n}", "search": "ساقيه {n}",
           "body": "الساقية مهدمة منذ سنوات والفلاحون يحتاجون إلى ماء السقي.",
           "comment": "أوافق تماما، هذا ضروري للفلاحين.", "supports": "دعم"},
    "fr": {"title": "Réhabiliter la séguia du douar numéro {n}", "search": "seguia {n}",
           "body": "La séguia est détruite depuis des années et les agriculteurs manquent d'eau.",
           "comment": "Tout à fait d'accord, c'est urgent pour les agriculteurs.",
           "supports": "soutien"},
}


def _register_and_log_in(page: Page, app, base: str, lang: str, name: str) -> None:
    """Register, confirm the address with the mailed link, then log in."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(f"{base}/register?lang={lang}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=display_name]").fill(name)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=confirm]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login"))
    confirm_address(page, app, email)
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("header")).to_contain_text(name)


def _log_out(page: Page) -> None:
    page.locator("header form[action$='/logout'] button").click()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_propose_on_the_map_then_find_support_and_comment(page: Page, live_app, live_server,
                                                           lang):
    texts = TEXTS[lang]
    number = uuid.uuid4().int % 100000
    title = texts["title"].format(n=number)

    # A first citizen registers and proposes, placing the proposal on the map.
    _register_and_log_in(page, live_app, live_server, lang, "Amina")
    page.goto(f"{live_server}/c/{SLUG}/proposals/new")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=body]").fill(texts["body"])
    page.locator("select[name=axis_id]").select_option(index=1)
    map_box = page.locator("#proposal-map")
    expect(map_box).to_be_visible()
    page.wait_for_function("document.querySelectorAll('#proposal-map path').length > 0")
    map_box.click()  # the middle of the map: central Marrakech
    expect(page.locator("input[name=latitude]")).not_to_have_value("")
    expect(page.locator("#location-status")).not_to_be_empty()
    assert page.locator("select[name=commune_id]").input_value() != ""
    page.locator("form.proposal-form > button[type=submit]").click()
    if page.locator("form.proposal-form").count():  # similar proposals were shown: publish
        page.locator("form.proposal-form > button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(title)
    proposal_url = page.url
    _log_out(page)

    # A second citizen finds it by searching a word of it (Arabic-aware), without a reload.
    _register_and_log_in(page, live_app, live_server, lang, "Youssef")
    page.goto(f"{live_server}/c/{SLUG}/proposals")
    page.evaluate("window.__sameDocument = true")
    page.locator("#filter-q").fill(texts["search"].format(n=number))
    link = page.get_by_role("link", name=title)
    expect(link).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    link.click()
    assert page.url == proposal_url

    # Supporting and commenting update the counts in place.
    page.evaluate("window.__sameDocument = true")
    supports = page.locator(".supports-count").first
    before = supports.inner_text()
    page.locator(".vote-box form button.vote-button").first.click()
    expect(page.locator(".vote-button.is-voted").first).to_be_visible()
    expect(supports).not_to_have_text(before)
    comments = page.locator(".comments-count").first
    comments_before = comments.inner_text()
    page.locator("form.comment-form textarea").first.fill(texts["comment"])
    page.locator("form.comment-form button[type=submit]").first.click()
    expect(page.get_by_text(texts["comment"])).to_be_visible()
    expect(comments).not_to_have_text(comments_before)
    assert page.evaluate("window.__sameDocument") is True
