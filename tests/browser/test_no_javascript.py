"""The main journeys with JavaScript disabled: plain links, GET filters and POST forms.

Switch language, browse the list with a filter, open a proposal, log in, support it, comment,
and submit a proposal choosing its commune in the select.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from roadmap.demo import SLUG
from tests.browser.helpers import PASSWORDS

PROPOSAL = re.compile(rf".*/c/{SLUG}/proposals/\d+$")


@pytest.fixture
def page(browser):
    """A page in a browser context with JavaScript turned off."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def test_scripts_really_are_off(page: Page, live_server):
    page.goto(f"{live_server}/")
    assert page.evaluate("() => 1") == 1  # Playwright's own world still runs...
    page.set_content("<p id=p>x</p><script>document.getElementById('p').textContent='y'</script>")
    expect(page.locator("#p")).to_have_text("x")  # ...but the page's scripts do not


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill("participant@demo.roadmap.test")
    page.locator("input[name=password]").fill(PASSWORDS["participant"])
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("header form[action$='/logout']")).to_have_count(1)


def _supportable_proposal(page: Page, base: str) -> None:
    """Open proposals from the list until one offers the Support button."""
    hrefs = page.locator(".proposal-card h3 a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    for href in hrefs[:10]:
        page.goto(f"{base}{href}")
        if page.locator("main .vote-form button[aria-pressed=false]").count():
            return
    raise AssertionError("no proposal to support on the first page")


def test_switch_language_filter_open_log_in_support_comment(page: Page, live_server):
    page.goto(f"{live_server}/")
    page.locator('.language-switcher button[value="fr"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.goto(f"{live_server}/c/{SLUG}/proposals")
    axis = page.locator("#filter-axis option").nth(1)
    page.locator("#filter-axis").select_option(axis.get_attribute("value"))
    page.get_by_role("button", name="Afficher les propositions").click()
    expect(page).to_have_url(re.compile(r"axis=" + axis.get_attribute("value")))
    page.locator(".proposal-card h3 a").first.click()
    expect(page).to_have_url(PROPOSAL)

    _log_in(page, live_server)
    page.goto(f"{live_server}/c/{SLUG}/proposals")
    _supportable_proposal(page, live_server)
    url = page.url
    page.locator("main .vote-form button[aria-pressed=false]").click()
    expect(page).to_have_url(url)
    expect(page.locator("main .vote-form button[aria-pressed=true]")).to_be_visible()

    text = f"Sans JavaScript, commentaire {uuid.uuid4().hex[:6]}"
    page.locator("form.comment-form textarea").first.fill(text)
    page.locator("form.comment-form button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text(text)


def test_submit_a_proposal_choosing_the_commune_in_the_select(page: Page, live_server):
    _log_in(page, live_server)
    page.goto(f"{live_server}/c/{SLUG}/proposals/new")
    title = f"Éclairage public solaire {uuid.uuid4().hex[:6]}"
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=body]").fill("Des lampadaires solaires le long de la piste "
                                             "qui mène à l'école, pour rentrer en sécurité.")
    page.locator("select[name=axis_id]").select_option(index=1)
    commune = page.locator("select[name=commune_id] option").nth(1)
    page.locator("select[name=commune_id]").select_option(commune.get_attribute("value"))
    page.locator("form.proposal-form > button[type=submit]").click()
    if "/proposals/new" in page.url:  # similar proposals were shown: confirm
        page.locator("form.proposal-form > button[type=submit]").click()
    expect(page).to_have_url(PROPOSAL)
    expect(page.locator("h1")).to_contain_text(title)
