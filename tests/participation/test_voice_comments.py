"""Comments with a voice note through the real form (multipart POST), the task queue (immediate:
the re-encoding runs at the commit) and the comment's fragment."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.media.models import Attachment
from roadmap.participation.models import Comment
from tests.conftest import login
from tests.media import sounds
from tests.participation.conftest import HX


@pytest.fixture(scope="module")
def recording() -> bytes:
    return sounds.tone(1.5, "webm", "libopus", tags=sounds.TAGS)


@pytest.fixture
def uploads(app, tmp_path):
    previous = app.config.get("ROADMAP_UPLOAD_PATH")
    app.config["ROADMAP_UPLOAD_PATH"] = str(tmp_path)
    yield tmp_path / "media"
    app.config["ROADMAP_UPLOAD_PATH"] = previous


def _post(client, scene, data: bytes | None, body: str = "", headers=None, name="voice.webm"):
    db.session.commit()
    login(client, scene.citizen)
    form = {"comment-body": body, "comment-stance": "for"}
    if data is not None:
        form["comment-voice"] = (io.BytesIO(data), name, "audio/webm")
    return client.post(f"{scene.url}/comments?lang=en", data=form, headers=headers or {},
                       content_type="multipart/form-data")


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_comment_form_offers_a_voice_note_that_works_without_javascript(client, scene):
    page = client.get(f"{scene.url}?lang=en").get_data(as_text=True)
    db.session.commit()
    login(client, scene.citizen)
    page = client.get(f"{scene.url}?lang=en").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'hx-encoding="multipart/form-data"' in page
    assert 'type="file" id="comment-voice" name="comment-voice" accept="audio/*" capture' in page
    assert '<label for="comment-voice">Voice note (optional)</label>' in page
    for label in ("Record", "Stop", "Listen", "Discard"):
        assert f'data-action="{label.lower()}"' in page and f">{label}</button>" in page
    assert 'aria-live="polite"' in page and "/static/js/recorder.js" in page


def test_a_comment_by_voice_needs_no_text_and_plays_once_re_encoded(client, scene, uploads,
                                                                    recording):
    response = _post(client, scene, recording)
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment).where(Comment.proposal_id == scene.proposal.id))
    assert comment.body == ""
    db.session.expire_all()
    (note,) = comment.voice_notes
    assert note.state == "ready" and note.uploaded_by_id == scene.citizen.id
    assert _files(uploads) == [f"{note.token}-audio.m4a"]
    page = client.get(f"{scene.url}?lang=en").get_data(as_text=True)
    assert (f'<audio class="voice-player" controls preload="none" '
            f'src="/media/{note.token}/audio"') in page
    assert "No transcript yet." in page
    assert client.get(f"/media/{note.token}/audio").mimetype == "audio/mp4"


def test_a_comment_with_text_and_voice_through_htmx(client, scene, uploads, recording):
    response = _post(client, scene, recording, body="Listen to what the neighbours say",
                     headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Listen to what the neighbours say" in html
    # The fragment was rendered before the queue ran: it says "processing"... or it is ready.
    assert "voice-note" in html
    comment = db.session.scalar(select(Comment).where(Comment.proposal_id == scene.proposal.id))
    assert comment.body == "Listen to what the neighbours say" and len(comment.voice_notes) == 1


@pytest.mark.parametrize("data, name, message", [
    (b"Just some text, renamed.\n" * 30, "notes.webm", "This file is not a sound recording."),
    (b"", "empty.webm", "The file is empty."),
])
def test_bad_audio_is_refused_with_the_form_again_and_nothing_stored(client, scene, uploads,
                                                                     data, name, message):
    response = _post(client, scene, data, body="With a bad file", name=name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert "With a bad file" in html  # what was typed is kept
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert _files(uploads) == []


def test_a_ten_minute_recording_is_refused(client, scene, uploads):
    response = _post(client, scene, sounds.ten_minutes(), name="long.ogg")
    assert response.status_code == 422
    assert "This recording is too long: a voice note lasts 3 min at most." in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert _files(uploads) == []


def test_neither_text_nor_voice_is_refused(client, scene, uploads):
    response = _post(client, scene, None)
    assert response.status_code == 422
    assert "Write your comment, or record a voice note." in response.get_data(as_text=True)


def test_a_refused_comment_leaves_no_voice_file(client, scene, uploads, recording):
    scene.citizen.blocked_at = scene.citizen.created_at
    response = _post(client, scene, recording, body="Blocked author")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert _files(uploads) == []


def test_the_author_adds_a_transcript_on_the_page(client, scene, uploads, recording):
    _post(client, scene, recording)
    note = db.session.scalar(select(Attachment))
    page = client.get(f"{scene.url}?lang=en").get_data(as_text=True)
    assert "Add a transcript" in page
    response = client.post(f"/media/{note.token}/transcript?lang=en",
                           data={f"transcript-{note.id}-transcript": "Fix the pump, please"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Attachment, note.id).transcript == "Fix the pump, please"
    page = client.get(f"{scene.url}?lang=en").get_data(as_text=True)
    assert "Fix the pump, please" in page and "Edit the transcript" in page


def test_a_voice_only_comment_may_be_edited_without_text(client, scene, uploads, recording):
    _post(client, scene, recording)
    comment = db.session.scalar(select(Comment))
    response = client.post(f"/comments/{comment.id}/edit?lang=en",
                           data={f"edit-{comment.id}-body": "",
                                 f"edit-{comment.id}-stance": "against"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).stance == "against"
