"""Workshops' records: organisers attach photos (with their description) and PDF documents;
the workshop page shows them as a gallery and a list of downloads, escaped."""
from __future__ import annotations

import io

from sqlalchemy import select

from roadmap.extensions import db
from roadmap.media import storage
from roadmap.media.models import Attachment
from tests.conftest import login
from tests.consultations.test_workshops import form, record, setting  # noqa: F401
from tests.media.helpers import jpeg_bytes, pdf_bytes


def _files(workshop) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.workshop_id == workshop.id)
                                   .order_by(Attachment.position)))


def test_organiser_attaches_a_photo_and_a_document_shown_on_the_workshop_page(
        client, setting, factory):
    consultation, first, _second, _foreign = setting
    organiser = factory.user("organiser")
    workshop = record(consultation, first, organiser)
    db.session.commit()
    login(client, organiser)
    edit = f"/c/{consultation.slug}/workshops/{workshop.id}/edit"
    response = client.post(edit, data={**form(first), "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="photo_alt-error"' in response.get_data(as_text=True)
    assert _files(workshop) == []
    response = client.post(edit, data={
        **form(first), "photo": (io.BytesIO(jpeg_bytes(gps=(31.6, -8.0))), "hall.jpg"),
        "photo_alt": 'La salle <img src=x onerror="alert(1)">',
        "document": (io.BytesIO(pdf_bytes(3)), '<b>Feuille<b> présence.pdf')},
        content_type="multipart/form-data")
    assert response.status_code == 302
    photo, document = _files(workshop)
    assert (photo.kind, document.kind) == ("photo", "document")
    assert document.pages == 3 and document.original_name.endswith(".pdf")
    assert photo.offered_latitude is None  # a workshop's photo never keeps a position

    client.post("/logout")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # a visitor reading English
    page = client.get(f"/c/{consultation.slug}/workshops/{workshop.id}").get_data(as_text=True)
    assert 'class="media-gallery"' in page
    assert f'href="/media/{photo.token}/screen"' in page
    assert f'src="/media/{photo.token}/thumb"' in page and 'loading="lazy"' in page
    assert 'alt="La salle &lt;img src=x onerror=&#34;alert(1)&#34;&gt;"' in page
    assert "<img src=x" not in page and "<b>Feuille" not in page
    assert f'href="/media/{document.token}/file"' in page and "3 pages" in page
    assert document.original_name == "<b>Feuille<b> présence.pdf"
    assert "&lt;b&gt;Feuille&lt;b&gt; présence.pdf" in page
    assert client.get(f"/media/{photo.token}/thumb").status_code == 200
    download = client.get(f"/media/{document.token}/file")
    assert download.status_code == 200 and download.data == storage.path_for(
        document.token, "file", "pdf").read_bytes()


def test_organiser_removes_a_file_and_it_leaves_the_disk_once_committed(client, setting, factory):
    consultation, first, _second, _foreign = setting
    organiser = factory.user("organiser")
    workshop = record(consultation, first, organiser)
    db.session.commit()
    login(client, organiser)
    edit = f"/c/{consultation.slug}/workshops/{workshop.id}/edit"
    client.post(edit, data={**form(first), "document": (io.BytesIO(pdf_bytes()), "notes.pdf")},
                content_type="multipart/form-data")
    [document] = _files(workshop)
    path = storage.path_for(document.token, "file", "pdf")
    assert path.is_file() and "notes.pdf" in client.get(edit).get_data(as_text=True)
    response = client.post(edit, data={**form(first), "remove_attachments": [document.token]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert _files(workshop) == [] and not path.exists()


def test_a_refused_file_keeps_the_workshop_as_it_was(client, setting, factory):
    consultation, first, _second, _foreign = setting
    organiser = factory.user("organiser")
    workshop = record(consultation, first, organiser)
    db.session.commit()
    login(client, organiser)
    edit = f"/c/{consultation.slug}/workshops/{workshop.id}/edit"
    response = client.post(edit, data={**form(first, title="Changed"),
                                       "document": (io.BytesIO(b"%PDF-1.4 junk"), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="document-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert workshop.title == "Atelier" and _files(workshop) == []


def test_participants_cannot_attach_files(client, setting, factory):
    consultation, first, _second, _foreign = setting
    workshop = record(consultation, first, factory.user("organiser"))
    db.session.commit()
    login(client, factory.user())
    response = client.post(f"/c/{consultation.slug}/workshops/{workshop.id}/edit",
                           data={**form(first), "document": (io.BytesIO(pdf_bytes()), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 403 and _files(workshop) == []
