"""The monitoring page in Arabic in the browser: right to left, charts with their tables, and the
organisers' flags; a screenshot for the eye (/tmp/monitoring-ar.png)."""
from __future__ import annotations

from roadmap.demo import SLUG
from tests.browser.helpers import log_in, set_language


def test_monitoring_page_in_arabic(page, live_server):
    set_language(page, live_server, "ar")
    page.goto(f"{live_server}/c/{SLUG}/monitoring")
    assert page.locator("html").get_attribute("dir") == "rtl"
    section = page.locator("section#participation")
    assert section.locator("h2").is_visible()
    assert section.locator("figure.percent-chart svg").count() == 5
    assert page.locator("#gender-flags").count() == 0            # the public sees no flags
    # A chart's table opens without JavaScript (a <details>) and is read right to left.
    chart = page.locator("#chart-women-participants")
    chart.locator("summary").click()
    table = page.locator("#chart-women-participants-table")
    assert table.is_visible()
    assert table.evaluate("t => getComputedStyle(t).direction") == "rtl"
    # The commune labels sit at the right of the bars: the label's x beyond the bar's.
    label_x = chart.locator("svg text").first.evaluate("t => t.getBBox().x")
    bar_x = chart.locator("svg rect").first.evaluate("r => r.getBBox().x")
    assert label_x > bar_x
    page.set_viewport_size({"width": 1100, "height": 1600})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path="/tmp/monitoring-ar.png", full_page=False)


def test_organisers_see_the_flags_in_arabic(page, live_server):
    log_in(page, live_server, "organiser")
    set_language(page, live_server, "ar")
    page.goto(f"{live_server}/c/{SLUG}/monitoring")
    assert page.locator("#exact-figures").is_visible()
    flags = page.locator("#gender-flags")
    assert flags.is_visible()
    assert flags.locator(f'a[href="/c/{SLUG}/workshops/new"]').count() == 1
    page.screenshot(path="/tmp/monitoring-ar-organiser.png", full_page=False)


def test_monitoring_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="ar")
    page = context.new_page()
    response = page.goto(f"{live_server}/c/{SLUG}/monitoring?lang=ar")
    assert response.status == 200
    page.locator("#chart-women-workshops summary").click()
    assert page.locator("#chart-women-workshops-table").is_visible()
    context.close()
