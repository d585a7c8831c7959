"""At the help desk, in Chromium, in Arabic: an official verifies a resident who is present
from the residents' list (Arabic-Indic digits typed), records a proposal and a support for
them; the proposal carries the help-desk mark and the dashboard counts both apart."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.consultations.models import Consultation
from roadmap.demo import SLUG, load_demo
from roadmap.extensions import db
from roadmap.participation.models import Vote
from roadmap.proposals.models import Proposal
from roadmap.verification import residents
from tests.browser.helpers import set_language
from tests.conftest import make_test_app, serve

pytestmark = pytest.mark.browser

TITLE = "بئر للماء الصالح للشرب في الدوار"
BODY = "تمشي الأسر كل صباح كيلومترين لجلب الماء، وبئر قريبة ستوفر عليها هذا العناء."


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory):
    """The demo, a residents' list for the commune of a demo proposal, supports limited to
    verified residents of the commune; yields (app, base URL, the list's commune id)."""
    folder = tmp_path_factory.mktemp("helpdesk")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}", folder / "instance",
                        WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        upgrade()
        consultation = load_demo(echo=lambda *_: None)
        consultation.support_requirement = "resident"
        commune = db.session.scalar(select(Proposal).where(
            Proposal.consultation_id == consultation.id, Proposal.status == "published",
            Proposal.hidden_at.is_(None)).order_by(Proposal.id)).commune
        rows = residents.read_resident_rows(
            "list.csv", f"cnie;birth_date;commune\nEE445566;07/11/1978;{commune.code}\n".encode())
        organiser = db.session.scalar(select(User).where(
            User.email == "organiser@demo.roadmap.test"))
        residents.store_list(residents.check_rows(rows), label="Extract", filename="list.csv",
                             by=organiser)
        db.session.commit()
        commune_id = commune.id
    with serve(app) as base:
        yield app, base, commune_id


def _log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login?lang=ar")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_an_official_enters_a_proposal_and_a_support_for_a_resident(browser: Browser,
                                                                    desk_server):
    app, base, commune_id = desk_server
    page = browser.new_page()
    _log_in(page, base, "helpdesk@demo.roadmap.test", "demo-helpdesk-password")
    set_language(page, base, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("header a[href='/helpdesk']").click()

    # Identify the resident from the list: a wrong date first (a message, nothing written).
    with app.app_context():
        consultation_id = db.session.scalar(select(Consultation.id).where(
            Consultation.slug == SLUG))
    page.locator("select[name=consultation_id]").select_option(str(consultation_id))
    page.locator("input[name=cnie]").fill("ee 445566")
    page.locator("input[name=birth_date]").fill("٠٨/١١/١٩٧٨")
    page.locator("input[name=display_name]").fill("فاطمة")
    page.locator("form.helpdesk-identify button[type=submit]").click()
    expect(page.locator(".form-errors")).to_be_visible()
    page.locator("input[name=birth_date]").fill("٠٧/١١/١٩٧٨")
    page.locator("form.helpdesk-identify button[type=submit]").click()
    expect(page.locator("#helpdesk-resident-name")).to_have_text("فاطمة")
    with app.app_context():
        resident = db.session.scalar(select(User).where(User.display_name == "فاطمة"))
        assert resident.is_managed and resident.verified_commune_id == commune_id
        commune_name = resident.verified_commune.name_ar
        resident_id = resident.id
    expect(page.locator("#helpdesk-commune")).to_have_text(commune_name)
    assert "managed.invalid" not in page.content()

    # Record a proposal on their behalf (the commune is the resident's, already chosen).
    page.locator("a[href='/helpdesk/propose']").click()
    assert page.locator("select[name=commune_id]").input_value() == str(commune_id)
    page.locator("input[name=title]").fill(TITLE)
    page.locator("textarea[name=body]").fill(BODY)
    page.locator("select[name=axis_id]").select_option(index=1)
    page.locator("form.proposal-form > button[type=submit]").click()
    expect(page.locator("#helpdesk-resident-name")).to_be_visible()

    # Support the first proposal shown: one of the resident's commune.
    page.locator(".helpdesk-proposals form[action$='/support'] button").first.click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".helpdesk-proposals form[action$='/withdraw']")).to_have_count(1)

    with app.app_context():
        made = db.session.scalar(select(Proposal).where(Proposal.author_id == resident_id))
        vote = db.session.scalar(select(Vote).where(Vote.user_id == resident_id))
        official_id = db.session.scalar(select(User.id).where(
            User.email == "helpdesk@demo.roadmap.test"))
        assert made.title == TITLE and made.entered_by_id == official_id
        assert vote.entered_by_id == official_id
        made_id, supported_id = made.id, vote.proposal_id

    # The proposal's page carries the mark; another's does not.
    page.goto(f"{base}/c/{SLUG}/proposals/{made_id}")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(f"#proposal-{made_id}-helpdesk")).to_be_visible()
    if supported_id != made_id:
        page.goto(f"{base}/c/{SLUG}/proposals/{supported_id}")
        expect(page.locator(f"#proposal-{supported_id}-helpdesk")).to_have_count(0)

    # The dashboard counts them apart (organisers see the exact figures).
    organiser = browser.new_page()
    _log_in(organiser, base, "organiser@demo.roadmap.test", "demo-organiser-password")
    organiser.goto(f"{base}/c/{SLUG}/dashboard")
    expect(organiser.locator("[data-key=help-desk-supports]")).to_have_text("1")
    expect(organiser.locator("[data-key=help-desk-proposals]")).to_have_text("1")
    expect(organiser.locator("#chart-help-desk-supports")).to_be_visible()
