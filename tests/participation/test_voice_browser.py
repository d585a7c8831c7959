"""A voice comment recorded in Chromium (its fake microphone), in Arabic on a phone-sized
screen, driven by touch and keyboard; then a moderator types its transcript."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.media.models import Attachment
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, Factory, make_test_app, serve

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "a long passphrase for tests"
PHONE = {"width": 390, "height": 844}
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def voice_site(tmp_path_factory):
    """A served app (CSRF on, immediate queue) with a voting-phase proposal, a citizen and a
    moderator; yields the base URL, the proposal's path and the app."""
    folder = tmp_path_factory.mktemp("voice-live")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}", folder / "instance",
                        WTF_CSRF_ENABLED=True, TESTING=False,
                        ROADMAP_UPLOAD_PATH=str(folder / "uploads"))
    with app.app_context(), app.test_request_context():
        upgrade()
        factory = Factory()
        consultation = factory.consultation("voting")
        commune = factory.commune()
        proposal = factory.proposal(consultation, commune, title="إصلاح الطريق المؤدية إلى السوق")
        factory.user(email="citizen@example.org", password=PASSWORD, display_name="مواطنة",
                     preferred_language="ar")
        factory.user("moderator", email="moderator@example.org", password=PASSWORD,
                     display_name="Modératrice", preferred_language="ar")
        db.session.commit()
        url = f"/c/{consultation.slug}/proposals/{proposal.id}"
    with serve(app) as base:
        yield base, url, app


@pytest.fixture(scope="module")
def microphone_browser(browser_type):
    """Chromium with its fake microphone (a tone) allowed without asking."""
    browser = browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MICROPHONE)
    yield browser
    browser.close()


@pytest.fixture
def phone(microphone_browser):
    context = microphone_browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                             locale="ar-MA", permissions=["microphone"])
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda message: page.problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None)
    page.on("response", lambda response: page.problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    yield page
    context.close()


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login?lang=ar")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").tap()
    page.wait_for_url(lambda url: "/login" not in url)


def test_record_a_voice_comment_then_a_moderator_transcribes_it(phone: Page, voice_site):
    base, url, app = voice_site
    page = phone
    _log_in(page, base, "citizen@example.org")
    page.goto(f"{base}{url}?lang=ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    recorder = page.locator("#comments [data-recorder]")
    record = recorder.locator("button[data-action=record]")
    stop = recorder.locator("button[data-action=stop]")
    listen = recorder.locator("button[data-action=listen]")
    expect(record).to_be_visible()  # enhanced: the buttons appear beside the file input
    expect(stop).to_be_disabled()
    status = recorder.locator("[data-recorder-status]")
    expect(status).not_to_be_empty()

    record.tap()  # by touch
    expect(stop).to_be_enabled()
    expect(stop).to_be_focused()  # so the keyboard's next Enter stops it
    page.wait_for_function(
        "() => document.querySelector('#comments [data-recorder]').roadmapRecorder.elapsed() > 1.6")
    page.keyboard.press("Enter")  # by keyboard
    expect(listen).to_be_enabled()
    expect(listen).to_be_focused()
    files = recorder.locator("input[type=file]")
    page.wait_for_function(
        "() => document.querySelector('#comments [data-recorder] input[type=file]').files.length")
    kind = files.evaluate("input => input.files[0].type")
    assert kind.startswith("audio/")
    assert files.evaluate("input => input.files[0].size") > 1000
    listen.tap()
    page.wait_for_function(
        "() => !document.querySelector('#comments [data-recorder-preview]').paused")

    page.locator("#comments form.comment-form button[type=submit]").tap()
    comment = page.locator("article.comment").filter(has=page.locator("audio.voice-player"))
    expect(comment).to_be_visible()
    player = comment.locator("audio.voice-player")
    assert player.get_attribute("preload") == "none"
    assert player.get_attribute("controls") is not None
    # The re-encoded note plays in the browser: AAC in MP4, about as long as what was recorded.
    player.evaluate("audio => audio.load()")
    page.wait_for_function("() => document.querySelector('audio.voice-player').readyState >= 1")
    duration = player.evaluate("audio => audio.duration")
    assert 1.0 < duration < 4.0
    with app.app_context():
        note = db.session.scalar(select(Attachment).where(Attachment.kind == "voice"))
        assert note.state == "ready" and note.comment_id is not None and note.transcript is None
        token = note.token
    assert not page.problems, page.problems

    # A moderator finds it among the notes waiting for a transcript and types it.
    page.context.clear_cookies()
    _log_in(page, base, "moderator@example.org")
    page.goto(f"{base}/moderation?lang=ar")
    page.locator('a[href="/moderation/transcripts"]').tap()
    item = page.locator(".transcript-item").filter(
        has=page.locator(f'audio[src="/media/{token}/audio"]'))
    expect(item).to_be_visible()
    item.locator("details summary").tap()
    item.locator("textarea").fill("الطريق مقطوعة في فصل الشتاء")
    item.locator("button[type=submit]").tap()
    expect(page.locator(".voice-transcript").filter(
        has_text="الطريق مقطوعة في فصل الشتاء")).to_be_visible()
    page.goto(f"{base}{url}?lang=ar")
    expect(page.locator("article.comment .voice-transcript")).to_contain_text(
        "الطريق مقطوعة في فصل الشتاء")
    assert not page.problems, page.problems
