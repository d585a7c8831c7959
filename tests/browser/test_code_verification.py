"""In Arabic, in Chromium: an organiser prints a batch of in-person codes for a commune, a
resident is refused support in a consultation that counts only verified residents (with the
link to verify), verifies with a code read from the printed slips, comes back and supports."""
from __future__ import annotations

import re
import subprocess

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.participation.models import Vote
from tests.conftest import Factory, make_test_app, serve

PASSWORD = "a long passphrase for the code journey"


@pytest.fixture
def scene(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'codes.sqlite3'}", tmp_path / "instance",
                        WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        upgrade()
        factory = Factory()
        commune = factory.commune(name_ar="تسلطانت", name_fr="Tassoultante")
        consultation = factory.consultation("voting", support_requirement="resident")
        proposal = factory.proposal(consultation, commune, title="إصلاح الطريق المؤدية إلى الدوار")
        organiser = factory.user("organiser", email="organiser@example.org", password=PASSWORD)
        resident = factory.user(email="resident@example.org", password=PASSWORD)
        db.session.commit()
        ids = {"slug": consultation.slug, "consultation": consultation.id,
               "commune": commune.id, "proposal": proposal.id, "resident": resident.id}
    with serve(app) as base:
        yield app, base, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login?lang=ar")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_a_resident_verifies_with_a_printed_code_and_supports(browser: Browser, scene, tmp_path):
    app, base, ids = scene
    organiser = browser.new_page(locale="ar")
    _log_in(organiser, base, "organiser@example.org")
    organiser.goto(f"{base}/admin/verification/batches/new")
    expect(organiser.locator("html")).to_have_attribute("dir", "rtl")
    organiser.locator("select[name=consultation]").select_option(str(ids["consultation"]))
    organiser.locator("input[name=count]").fill("3")
    organiser.locator("select[name=commune]").select_option(str(ids["commune"]))
    organiser.locator("input[name=label]").fill("ورشة الجماعة")
    organiser.locator("main form button[type=submit]").click()
    organiser.wait_for_url(re.compile(r"/admin/verification(#batch-\d+)?$"))
    with organiser.expect_download() as download:
        organiser.locator("a.download-slips").first.click()
    pdf = tmp_path / "slips.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    code = re.findall(r"\d{4} \d{4} \d{4}", text)[0]
    assert "تسلطانت" in text

    page = browser.new_page(locale="ar")
    _log_in(page, base, "resident@example.org")
    proposal_url = f"{base}/c/{ids['slug']}/proposals/{ids['proposal']}"
    page.goto(proposal_url + "?lang=ar")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    box = page.locator(".vote-box").first
    expect(box.locator("button.vote-button")).to_be_disabled()
    box.locator("a.refusal-link").click()
    page.wait_for_url(re.compile(r"/verify\?next="))
    page.locator("#methods li[data-method=code] a").click()
    page.locator("input[name=code]").fill("٠٠٠٠ ٠٠٠٠ ٠٠٠٠")  # a wrong code first
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_contain_text("هذا الرمز غير صالح")
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/c/{ids['slug']}/proposals/{ids['proposal']}(\?lang=ar)?$"))
    expect(page.locator("body")).to_contain_text("جرى التحقق من حسابك")
    page.locator(".vote-box form.vote-form button[type=submit]").first.click()
    expect(page.locator(".vote-box .is-voted").first).to_be_visible()
    with app.app_context():
        votes = db.session.scalars(select(Vote).where(Vote.proposal_id == ids["proposal"])).all()
        assert [v.user_id for v in votes] == [ids["resident"]] and votes[0].identity_hash
    page.goto(f"{base}/verify")
    expect(page.locator("#verification-status")).to_have_attribute("data-method", "code")
    expect(page.locator("#verification-status")).to_contain_text("تسلطانت")
