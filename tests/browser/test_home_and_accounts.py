"""The home page in Arabic and French, then registering and logging in, in Chromium."""
from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.browser.helpers import confirmation_link


def test_home_page_in_arabic_is_right_to_left(page: Page, live_server):
    page.goto(f"{live_server}/?lang=ar")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("link", name="برنامج التنمية الترابية المندمجة 2026-2028، عمالة مراكش")).to_be_visible()
    # The page really is laid out right to left: the brand sits on the right of the header.
    header = page.locator(".header-row").bounding_box()
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] + brand["width"] > header["x"] + header["width"] / 2


def test_language_switcher_turns_the_page_to_french(page: Page, live_server):
    page.goto(f"{live_server}/?lang=ar")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("link", name="Programme de développement territorial intégré 2026-2028, Préfecture de Marrakech")).to_be_visible()
    page.goto(f"{live_server}/communes")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text("Sidi Youssef Ben Ali")).to_be_visible()


def test_register_log_in_then_confirm_the_address(page: Page, live_app, live_server):
    email = f"amina-{uuid.uuid4().hex[:8]}@example.org"
    password = "a long passphrase for tests"
    page.goto(f"{live_server}/register?lang=fr")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=display_name]").fill("Amina")
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=confirm]").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("header")).to_contain_text("Amina")
    # Not confirmed yet: a banner says so on every page, with the way to a new link.
    banner = page.locator(".confirm-banner")
    expect(banner).to_be_visible()
    banner.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server}/confirm/resend")
    # The mailed link opens a page whose button confirms; then the banner is gone.
    link = confirmation_link(live_app, email)
    page.goto(link)
    expect(page.locator(".confirm-banner")).to_be_visible()  # opening the link confirms nothing
    page.locator("main form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".confirm-banner")).to_have_count(0)
    response = page.goto(link)  # used up: the page offers a new link
    assert response.status == 404
    expect(page.locator("main a[href='/confirm/resend']")).to_be_visible()
    page.goto(f"{live_server}/profile")
    expect(page.locator("input[name=display_name]")).to_have_value("Amina")
