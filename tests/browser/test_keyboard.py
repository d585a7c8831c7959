"""The main citizen journey with the keyboard alone: Tab, Enter, Space and typing, no clicks.

Log in, open a proposal from the list, support it, comment on it. Every control is reached
with Tab; the test fails if focus never lands on it (a control the keyboard cannot reach).
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from roadmap.demo import SLUG
from tests.browser.helpers import PASSWORDS

PROPOSAL_LINK = re.compile(rf"/c/{SLUG}/proposals/\d+")


def tab_to(page: Page, test: str, arg=None, limit: int = 250) -> None:
    """Press Tab until ``test(document.activeElement, arg)`` (JavaScript) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"([arg]) => {{ const el = document.activeElement; return {test}; }}",
                         [arg]):
            return
    raise AssertionError(f"Tab never reached an element where {test}")


def _focus_matches(selector: str) -> str:
    return f"!!el && el.matches({selector!r})"


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    tab_to(page, _focus_matches("input[name=email]"))
    page.keyboard.type("participant@demo.roadmap.test")
    tab_to(page, _focus_matches("input[name=password]"))
    page.keyboard.type(PASSWORDS["participant"])
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def _open_a_supportable_proposal(page: Page, base: str) -> None:
    """Open proposals from the list, by the keyboard, until one offers the Support button."""
    link_test = ("el.tagName === 'A' && /\\/proposals\\/\\d+$/.test(el.pathname) && "
                 "!arg.includes(el.pathname)")
    seen: list[str] = []
    for _ in range(10):
        page.goto(f"{base}/c/{SLUG}/proposals")
        tab_to(page, link_test, seen)
        seen.append(page.evaluate("document.activeElement.pathname"))
        page.keyboard.press("Enter")
        page.wait_for_url(PROPOSAL_LINK)
        if page.locator("main .vote-form button[aria-pressed=false]").count():
            return
    raise AssertionError("no proposal to support among the first ten")


def test_log_in_open_support_and_comment_with_the_keyboard_alone(page: Page, live_server):
    _log_in(page, live_server)
    expect(page.locator("header")).to_contain_text("(تجريبي)")  # the demo participant
    _open_a_supportable_proposal(page, live_server)

    tab_to(page, _focus_matches(".vote-form button[aria-pressed=false]"))
    page.keyboard.press("Space")
    expect(page.locator("main .vote-form button[aria-pressed=true]")).to_be_visible()

    tab_to(page, _focus_matches("form.comment-form textarea"))
    page.keyboard.type("Written with the keyboard alone: a shaded bus stop would help.")
    tab_to(page, _focus_matches("form.comment-form button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Written with the keyboard alone")
