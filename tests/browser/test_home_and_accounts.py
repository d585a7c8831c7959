"""The home page in Arabic and French, then registering and logging in, in Chromium."""
from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect


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


def test_register_then_log_in(page: Page, live_server):
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
    page.goto(f"{live_server}/profile")
    expect(page.locator("input[name=display_name]")).to_have_value("Amina")
