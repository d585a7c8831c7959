"""The organisers' workbench in Chromium: draw an item's area on the map by clicking, move an
item with htmx (no reload), publish, and read the public roadmap in Arabic."""
from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade

from roadmap.extensions import db
from tests.conftest import Factory, make_test_app, serve
from tests.roadmaps.conftest import fabricated_run

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "a long passphrase for tests"


@pytest.fixture(scope="module")
def roadmap_site(tmp_path_factory):
    """A served app (CSRF on) with a drafted roadmap of three items and an organiser."""
    from roadmap.roadmaps import services

    folder = tmp_path_factory.mktemp("roadmaps-live")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}", folder / "instance",
                        WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context(), app.test_request_context():
        upgrade()
        factory = Factory()
        consultation = factory.consultation("roadmap")
        a = factory.commune(lon=-8.0, lat=31.6, size=0.2)
        b = factory.commune(lon=-7.8, lat=31.6, size=0.2)
        organiser = factory.user("organiser", email="organiser@example.org", password=PASSWORD,
                                 display_name="Organiser", preferred_language="fr")
        proposals = [factory.proposal(consultation, commune, organiser, title=title)
                     for commune, title in ((a, "Dispensaire du douar"), (b, "Piste rurale"),
                                            (a, "Forage du village"))]
        run = fabricated_run(consultation, {"employment": [p.id for p in proposals]})
        roadmap = services.draft_from_run(consultation, run, organiser)
        db.session.commit()
        ids = {item.proposals[0].title: item.id for item in roadmap.items}
        slug = consultation.slug
    with serve(app) as base:
        yield base, slug, ids


def _log_in(page: Page, base: str):
    page.goto(f"{base}/login?lang=fr")
    page.locator("input[name=email]").fill("organiser@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").click()


def test_draw_move_publish_and_read(page: Page, roadmap_site):
    base, slug, ids = roadmap_site
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _log_in(page, base)
    item_id = ids["Dispensaire du douar"]
    page.goto(f"{base}/c/{slug}/roadmap/draft/items/{item_id}")
    area = page.locator("#roadmap-area-map")
    expect(area).to_be_visible()
    expect(area.locator("path").first).to_be_attached()
    page.wait_for_timeout(300)  # let fitBounds settle
    page.locator(".roadmap-area-tools button").nth(2).click()  # Polygon
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    for dx, dy in ((0.45, 0.45), (0.55, 0.45), (0.5, 0.55)):
        area.click(position={"x": box["width"] * dx, "y": box["height"] * dy})
    expect(page.locator("#geometry")).to_have_value(re.compile(r'^\{"type":"Polygon"'))
    page.get_by_role("button", name="Enregistrer le projet").click()  # the organiser reads French
    expect(page.locator(".flashes")).to_be_visible()
    expect(page.locator("#geometry")).to_have_value(re.compile("Polygon"))

    page.goto(f"{base}/c/{slug}/roadmap/draft")
    page.evaluate("window.__not_reloaded = true")
    road = ids["Piste rurale"]
    page.locator(f"#rank-{road}").fill("1")
    page.locator(f"#justification-{road}").fill("La piste dessert le dispensaire")
    page.locator(f"#roadmap_item-{road} button[type=submit]").click()
    expect(page.locator("#draft-items h3").first).to_contain_text("Piste rurale")
    assert page.evaluate("window.__not_reloaded") is True

    page.goto(f"{base}/c/{slug}/roadmap/publish")
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.locator("#roadmap-not-published")).to_have_count(0)
    page.context.clear_cookies()  # a visitor: the organiser's language choice no longer applies
    page.goto(f"{base}/c/{slug}/roadmap?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".roadmap-item").first).to_contain_text("Piste rurale")
    expect(page.locator(".roadmap-override").first).to_contain_text("dessert le dispensaire")
    assert errors == []
