"""A resident on a phone, in Arabic, proposes with a photo taken on the spot: the photo is
attached through the htmx fieldset, its place is offered and taken only when chosen, and the
photo shows on the proposal's card and in its gallery."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, expect

from roadmap.demo import SLUG
from tests.browser.helpers import log_in, set_language
from tests.media.files import phone_jpeg

JEMAA_EL_FNA = (31.6258, -7.9891)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "ar-MA"}


def test_a_resident_proposes_with_a_photo_on_a_phone_in_arabic(browser: Browser, live_server,
                                                                 tmp_path):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    photo = tmp_path / "IMG_20261204_0931.jpg"
    photo.write_bytes(phone_jpeg(2000, 1500, orientation=6, gps=JEMAA_EL_FNA))
    title = f"إصلاح الزقاق المغمور خلف الساحة {uuid.uuid4().int % 100000}"
    alt = "الزقاق مغمور بالماء بعد المطر"

    log_in(page, live_server, "participant")
    set_language(page, live_server, "ar")
    page.goto(f"{live_server}/c/{SLUG}/proposals/new?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=body]").fill("الماء يغمر الزقاق كلما أمطرت ولا يستطيع الأطفال المرور إلى المدرسة.")
    page.locator("select[name=axis_id]").select_option(index=1)
    page.locator("input[name=photo]").set_input_files(str(photo))
    page.locator("input[name=photo_alt]").fill(alt)
    page.locator("button[name=media_action][value=add]").click()  # htmx swaps the fieldset
    fieldset = page.locator("#proposal-attachments")
    expect(fieldset.locator("img.attachment-thumb")).to_have_attribute("alt", alt)
    expect(page.locator("input[name=title]")).to_have_value(title)  # the rest is untouched
    offer = fieldset.locator(".photo-place")
    expect(offer).to_contain_text("مراكش")
    expect(page.locator("input[name=latitude]")).to_have_value("")  # offered, not applied

    offer.locator("button").click()
    expect(page.locator("input[name=latitude]")).not_to_have_value("")
    assert abs(float(page.locator("input[name=latitude]").input_value()) - JEMAA_EL_FNA[0]) < 1e-3
    page.locator("form.proposal-form > button[type=submit]").click()
    if page.locator("form.proposal-form").count():  # similar proposals were shown: publish
        page.locator("form.proposal-form > button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(title)
    gallery = page.locator(".media-gallery img")
    expect(gallery).to_have_attribute("alt", alt)
    gallery.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.media-gallery img').naturalWidth > 0")
    width, height = page.evaluate("[document.querySelector('.media-gallery img').naturalWidth,"
                                  " document.querySelector('.media-gallery img').naturalHeight]")
    assert height > width  # upright: the phone's orientation applied
    page.locator(".media-gallery a").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/media/[0-9a-f]{32}/screen$"))

    page.goto(f"{live_server}/c/{SLUG}/proposals?sort=newest")
    card = page.locator(".proposal-card", has_text=title)
    expect(card.locator("img.card-thumb")).to_have_attribute("alt", alt)
    context.close()
