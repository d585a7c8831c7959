"""Helpers shared by the accessibility, keyboard and no-JavaScript browser tests."""
from __future__ import annotations

import re

from playwright.sync_api import Page

from roadmap.demo import SLUG

PASSWORDS = {"participant": "demo-participant-password", "moderator": "demo-moderator-password",
             "organiser": "demo-organiser-password", "admin": "demo-admin-password"}


def log_in(page: Page, base: str, role: str) -> None:
    """Log in as the demo account of ``role`` through the login form."""
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(f"{role}@demo.roadmap.test")
    page.locator("input[name=password]").fill(PASSWORDS[role])
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def set_language(page: Page, base: str, language: str) -> None:
    """Switch the interface language with the header's switcher (kept for the session)."""
    page.goto(f"{base}/")
    page.locator(f'.language-switcher button[value="{language}"]').click()
    page.wait_for_function(f"document.documentElement.lang === '{language}'")


def first_link(page: Page, base: str, path: str, pattern: str) -> str:
    """Open ``path`` and return the first link whose path matches ``pattern`` (absolute URL)."""
    page.goto(f"{base}{path}")
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.pathname)"):
        if re.fullmatch(pattern, href):
            return f"{base}{href}"
    raise AssertionError(f"no link matching {pattern} on {path}")


def main_pages(page: Page, base: str) -> dict[str, str]:
    """The public pages of the demo by name (absolute URLs), found by following links."""
    c = f"/c/{SLUG}"
    proposal = first_link(page, base, f"{c}/proposals", rf"{c}/proposals/\d+")
    return {
        "home": f"{base}/",
        "consultation overview": f"{base}{c}",
        "proposal list": f"{base}{c}/proposals",
        "proposal": proposal,
        "commune page": first_link(page, base, proposal[len(base):], rf"{c}/communes/[^/]+"),
        "communes": f"{base}/communes",
        "workshops": f"{base}{c}/workshops",
        "workshop": first_link(page, base, f"{c}/workshops", rf"{c}/workshops/\d+"),
        "map": f"{base}{c}/map",
        "roadmap": f"{base}{c}/roadmap",
        "roadmap item": first_link(page, base, f"{c}/roadmap", rf"{c}/roadmap/items/\d+"),
        "need": f"{base}{c}/need",
        "explanation": f"{proposal}/explanation",
        "dashboard": f"{base}{c}/dashboard",
        "login": f"{base}/login",
        "register": f"{base}/register",
    }
