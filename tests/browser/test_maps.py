"""The map in Chromium: the consultation's map in Arabic (a commune's figures in a popup,
proposals as markers) and placing a proposal on the map of the proposal form."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

from roadmap.demo import SLUG  # noqa: E402

pytestmark = pytest.mark.browser


def test_map_in_arabic_shows_a_communes_figures(page: Page, live_server):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/c/{SLUG}/map?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    communes = page.locator("path[data-commune]")
    expect(communes).to_have_count(19)
    code = "agafay"
    expected = page.locator(f"#figures-{code} td").first.inner_text()
    # Leaflet listens on the map container: a click event bubbling from the commune's path.
    page.locator(f'path[data-commune="{code}"]').dispatch_event("click")
    popup = page.locator(".leaflet-popup-content .map-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("أكفاي")
    expect(popup.locator('[data-figure="proposals"]')).to_have_text(expected)
    expect(popup.locator("dt").first).to_have_text("المقترحات")
    # Proposals of the visible area, clustered (fetched again when the popup pans the map: on
    # a loaded CI machine that can take longer than the default 5 s).
    expect(page.locator(".marker-cluster, .leaflet-marker-icon").first).to_be_visible(
        timeout=20_000)
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    assert errors == []


def test_place_a_proposal_on_the_map(page: Page, live_server):
    page.goto(f"{live_server}/login?lang=fr")
    page.locator("input[name=email]").fill("participant@demo.roadmap.test")
    page.locator("input[name=password]").fill("demo-participant-password")
    page.locator("form.stacked button[type=submit]").click()
    page.goto(f"{live_server}/c/{SLUG}/proposals/new?lang=fr")
    picker = page.locator("#proposal-map")
    expect(picker).to_be_visible()
    expect(picker.locator("path.leaflet-interactive, path").first).to_be_attached()
    page.wait_for_timeout(300)  # let fitBounds settle
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(page.locator("#latitude")).to_have_value(re.compile(r"^3[12]\.\d+$"))
    expect(page.locator("#commune_id")).not_to_have_value("")
    expect(page.locator("#location-status")).not_to_be_empty()
    chosen = page.locator("#commune_id option:checked").inner_text()
    assert chosen.strip()


def test_commune_and_proposal_pages_show_their_maps(page: Page, live_server):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/c/{SLUG}/communes/agafay?lang=fr")
    commune_map = page.locator("[data-commune-map]")
    expect(commune_map).to_be_visible()
    expect(commune_map.locator("path").first).to_be_attached()
    # With a visible area, features carry their title and URL (the whole prefecture: ids only).
    located = page.request.get(f"{live_server}/api/v1/proposals.geojson?consultation={SLUG}"
                               "&bbox=-8.5,31.3,-7.6,32.2")
    features = located.json()["features"]
    assert features, "the demo has located proposals"
    page.goto(live_server + features[0]["properties"]["url"] + "?lang=fr")
    expect(page.locator("[data-proposal-map] .leaflet-marker-icon")).to_be_visible()
    assert errors == []
