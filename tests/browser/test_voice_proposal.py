"""A resident who cannot write proposes by voice, in Arabic on a phone: Chromium's fake
microphone records the note in the proposal form, only a title is typed; then a moderator types
the transcript and the proposal is found by a word of it."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from roadmap.demo import SLUG
from tests.browser.helpers import log_in, set_language
from tests.conftest import CHROMIUM, CHROMIUM_ARGS

FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "locale": "ar-MA", "permissions": ["microphone"]}


@pytest.fixture(scope="module")
def microphone_browser(browser_type):
    browser = browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MICROPHONE)
    yield browser
    browser.close()


def test_propose_by_voice_then_a_moderator_transcribes_it(microphone_browser, live_server):
    context = microphone_browser.new_context(**PHONE)
    page = context.new_page()
    number = uuid.uuid4().int % 100000
    title = f"ماء الشرب لمدرسة الدوار {number}"
    word = f"خزان{number}"

    log_in(page, live_server, "participant")
    set_language(page, live_server, "ar")
    page.goto(f"{live_server}/c/{SLUG}/proposals/new?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("input[name=title]").fill(title)
    page.locator("select[name=axis_id]").select_option(index=1)
    page.locator("select[name=commune_id]").select_option(index=1)
    recorder = page.locator("#proposal-attachments [data-recorder]")
    recorder.locator("button[data-action=record]").tap()
    page.wait_for_function("() => document.querySelector('#proposal-attachments "
                           "[data-recorder]').roadmapRecorder.elapsed() > 1.6")
    recorder.locator("button[data-action=stop]").tap()
    page.wait_for_function("() => document.querySelector('#proposal-attachments "
                           "[data-recorder] input[type=file]').files.length")
    with page.expect_navigation():
        page.locator("form.proposal-form > button[type=submit]").tap()
    if page.locator("form.proposal-form").count():  # similar proposals were shown: publish
        with page.expect_navigation():
            page.locator("form.proposal-form > button[type=submit]").tap()
    expect(page.locator("h1")).to_have_text(title)
    player = page.locator("audio.voice-player")
    expect(player).to_be_visible()  # the queue re-encoded it with the request
    proposal_url = page.url.split("?")[0]
    src = player.get_attribute("src")

    page.context.clear_cookies()
    log_in(page, live_server, "moderator")
    page.goto(f"{live_server}/moderation/transcripts?lang=ar")
    item = page.locator(".transcript-item").filter(has=page.locator(f'audio[src="{src}"]'))
    item.locator("details summary").tap()
    item.locator("textarea").fill(f"المدرسة بلا ماء ونحتاج إلى {word} قرب القسم")
    item.locator("button[type=submit]").tap()
    expect(page.locator(".voice-transcript").filter(has_text=word)).to_be_visible()

    page.goto(f"{live_server}/c/{SLUG}/proposals?lang=ar&q={word}")
    expect(page.locator(".proposal-card", has_text=title)).to_be_visible()
    page.goto(proposal_url)
    expect(page.locator(".voice-transcript")).to_contain_text(word)
    context.close()
