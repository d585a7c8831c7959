"""From proposals to the roadmap in Chromium: an organiser runs the consolidation of the demo,
makes the draft, groups two proposals into one item and publishes; a citizen then reads the
roadmap and the explanation of a proposal in Arabic."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from roadmap.demo import ACCOUNTS, SLUG

ACCOUNT = {account.role: account for account in ACCOUNTS}


def _log_in(page: Page, base: str, role: str, lang: str) -> None:
    account = ACCOUNT[role]
    page.goto(f"{base}/login?lang={lang}")
    page.locator("input[name=email]").fill(account.email)
    page.locator("input[name=password]").fill(account.password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_organiser_consolidates_groups_publishes_and_a_citizen_reads_why(page: Page, live_server):
    label = f"Journey run {uuid.uuid4().hex[:6]}"
    changelog = f"Deux propositions regroupées ({uuid.uuid4().hex[:4]})"

    # The organiser runs the consolidation from the workbench.
    _log_in(page, live_server, "organiser", "fr")
    page.goto(f"{live_server}/c/{SLUG}/consolidation")
    page.locator("#run-form input[name=label]").fill(label)
    page.locator("#run-form button[type=submit]").click()
    expect(page.get_by_text(label).first).to_be_visible()

    # ...makes the draft from that run...
    page.goto(f"{live_server}/c/{SLUG}/roadmap/draft")
    run_select = page.locator("select[name=run_id]")
    run_select.select_option(label=run_select.locator("option", has_text=label).inner_text())
    page.locator("form[action$='/roadmap/draft'] button[type=submit], "
                 "form.form-inline button[type=submit]").first.click()
    expect(page.locator("form.roadmap-move").first).to_be_visible()

    # ...groups a second proposal into the first item...
    page.locator("a[href*='/roadmap/draft/items/']").first.click()
    item_url = page.url
    group = page.locator("form[action*='/group']")
    first_choice = group.locator("input[name=proposal_ids]").first
    grouped_title = first_choice.locator("xpath=..").inner_text()
    first_choice.check()
    group.locator("button[type=submit]").click()
    page.goto(item_url)
    lineage = page.locator("main").inner_text()
    assert re.sub(r"^#\d+\s*", "", grouped_title).split(" (")[0][:20] in lineage

    # ...and publishes a new version with its change log.
    page.goto(f"{live_server}/c/{SLUG}/roadmap/publish")
    page.locator("textarea[name=changelog_fr]").fill(changelog)
    page.locator("textarea[name=changelog_ar]").fill("تم تجميع مقترحين (تجريبي)")
    page.locator("textarea[name=changelog_en]").fill("Two proposals grouped (demo)")
    page.locator("main form button[type=submit]").click()
    page.locator("header form[action$='/logout'] button").click()

    # A citizen reads the roadmap in Arabic, then the explanation of a proposal in it.
    _log_in(page, live_server, "participant", "ar")
    page.goto(f"{live_server}/c/{SLUG}/roadmap?view=communes")
    page.locator("header .language-switcher button[value=ar]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_text("تم تجميع مقترحين (تجريبي)")).to_be_visible()
    page.goto(f"{live_server}/c/{SLUG}/roadmap")
    page.locator("a[href*='/roadmap/items/']").first.click()
    page.locator("a[href$='/explanation']").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("main")).to_contain_text("Wilson")
