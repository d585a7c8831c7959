"""Going live in Chromium, in Arabic, from an empty database (issue: go live).

An admin (made with the command line's service, as the README says) imports the Prefecture of
Marrakech from an uploaded file, invites an organiser (the link read from the outbox); the
organiser accepts, creates a draft consultation with the national axes, renames one, adds one,
previews it while anonymous visitors get 404, publishes it, and a citizen then proposes in it.
"""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from roadmap.accounts.services import create_admin
from roadmap.consultations.models import Consultation
from roadmap.consultations.phases import today
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from tests.browser.helpers import confirm_address
from tests.conftest import DATA, make_test_app, serve

pytestmark = pytest.mark.browser

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@prefecture.example.org", "a long admin passphrase here"
ORGANISER_PASSWORD = "كلمة مرور طويلة للمنظمة"
CITIZEN_PASSWORD = "a long passphrase for the citizen"
SLUG = "marrakech-2027"


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    """A live server on an empty, migrated database with one admin; yields (app, base URL)."""
    folder = tmp_path_factory.mktemp("go-live")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}", folder / "instance",
                        WTF_CSRF_ENABLED=True, TESTING=False, ROADMAP_TASK_QUEUE="immediate")
    with app.app_context():
        upgrade()
        create_admin(ADMIN_EMAIL, "مدير المنصة", ADMIN_PASSWORD)
        db.session.commit()
    with serve(app) as base:
        yield app, base


def _log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login?lang=ar")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _log_out(page: Page) -> None:
    page.locator("header form[action$='/logout'] button").click()
    page.wait_for_load_state()


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _admin_imports_marrakech(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/territories?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("a[data-upload-link]").click()
    page.locator("input[type=file][name=source]").set_input_files(
        str(DATA / "marrakech_communes.geojson"))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_url("**/admin/territories/uploads/*")
    expect(page.locator("#territory-preview-map path.leaflet-interactive")).to_have_count(19)
    expect(page.locator("tr[data-code='harbil'] td[lang='ar']")).to_have_text("حربيل")
    page.locator("form[data-confirm-form] button[type=submit]").click()
    page.wait_for_url("**/admin/territories/jobs/*")
    expect(page.locator("[data-result]")).to_have_attribute("data-created", "19")


def _admin_invites_an_organiser(page: Page, base: str, email: str) -> str:
    page.goto(f"{base}/admin/users/invitations/new")
    page.locator("input[name=email]").fill(email)
    page.locator("select[name=role]").select_option("organiser")
    page.locator("select[name=stakeholder_type]").select_option("public_service")
    page.locator("input[name=organisation]").fill("قسم الشؤون الداخلية")
    page.locator("input[name=display_name]").fill("المنظمة سلمى")
    page.locator("select[name=language]").select_option("ar")
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/users/invitations$"))
    page.goto(f"{base}/admin/outbox")
    body = page.locator("tr", has_text=email).locator("pre.mail-body").first.text_content()
    return re.search(r"https?://\S+/invitations/[A-Za-z0-9_\-]+", body).group(0)


def _organiser_accepts(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.locator("input[name=display_name]")).to_have_value("المنظمة سلمى")
    page.locator("input[name=password]").fill(ORGANISER_PASSWORD)
    page.locator("input[name=confirm]").fill(ORGANISER_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/invitations/"))
    expect(page.locator("header")).to_contain_text("المنظمة سلمى")


def _organiser_creates_a_draft(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/consultations?lang=ar")
    page.goto(f"{base}/admin/consultations/new")
    form = page.locator("#new-consultation-form")
    form.locator("input[name=slug]").fill(SLUG)
    form.locator("input[name=title_ar]").fill("خريطة الطريق التشاركية لعمالة مراكش 2027")
    prefecture = form.locator("select[name=prefecture] option", has_text="مراكش").first
    form.locator("select[name=prefecture]").select_option(prefecture.get_attribute("value"))
    form.locator("select[name=axes]").select_option("national")
    start = today() - timedelta(days=1)
    form.locator("input[name=proposals_starts_on]").fill(start.isoformat())
    form.locator("input[name=proposals_ends_on]").fill((start + timedelta(days=30)).isoformat())
    form.locator("input[name=voting_starts_on]").fill((start + timedelta(days=31)).isoformat())
    form.locator("input[name=voting_ends_on]").fill((start + timedelta(days=60)).isoformat())
    # The report threshold typed with Arabic-Indic digits.
    form.locator("input[name=report_threshold]").fill("٥")
    page.locator("#create-consultation").click()
    expect(page).not_to_have_url(re.compile(r"/admin/consultations/new$"))


def _organiser_arranges_the_axes(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/consultations/{SLUG}/axes")
    axes = page.locator("#axes > li[data-code]")
    expect(axes).to_have_count(4)
    first = axes.first
    first.locator("input[name$=title_ar]").fill("التشغيل ودعم المقاولات الصغيرة")
    first.locator("button[id^=save-axis-]").click()
    expect(page.locator("#axes > li[data-code]").first.locator("h2")).to_have_text(
        "التشغيل ودعم المقاولات الصغيرة")
    add = page.locator("#add-axis-form")
    add.locator("input[name$=title_ar]").fill("الثقافة والتراث")
    add.locator("input[name$=title_fr]").fill("Culture et patrimoine")
    page.locator("#add-axis-button").click()
    expect(page.locator("#axes > li[data-code]")).to_have_count(5)
    expect(page.locator("#axes > li[data-code] h2").last).to_have_text("الثقافة والتراث")


def test_an_empty_installation_goes_live_in_arabic(page: Page, browser: Browser, empty_server):
    app, base = empty_server
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    organiser_email = f"salma-{uuid.uuid4().hex[:8]}@example.org"

    _log_in(page, base, ADMIN_EMAIL, ADMIN_PASSWORD)
    _admin_imports_marrakech(page, base)
    link = _admin_invites_an_organiser(page, base, organiser_email)
    _log_out(page)

    _organiser_accepts(page, link)
    _organiser_creates_a_draft(page, base)
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        assert consultation.status == "draft" and consultation.report_threshold == 5
    _organiser_arranges_the_axes(page, base)

    # The preview carries the draft banner; an anonymous visitor gets 404 and no home entry.
    page.goto(f"{base}/c/{SLUG}")
    expect(page.locator(".draft-banner")).to_be_visible()
    visitor = browser.new_context(locale="ar")
    anonymous = visitor.new_page()
    assert anonymous.goto(f"{base}/c/{SLUG}?lang=ar").status == 404
    anonymous.goto(f"{base}/?lang=ar")
    expect(anonymous.locator(f"a[href='/c/{SLUG}']")).to_have_count(0)

    page.goto(f"{base}/admin/consultations/{SLUG}/edit")
    page.locator("#publish-button").click()
    with app.app_context():
        assert db.session.scalar(select(Consultation.status)
                                 .where(Consultation.slug == SLUG)) == "published"
    _log_out(page)

    # Published: the visitor now finds it on the home page.
    assert anonymous.goto(f"{base}/c/{SLUG}?lang=ar").status == 200
    anonymous.goto(f"{base}/?lang=ar")
    expect(anonymous.locator(f"a[href='/c/{SLUG}']").first).to_be_visible()
    visitor.close()

    # A citizen registers and proposes in it, placing the proposal on the map.
    citizen_email = f"hassan-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(f"{base}/register?lang=ar")
    page.locator("input[name=email]").fill(citizen_email)
    page.locator("input[name=display_name]").fill("حسن")
    page.locator("input[name=password]").fill(CITIZEN_PASSWORD)
    page.locator("input[name=confirm]").fill(CITIZEN_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/login")
    confirm_address(page, app, citizen_email)
    _log_in(page, base, citizen_email, CITIZEN_PASSWORD)
    page.goto(f"{base}/c/{SLUG}/proposals/new")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    title = "تهيئة ملعب القرب في الحي"
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=body]").fill("يحتاج شباب الحي إلى ملعب قرب مجهز وآمن.")
    page.locator("select[name=axis_id]").select_option(label="الثقافة والتراث")
    page.wait_for_function("document.querySelectorAll('#proposal-map path').length > 0")
    page.locator("#proposal-map").click()
    expect(page.locator("input[name=latitude]")).not_to_have_value("")
    expect(page.locator("#location-status")).not_to_be_empty()
    expect(page.locator("select[name=commune_id]")).not_to_have_value("")
    assert page.locator("select[name=commune_id]").input_value() != ""
    page.locator("form.proposal-form > button[type=submit]").click()
    if page.locator("form.proposal-form").count():  # similar proposals were shown: publish
        page.locator("form.proposal-form > button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(title)
    assert _count(app, Proposal, Proposal.title == title) == 1
    assert errors == []
