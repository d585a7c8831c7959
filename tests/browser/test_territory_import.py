"""An admin imports the second territory (Al Haouz, synthetic polygons) through the web: the
preview map draws its polygons before anything is written, then the import runs."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("playwright")
from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from roadmap.accounts.models import User  # noqa: E402
from roadmap.accounts.services import hash_password  # noqa: E402
from roadmap.extensions import db  # noqa: E402
from roadmap.territory.models import Commune  # noqa: E402
from tests.conftest import make_test_app, serve  # noqa: E402

pytestmark = pytest.mark.browser

AL_HAOUZ = Path(__file__).parent.parent / "territory" / "data" / "al_haouz_synthetic.geojson"
PASSWORD = "a long territory admin passphrase"


@pytest.fixture(scope="module")
def territory_server(tmp_path_factory):
    """A live server of its own (the demo's is shared): an empty database with one admin."""
    folder = tmp_path_factory.mktemp("territory-live")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}", folder / "instance",
                        WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        upgrade()
        db.session.add(User(email="admin@territory.test", display_name="Territory admin",
                            password_hash=hash_password(PASSWORD), role="admin"))
        db.session.commit()
    with serve(app) as base:
        yield app, base


def _communes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Commune))


def test_an_admin_previews_then_imports_a_territory(page: Page, territory_server):
    app, base = territory_server
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/login?lang=fr")
    page.locator("input[name=email]").fill("admin@territory.test")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{base}/admin/territories")
    page.locator("a[data-upload-link]").click()
    page.locator("input[type=file][name=source]").set_input_files(str(AL_HAOUZ))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_url("**/admin/territories/uploads/*")

    map_box = page.locator("#territory-preview-map")
    expect(map_box).to_be_visible()
    expect(map_box.locator("path.leaflet-interactive")).to_have_count(5)
    expect(page.locator("table.preview-table tbody tr")).to_have_count(5)
    expect(page.locator('tr[data-code="asni"] td[lang="ar"]')).to_have_text("اسني")
    assert _communes(app) == 0  # the preview wrote nothing

    page.locator("form[data-confirm-form] button[type=submit]").click()
    page.wait_for_url("**/admin/territories/jobs/*")
    result = page.locator("[data-result]")
    expect(result).to_have_attribute("data-created", "5")
    expect(result).to_have_attribute("data-matched", "5")
    assert _communes(app) == 5
    page.locator("#territory-job a[href='/admin/territories']").click()
    expect(page.locator('tr[data-prefecture="07.041"] td[data-communes]')).to_have_text("5")
    assert errors == []


def test_the_territory_pages_pass_axe_in_arabic(browser, territory_server):
    from tests.browser.test_accessibility import violations

    _app, base = territory_server
    context = browser.new_context(bypass_csp=True)  # lets the injected axe script run
    page = context.new_page()
    try:
        page.goto(f"{base}/login?lang=ar")
        page.locator("input[name=email]").fill("admin@territory.test")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form.stacked button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)
        found = {}
        for name, path in (("index", "/admin/territories"),
                           ("upload", "/admin/territories/upload")):
            found[name] = violations(page, f"{base}{path}?lang=ar", "ar")
        page.goto(f"{base}/admin/territories/upload?lang=ar")
        page.locator("input[type=file][name=source]").set_input_files(str(AL_HAOUZ))
        page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
        page.wait_for_url("**/admin/territories/uploads/*")
        found["preview"] = violations(page, page.url + "?lang=ar", "ar")
        expect(page.locator("#territory-preview-map path.leaflet-interactive")).to_have_count(5)
        page.locator("form[data-confirm-form] button[type=submit]").click()
        page.wait_for_url("**/admin/territories/jobs/*")
        found["job"] = violations(page, page.url + "?lang=ar", "ar")
    finally:
        context.close()
    assert not any(found.values()), found
