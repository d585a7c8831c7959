"""Invitations in Chromium, in Arabic: an admin invites an official from the back office, the
link reaches the outbox, the official opens it, chooses a password and is signed in as a
moderator; the link then works no more."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in


def test_an_admin_invites_an_official_who_accepts(page: Page, live_server):
    email = f"caid-{uuid.uuid4().hex[:8]}@example.org"
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/users?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator(".admin-nav a[href='/admin/users']").click()
    page.locator("a[href='/admin/users/invitations/new']").first.click()
    page.locator("input[name=email]").fill(email)
    page.locator("select[name=role]").select_option("moderator")
    page.locator("select[name=stakeholder_type]").select_option("public_service")
    page.locator("input[name=organisation]").fill("قيادة السعادة")
    page.locator("input[name=display_name]").fill("القائد")
    page.locator("select[name=language]").select_option("ar")
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/users/invitations$"))
    row = page.locator("tr[data-state='pending']", has_text=email)
    expect(row).to_have_count(1)

    # The link, as the mail (kept in the outbox) carries it.
    page.goto(f"{live_server}/admin/outbox")
    body = page.locator("tr", has_text=email).locator("pre.mail-body").first.text_content()
    link = re.search(r"https?://\S+/invitations/[A-Za-z0-9_\-]+", body).group(0)
    page.locator("header form[action$='/logout'] button").click()

    page.goto(link)
    expect(page.locator("input[name=display_name]")).to_have_value("القائد")
    password = "une phrase de passe pour le caïd"
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=confirm]").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/invitations/"))
    # Signed in as a moderator: the evaluations page opens.
    response = page.goto(f"{live_server}/evaluations")
    assert response.status == 200 and "/login" not in page.url
    # Single use.
    page.goto(link)
    expect(page.locator("[data-invitation='invalid']")).to_have_count(1)
