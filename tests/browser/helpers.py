"""Helpers shared by the accessibility, keyboard and no-JavaScript browser tests."""
from __future__ import annotations

import re

from playwright.sync_api import Page
from sqlalchemy import select

from roadmap.core.mail import OutboxMessage
from roadmap.demo import SLUG
from roadmap.extensions import db

PASSWORDS = {"participant": "demo-participant-password", "moderator": "demo-moderator-password",
             "organiser": "demo-organiser-password", "admin": "demo-admin-password"}


def log_in(page: Page, base: str, role: str) -> None:
    """Log in as the demo account of ``role`` through the login form."""
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(f"{role}@demo.roadmap.test")
    page.locator("input[name=password]").fill(PASSWORDS[role])
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def confirmation_link(app, email: str) -> str:
    """The link of the latest confirmation mail to ``email`` in ``app``'s outbox (the mail the
    user opens)."""
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(
            OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc()))
    match = re.search(r"https?://\S+/confirm/[A-Za-z0-9_\-]+", body or "")
    assert match, f"no confirmation mail to {email}"
    return match.group(0)


def confirm_address(page: Page, app, email: str) -> None:
    """Open the confirmation mail's link and press the page's button, as its owner would."""
    page.goto(confirmation_link(app, email))
    page.locator("main form.stacked button[type=submit]").click()
    page.wait_for_url(lambda url: "/confirm/" not in url)


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
        "monitoring": f"{base}{c}/monitoring",
        "login": f"{base}/login",
        "register": f"{base}/register",
    }
