"""The moderators' list of voice notes waiting for a transcript, and typing one there."""
from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from roadmap.extensions import db
from roadmap.media import services
from roadmap.media.models import Attachment
from roadmap.moderation.queries import voice_notes_to_transcribe
from tests.conftest import login
from tests.media import sounds
from tests.participation.conftest import HX


@pytest.fixture(scope="module")
def recording() -> bytes:
    return sounds.tone(1, "webm", "libopus")


@pytest.fixture
def notes(app, scene, tmp_path, recording):
    """A voice note on the proposal and one on the comment, re-encoded (committed)."""
    previous = app.config.get("ROADMAP_UPLOAD_PATH")
    app.config["ROADMAP_UPLOAD_PATH"] = str(tmp_path)
    made = []
    for user, column, subject in ((scene.author, "proposal_id", scene.proposal),
                                  (scene.citizen, "comment_id", scene.comment)):
        note = services.stage_voice(FileStorage(io.BytesIO(recording), "voice.webm"), user)
        services.attach([note], column, subject.id)
        made.append(note.id)
    db.session.commit()
    db.session.expire_all()
    yield [db.session.get(Attachment, note_id) for note_id in made]
    app.config["ROADMAP_UPLOAD_PATH"] = previous


def test_the_list_holds_the_notes_without_transcript(scene, notes):
    on_proposal, on_comment = notes
    items = voice_notes_to_transcribe()
    assert [(i.note.id, i.proposal.id, i.comment) for i in items] == [
        (on_proposal.id, scene.proposal.id, None),
        (on_comment.id, scene.proposal.id, scene.comment)]
    services.set_transcript(on_proposal, "Some words", scene.moderator)
    scene.comment.hidden_at = scene.comment.created_at  # hidden content waits for no one
    assert voice_notes_to_transcribe() == []


def test_moderators_type_the_transcript_from_the_list(client, scene, notes):
    on_proposal, on_comment = notes
    login(client, scene.moderator)
    page = client.get("/moderation/transcripts?lang=en").get_data(as_text=True)
    assert "Voice notes to transcribe" in page
    assert f'src="/media/{on_proposal.token}/audio"' in page
    assert f'action="/media/{on_comment.token}/transcript"' in page
    queue = client.get("/moderation?lang=en").get_data(as_text=True)
    assert 'href="/moderation/transcripts"' in queue
    response = client.post(f"/media/{on_proposal.token}/transcript?lang=en", data={
        f"transcript-{on_proposal.id}-transcript": "نريد طريقا معبدا إلى السوق",
        "next": "/moderation/transcripts"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/transcripts"
    db.session.expire_all()
    note = db.session.get(Attachment, on_proposal.id)
    assert note.transcribed_by_id == scene.moderator.id
    page = client.get("/moderation/transcripts?lang=en").get_data(as_text=True)
    assert on_proposal.token not in page and on_comment.token in page
    found = client.get(f"/c/{scene.consultation.slug}/proposals?q=معبد&lang=en")
    assert f"/proposals/{scene.proposal.id}" in found.get_data(as_text=True)
    # With htmx, the voice note comes back in place with its transcript.
    response = client.post(f"/media/{on_comment.token}/transcript?lang=en", headers=HX,
                           data={f"transcript-{on_comment.id}-transcript": "Agreed"})
    assert response.status_code == 200
    assert "Agreed" in response.get_data(as_text=True)


def test_too_long_a_transcript_is_answered_422_with_the_form(client, scene, notes):
    login(client, scene.author)
    note = notes[0]
    response = client.post(f"/media/{note.token}/transcript?lang=en",
                           data={f"transcript-{note.id}-transcript": "x" * 5001})
    assert response.status_code == 422
    assert "Write at most 5000 characters." in response.get_data(as_text=True)


def test_who_reaches_the_list_and_the_form(client, scene, notes):
    note = notes[0]
    assert client.get("/moderation/transcripts").status_code == 302  # to log in
    login(client, scene.citizen)
    assert client.get("/moderation/transcripts").status_code == 403
    assert client.post(f"/media/{note.token}/transcript",
                       data={f"transcript-{note.id}-transcript": "Not mine"}).status_code == 403
    assert client.post("/media/" + "0" * 32 + "/transcript").status_code == 404
    login(client, scene.organiser)
    assert client.get("/moderation/transcripts").status_code == 200
