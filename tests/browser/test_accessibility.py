"""Every main page passes axe-core (WCAG 2 A and AA) with no serious or critical violation.

axe-core is vendored under static/vendor/ and linked from no page: it is injected here. The
pages are visited in Arabic and in French, anonymously and as a participant, a moderator and
an organiser (the pages only they see).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.demo import SLUG
from tests.browser.helpers import log_in, main_pages, set_language

AXE = Path(__file__).resolve().parents[2] / "static/vendor/axe-core-4.14.1/axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""
C = f"/c/{SLUG}"
SIGNED_IN = {
    "participant": {"new proposal": f"{C}/proposals/new", "profile": "/profile",
                    "notifications": "/notifications"},
    "moderator": {"moderation queue": "/moderation"},
    "organiser": {"workbench": f"{C}/roadmap/draft", "consolidation": f"{C}/consolidation",
                  "monitoring (exact figures, flags)": f"{C}/monitoring",
                  "dashboard (exact figures, flags)": f"{C}/dashboard",
                  "settings": f"{C}/settings"},
}


@pytest.fixture
def axe_page(browser):
    """A page whose context lets the injected axe script run under the site's CSP."""
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def violations(page, url: str, language: str) -> list[dict]:
    """The serious and critical axe violations of ``url`` (checked to be in ``language``)."""
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    assert page.locator("html").get_attribute("lang") == language, url
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def _check(page, pages: dict[str, str], language: str) -> None:
    found = {name: v for name, url in pages.items() if (v := violations(page, url, language))}
    assert not found, "\n".join(f"{name}: {v}" for name, v in found.items())


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_public_pages_have_no_serious_violation(axe_page, live_server, language):
    set_language(axe_page, live_server, language)
    _check(axe_page, main_pages(axe_page, live_server), language)


@pytest.mark.parametrize("language", ["ar", "fr"])
@pytest.mark.parametrize("role", sorted(SIGNED_IN))
def test_signed_in_pages_have_no_serious_violation(axe_page, live_server, language, role):
    log_in(axe_page, live_server, role)
    set_language(axe_page, live_server, language)
    _check(axe_page, {name: f"{live_server}{path}" for name, path in SIGNED_IN[role].items()},
           language)


ERRORS_TIED = """() => [...document.querySelectorAll('[aria-invalid="true"]')].map(input => {
  const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  const errors = ids.map(id => document.getElementById(id)).filter(el => el && el.matches(".errors"));
  return {name: input.name, tied: errors.length === 1 && errors[0].textContent.trim().length > 0};
})"""


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_form_errors_are_tied_to_their_fields_and_pass_axe(axe_page, live_server, language):
    page = axe_page
    log_in(page, live_server, "participant")
    set_language(page, live_server, language)
    page.goto(f"{live_server}{C}/proposals/new")
    page.locator("form.proposal-form > button[type=submit]").click()
    page.wait_for_selector('[aria-invalid="true"]')
    fields = page.evaluate(ERRORS_TIED)
    assert {"title", "body", "axis_id"} <= {f["name"] for f in fields}, fields
    assert all(f["tied"] for f in fields), fields
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(RUN_AXE) == []
