"""Photos and documents through the real proposal form (and its htmx fieldset): staged, kept
across a form shown again, re-encoded without metadata, a photo's place offered never applied,
and every bad file refused with its message and nothing stored."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.media import storage
from roadmap.media.models import Attachment
from roadmap.proposals.models import Proposal
from tests.conftest import login
from tests.media import files
from tests.proposals.conftest import HX, JEMAA_EL_FNA, valid_fields


def _new_url(consultation) -> str:
    return f"/c/{consultation.slug}/proposals/new"


def _upload(data: bytes, name: str, content_type: str = "application/octet-stream"):
    return (io.BytesIO(data), name, content_type)


def _attachments() -> list[Attachment]:
    return db.session.scalars(select(Attachment).order_by(Attachment.id)).all()


def _media_files() -> set[str]:
    folder = storage.media_folder()
    return {p.name for p in folder.glob("*")} if folder.exists() else set()


def _tokens(html: str) -> list[str]:
    return re.findall(r'name="attachment" value="([0-9a-f]{32})"', html)


@pytest.fixture
def medina_form(marrakech, factory):
    """A resident of Marrakech-Médina and the fields of a proposal there, without a point."""
    from roadmap.territory.queries import commune_by_code

    medina = commune_by_code("marrakech-medina")
    resident = factory.user(home_commune=medina, display_name="Resident")
    return marrakech, medina, resident


def test_a_phone_photo_is_stored_upright_without_metadata_and_its_place_only_offered(
        client, medina_form):
    consultation, medina, resident = medina_form
    login(client, resident)
    fields = valid_fields(consultation, medina, commune_id="")
    photo = files.phone_jpeg(1600, 1200, orientation=6, gps=JEMAA_EL_FNA)
    response = client.post(_new_url(consultation), data={
        **fields, "media_action": "add", "photo_alt": "The flooded lane behind the square",
        "photo": _upload(photo, "IMG_2041.JPG", "image/jpeg")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Proposal.id))) == 0  # not sent: only attached
    [attachment] = _attachments()
    assert attachment.is_staged and attachment.kind == "photo"
    assert _tokens(html) == [attachment.token]
    # Upright (the EXIF orientation applied), re-encoded, no metadata left in what is served.
    screen = Image.open(storage.path_for(attachment.token, "screen", "webp"))
    assert screen.format == "WEBP" and screen.height > screen.width
    assert not dict(screen.getexif()) and "exif" not in screen.info and "xmp" not in screen.info
    raw = storage.path_for(attachment.token, "screen", "webp").read_bytes()
    assert b"Test camera" not in raw and b"Exif" not in raw
    thumb = storage.path_for(attachment.token, "thumb", "webp").read_bytes()
    assert 0 < len(thumb) <= 30 * 1024
    # The place is offered, with its commune, and not applied.
    assert medina.name in html and 'value="use_place:' + attachment.token in html
    assert re.search(r'name="latitude"[^>]*value=""', html) or 'name="latitude" type="hidden">' \
        in html or re.search(r'<input id="latitude" name="latitude" type="hidden" value="">', html)

    # The author chooses the place: the form now holds the point, in Marrakech-Médina.
    response = client.post(_new_url(consultation), data={
        **fields, "attachment": attachment.token, "media_action": f"use_place:{attachment.token}"},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    latitude = re.search(r'name="latitude" type="hidden" value="([^"]+)"', html).group(1)
    assert abs(float(latitude) - JEMAA_EL_FNA[0]) < 1e-3
    assert re.search(rf'<option selected value="{medina.id}">', html)

    # Published: the photo is the proposal's, and the position is forgotten.
    longitude = re.search(r'name="longitude" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(_new_url(consultation), data={
        **fields, "latitude": latitude, "longitude": longitude, "confirmed": "1",
        "attachment": attachment.token}, content_type="multipart/form-data")
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    db.session.refresh(attachment)
    assert attachment.proposal_id == proposal.id and proposal.commune_id == medina.id
    assert attachment.offered_latitude is None and attachment.offered_longitude is None


def test_nothing_is_placed_without_the_authors_choice(client, medina_form):
    consultation, medina, resident = medina_form
    login(client, resident)
    response = client.post(_new_url(consultation), data={
        **valid_fields(consultation, medina), "confirmed": "1", "photo_alt": "The school roof",
        "photo": _upload(files.phone_jpeg(gps=JEMAA_EL_FNA), "roof.jpg", "image/jpeg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.latitude is None and proposal.longitude is None
    [attachment] = _attachments()
    assert attachment.proposal_id == proposal.id and attachment.offered_latitude is None


def test_the_htmx_button_answers_with_the_fieldset_only(client, consultation, commune, citizen):
    login(client, citizen)
    response = client.post(_new_url(consultation), headers=HX, data={
        **valid_fields(consultation, commune), "media_action": "add",
        "document": _upload(files.pdf_bytes(3), "Étude du douar.pdf", "application/pdf")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<fieldset class="proposal-attachments"')
    assert "Étude du douar.pdf" in html and "<html" not in html
    [document] = _attachments()
    assert document.kind == "document" and document.pages == 3


def test_files_sent_with_a_form_to_correct_are_kept(client, consultation, commune, citizen):
    login(client, citizen)
    response = client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune, body="Too short"), "photo_alt": "The track",
        "photo": _upload(files.png_bytes(), "track.png", "image/png")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "between 30 and 5000" in html.replace(",", "")
    [attachment] = _attachments()
    assert _tokens(html) == [attachment.token]  # kept, and said so
    response = client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune), "confirmed": "1", "attachment": attachment.token},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(attachment)
    assert attachment.proposal_id == db.session.scalar(select(Proposal.id))


def _four_photos(client, consultation, commune):
    tokens = []
    for index in range(4):
        html = client.post(_new_url(consultation), data={
            **valid_fields(consultation, commune), "media_action": "add", "attachment": tokens,
            "photo_alt": f"Photo number {index + 1}",
            "photo": _upload(files.png_bytes(), f"p{index}.png", "image/png")},
            content_type="multipart/form-data").get_data(as_text=True)
        tokens = _tokens(html)
    assert len(tokens) == 4
    return tokens


BAD_FILES = {
    "a PNG renamed .pdf": ("document", files.png_bytes(), "study.pdf", "not a PDF"),
    "an HTML file renamed .jpg": ("photo", files.HTML_PAGE, "photo.jpg", "cannot be accepted"),
    "an SVG with a script": ("photo", files.SVG_WITH_SCRIPT, "drawing.svg",
                             "cannot be accepted"),
    "a decompression bomb": ("photo", files.png_bomb(), "big.png", "too large in pixels"),
    "a truncated JPEG": ("photo", files.truncated(files.phone_jpeg()), "cut.jpg",
                         "damaged or incomplete"),
    "a zero-byte file": ("photo", b"", "empty.jpg", "The file is empty"),
    "a file over the limit": ("document", files.pdf_bytes() + b"%" * (1024 * 1024), "big.pdf",
                              "too large"),
    "a PDF with JavaScript": ("document", files.pdf_bytes().replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        "script.pdf", "scripts"),
    "a missing alt text": ("photo", files.png_bytes(), "roof.png", "Describe the photo"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_message_and_nothing_stored(client, app, consultation,
                                                                   commune, citizen, case,
                                                                   monkeypatch):
    field, data, name, message = BAD_FILES[case]
    monkeypatch.setitem(app.config, "ROADMAP_UPLOAD_MAX_MB", 1)
    login(client, citizen)
    before = _media_files()
    form = {**valid_fields(consultation, commune), "confirmed": "1", field: _upload(data, name)}
    if field == "photo" and case != "a missing alt text":
        form["photo_alt"] = "A description"
    response = client.post(_new_url(consultation), data=form, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html, html[html.find('class="errors"') - 200:][:600]
    assert _attachments() == [] and _media_files() == before
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_a_fifth_photo_is_refused_and_the_four_kept(client, consultation, commune, citizen):
    login(client, citizen)
    tokens = _four_photos(client, consultation, commune)
    before = _media_files()
    response = client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune), "media_action": "add", "attachment": tokens,
        "photo_alt": "One too many", "photo": _upload(files.png_bytes(), "p5.png", "image/png")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "4 photos at most" in html
    assert _tokens(html) == tokens and _media_files() == before and len(_attachments()) == 4


def test_files_are_served_safely_and_only_to_who_may_see_them(client, consultation, commune,
                                                              citizen, factory):
    login(client, citizen)
    html = client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune), "media_action": "add",
        "photo_alt": "The track", "photo": _upload(files.png_bytes(), "t.png", "image/png"),
        "document": _upload(files.pdf_bytes(), "<b onclick=alert(1)>Étude.pdf", "application/pdf")},
        content_type="multipart/form-data").get_data(as_text=True)
    photo, document = _attachments()
    assert "&lt;b onclick=alert(1)&gt;Étude.pdf" in html and "<b onclick" not in html
    # Staged: its uploader only.
    assert client.get(f"/media/{photo.token}/thumb").status_code == 200
    other = FreshLogin(client, factory.user())
    assert client.get(f"/media/{photo.token}/thumb").status_code == 404
    other.back(citizen)
    client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune), "confirmed": "1",
        "attachment": [photo.token, document.token]}, content_type="multipart/form-data")
    client.post("/logout")
    thumb = client.get(f"/media/{photo.token}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/webp"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    pdf = client.get(f"/media/{document.token}/file")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%3Cb%20onclick%3Dalert%281%29%3E%C3%89tude.pdf" \
        in pdf.headers["Content-Disposition"]
    assert "default-src 'self'" in pdf.headers["Content-Security-Policy"]
    assert client.get(f"/media/{document.token}/thumb").status_code == 404
    assert client.get(f"/media/{'0' * 32}/thumb").status_code == 404


class FreshLogin:
    """Sign in as someone else for a moment."""

    def __init__(self, client, user):
        self.client = client
        client.post("/logout")
        login(client, user)

    def back(self, user):
        self.client.post("/logout")
        login(self.client, user)


def test_the_card_shows_the_thumbnail_and_the_page_the_gallery_and_documents(
        client, consultation, commune, citizen, factory):
    login(client, citizen)
    client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune), "confirmed": "1",
        "photo_alt": 'The "roof" <script>alert(1)</script> of the school',
        "photo": _upload(files.phone_jpeg(), "roof.jpg", "image/jpeg"),
        "document": _upload(files.pdf_bytes(2), "Devis toiture.pdf", "application/pdf")},
        content_type="multipart/form-data")
    proposal = db.session.scalar(select(Proposal))
    photo, document = _attachments()
    client.post("/logout")
    listing = client.get(f"/c/{consultation.slug}/proposals").get_data(as_text=True)
    card = listing[listing.index(f'id="proposal-{proposal.id}"'):][:2000]
    assert f'src="/media/{photo.token}/thumb"' in card and 'loading="lazy"' in card
    escaped = "The &#34;roof&#34; &lt;script&gt;alert(1)&lt;/script&gt; of the school"
    assert f'alt="{escaped}"' in card and "<script>alert" not in listing
    page = client.get(f"/c/{consultation.slug}/proposals/{proposal.id}").get_data(as_text=True)
    assert f'href="/media/{photo.token}/screen"' in page and f'alt="{escaped}"' in page
    assert f'href="/media/{document.token}/file"' in page and "Devis toiture.pdf" in page
    assert "2 pages" in page and "<script>alert" not in page


def test_the_author_adds_and_removes_files_while_editing_is_open(client, consultation, commune,
                                                                 citizen, factory):
    proposal = factory.proposal(consultation, commune, citizen,
                                body="The children walk six kilometres to school.")
    db.session.commit()
    login(client, citizen)
    edit = f"/c/{consultation.slug}/proposals/{proposal.id}/edit"
    fields = valid_fields(consultation, commune)
    response = client.post(edit, data={**fields, "photo_alt": "The old classroom",
                                       "photo": _upload(files.png_bytes(), "c.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    [photo] = _attachments()
    assert photo.proposal_id == proposal.id
    html = client.get(edit).get_data(as_text=True)
    assert f'value="remove:{photo.token}"' in html
    response = client.post(edit, data={**fields, "media_action": f"remove:{photo.token}"},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and _attachments() == []
    assert not storage.files_of(photo.token)  # the files went with the committed removal

    # Once supported, the proposal (and so its files) can no longer be changed.
    response = client.post(edit, data={**fields, "photo_alt": "Again",
                                       "photo": _upload(files.png_bytes(), "c.png")},
                           content_type="multipart/form-data")
    [photo] = _attachments()
    proposal.supports_count = 1
    db.session.commit()
    response = client.post(edit, data={**fields, "media_action": f"remove:{photo.token}"},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 409) and len(_attachments()) == 1


def test_someone_elses_staged_file_cannot_be_taken(client, consultation, commune, citizen,
                                                   factory):
    login(client, citizen)
    html = client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune), "media_action": "add", "photo_alt": "Mine",
        "photo": _upload(files.png_bytes(), "m.png")},
        content_type="multipart/form-data").get_data(as_text=True)
    [token] = _tokens(html)
    client.post("/logout")
    login(client, factory.user())
    response = client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune), "confirmed": "1", "attachment": token,
        "media_action": ""}, content_type="multipart/form-data")
    assert response.status_code == 302
    [attachment] = _attachments()
    assert attachment.is_staged  # not attached to the other person's proposal


def test_a_heic_photo_from_a_phone_is_accepted(client, consultation, commune, citizen):
    from pillow_heif import from_pillow

    image = Image.new("RGB", (800, 600), (120, 160, 40))
    out = io.BytesIO()
    from_pillow(image).save(out, quality=80)
    login(client, citizen)
    response = client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune), "media_action": "add", "photo_alt": "The field",
        "photo": _upload(out.getvalue(), "IMG_0042.HEIC", "image/heic")},
        content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    [photo] = _attachments()
    assert Image.open(storage.path_for(photo.token, "screen", "webp")).size == (800, 600)


def test_a_proposal_made_by_voice_needs_only_a_title_and_is_found_by_its_transcript(
        client, consultation, commune, citizen, factory):
    from tests.media.sounds import tone

    login(client, citizen)
    fields = {**valid_fields(consultation, commune, body=""), "confirmed": "1"}
    response = client.post(_new_url(consultation), data=fields,
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "or record a voice note" in response.get_data(
        as_text=True)
    response = client.post(_new_url(consultation), data={
        **fields, "voice": _upload(tone(2.0), "recording.webm", "audio/webm")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    proposal = db.session.scalar(select(Proposal))
    [note] = _attachments()
    assert proposal.body == "" and note.proposal_id == proposal.id and note.kind == "voice"
    db.session.refresh(note)
    assert note.state == "ready" and note.content_type == "audio/mp4"  # the queue re-encoded it
    page = client.get(f"/c/{consultation.slug}/proposals/{proposal.id}").get_data(as_text=True)
    assert f'src="/media/{note.token}/audio"' in page

    client.post("/logout")
    login(client, factory.user("moderator"))
    response = client.post(f"/media/{note.token}/transcript", data={
        f"transcript-{note.id}-transcript": "The spring above the douar has dried up"})
    assert response.status_code == 303
    listing = client.get(f"/c/{consultation.slug}/proposals?q=spring+douar").get_data(
        as_text=True)
    assert f'id="proposal-{proposal.id}"' in listing


def test_a_text_file_renamed_as_a_recording_is_refused_in_the_proposal_form(
        client, consultation, commune, citizen):
    login(client, citizen)
    before = _media_files()
    response = client.post(_new_url(consultation), data={
        **valid_fields(consultation, commune, body=""), "confirmed": "1",
        "voice": _upload(b"just some words, not a recording\n" * 40, "note.webm", "audio/webm")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert _attachments() == [] and _media_files() == before
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_a_truncated_photo_is_refused_even_after_weasyprint_relaxed_pillow(monkeypatch):
    """WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES when the PDF export is imported;
    the photo check decodes strictly all the same."""
    from PIL import ImageFile

    from roadmap.media.checks import UploadRefused
    from roadmap.media.images import process_photo

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(UploadRefused):
        process_photo(files.truncated(files.phone_jpeg()))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # given back as it was
