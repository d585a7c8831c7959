"""Support, comment, reply, like and delete in Chromium: the counts change without a reload."""
from __future__ import annotations


import pytest
from flask_migrate import upgrade

from roadmap.extensions import db
from tests.conftest import Factory, make_test_app, serve

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "a long passphrase for tests"


@pytest.fixture(scope="module")
def voting_site(tmp_path_factory):
    """A served app (CSRF on) with a consultation in its voting phase and one proposal."""
    folder = tmp_path_factory.mktemp("participation-live")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}", folder / "instance",
                        WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context(), app.test_request_context():
        upgrade()
        factory = Factory()
        consultation = factory.consultation("voting")
        commune = factory.commune()
        author = factory.user(email="author@example.org", password=PASSWORD,
                              display_name="Author", preferred_language="en")
        proposal = factory.proposal(consultation, commune, author,
                                    title="Goudronner la piste du douar")
        factory.user(email="citizen@example.org", password=PASSWORD, display_name="Citizen",
                     preferred_language="en")
        db.session.commit()
        url = f"/c/{consultation.slug}/proposals/{proposal.id}"
        proposal_id = proposal.id
    with serve(app) as base:
        yield base, url, proposal_id


def _log_in(page: Page, base: str, email: str):
    page.goto(f"{base}/login?lang=en")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("header")).to_contain_text("Log out")


def test_support_and_comment_update_the_page_in_place(page: Page, voting_site):
    base, url, pid = voting_site
    _log_in(page, base, "citizen@example.org")
    page.goto(base + url)
    page.evaluate("window.__not_reloaded = true")
    supports = page.locator(f"#proposal-{pid}-supports")
    expect(supports).to_have_text("0 supports")
    page.get_by_role("button", name="Support", exact=True).click()
    expect(supports).to_have_text("1 support")
    expect(page.get_by_role("button", name="Supported · Withdraw my support")).to_be_visible()
    expect(page.get_by_role("button", name="Following · Stop following")).to_be_visible()
    page.get_by_label("Your comment").first.fill("Bonne idée, la piste est coupée en hiver.")
    page.get_by_label("For").first.check()
    page.get_by_role("button", name="Publish my comment").click()
    comment = page.locator("article.comment").filter(has_text="la piste est coupée")
    expect(comment).to_be_visible()
    expect(page.locator(f"#proposal-{pid}-comments")).to_have_text("1 comment")
    expect(page.get_by_label("Your comment").first).to_have_value("")  # the form was reset
    page.get_by_role("button", name="Supported · Withdraw my support").click()
    expect(supports).to_have_text("0 supports")
    assert page.evaluate("window.__not_reloaded") is True


def test_reply_like_and_delete_in_place(page: Page, voting_site):
    base, url, pid = voting_site
    _log_in(page, base, "author@example.org")
    page.goto(base + url)
    page.evaluate("window.__not_reloaded = true")
    thread = page.locator(".comment-thread").first
    like = thread.locator("article.comment").first.get_by_role("button", name="Like · 0 likes")
    like.click()
    expect(thread.locator("article.comment").first.get_by_role(
        "button", name="Liked · 1 like")).to_be_visible()
    thread.locator("summary", has_text="Reply").click()
    thread.get_by_label("Your comment").fill("Merci, nous allons l'étudier.")
    thread.get_by_role("button", name="Publish my reply").click()
    reply = thread.locator(".comment-replies article.comment")
    expect(reply).to_contain_text("nous allons l'étudier")
    expect(page.locator(f"#proposal-{pid}-comments")).to_have_text("2 comments")
    page.once("dialog", lambda dialog: dialog.accept())
    reply.get_by_role("button", name="Delete").click()
    expect(reply).to_contain_text("This comment was deleted.")
    expect(page.locator(f"#proposal-{pid}-comments")).to_have_text("1 comment")
    assert page.evaluate("window.__not_reloaded") is True


def test_without_javascript_the_same_forms_work(browser, voting_site):
    base, url, pid = voting_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _log_in(page, base, "citizen@example.org")
    page.goto(base + url)
    page.get_by_role("button", name="Support", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Your support was recorded.")
    expect(page.locator(f"#proposal-{pid}-supports")).to_have_text("1 support")
    page.get_by_label("Your comment").first.fill("x")
    page.get_by_role("button", name="Publish my comment").click()
    expect(page.locator(".errors")).to_contain_text("between 2 and 3000 characters")
    page.get_by_label("Your comment").first.fill("Sans JavaScript aussi.")
    page.get_by_role("button", name="Publish my comment").click()
    expect(page.locator("article.comment").filter(has_text="Sans JavaScript")).to_be_visible()
    context.close()
