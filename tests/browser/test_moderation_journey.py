"""Moderation in Chromium: a citizen reports a comment, a moderator hides it from the review
queue with a reason, and the citizens then see the reason instead of the comment."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from roadmap.demo import ACCOUNTS, SLUG
from tests.browser.helpers import confirm_address

ACCOUNT = {account.role: account for account in ACCOUNTS}


def _log_in(page: Page, base: str, email: str, password: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def _log_out(page: Page) -> None:
    page.locator("header form[action$='/logout'] button").click()


def _register(page: Page, app, base: str, lang: str) -> tuple[str, str]:
    """Register and confirm the address with the mailed link."""
    email = f"karim-{uuid.uuid4().hex[:8]}@example.org"
    password = "a long passphrase for moderation"
    page.goto(f"{base}/register?lang={lang}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=display_name]").fill("Karim")
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=confirm]").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login"))
    confirm_address(page, app, email)
    return email, password


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_reported_comment_is_hidden_from_the_queue_with_its_reason(page: Page, live_app,
                                                                     live_server, lang):
    offensive = f"Commentaire insultant numéro {uuid.uuid4().hex[:6]}"
    reason = f"Insultes envers un participant ({uuid.uuid4().hex[:4]})"

    # Someone posts an insulting comment on a proposal.
    email, password = _register(page, live_app, live_server, lang)
    _log_in(page, live_server, email, password, lang)
    page.goto(f"{live_server}/c/{SLUG}/proposals?sort=newest")
    page.locator(".proposal-cards a, .cards a").first.click()
    proposal_url = page.url
    page.locator("form.comment-form textarea").first.fill(offensive)
    page.locator("form.comment-form button[type=submit]").first.click()
    expect(page.get_by_text(offensive)).to_be_visible()
    _log_out(page)

    # A citizen reports it.
    citizen = ACCOUNT["participant"]
    _log_in(page, live_server, citizen.email, citizen.password, lang)
    page.goto(proposal_url)
    comment = page.locator("article", has_text=offensive).last
    comment.locator("a.report-link").click()
    form = page.locator("form.report-form")
    form.locator("input[name=reason][value=offensive]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("form.report-form")).to_have_count(0)
    _log_out(page)

    # The moderator hides it from the queue, with a reason, without leaving the page.
    moderator = ACCOUNT["moderator"]
    _log_in(page, live_server, moderator.email, moderator.password, lang)
    page.goto(f"{live_server}/moderation")
    row = page.locator("article.moderation-item", has_text=offensive)
    expect(row).to_have_count(1)
    row.locator("textarea[name=reason]").fill(reason)
    row.locator("button[value=hide]").click()
    expect(row.locator("button[value=restore]")).to_be_visible()  # the row shows its new state
    _log_out(page)

    # The citizen sees the reason instead of the comment.
    _log_in(page, live_server, citizen.email, citizen.password, lang)
    page.goto(proposal_url)
    expect(page.get_by_text(reason)).to_be_visible()
    expect(page.get_by_text(offensive)).to_have_count(0)
