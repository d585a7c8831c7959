"""Voice notes through the services and the task queue (immediate in tests: the job runs when
the transaction commits, in a session of its own, as a separate worker would)."""
from __future__ import annotations

import io

import av
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from roadmap.audit.models import AuditEntry
from roadmap.core.jobs import BackgroundJob
from roadmap.extensions import db
from roadmap.media import services
from roadmap.media.jobs import KIND
from roadmap.media.models import Attachment
from roadmap.media.policies import can_transcribe
from roadmap.proposals.queries import ProposalFilters, filtered_proposals, similar_proposals


@pytest.fixture(autouse=True)
def _english(english_request):
    yield


def upload(data: bytes, name: str = "voice.webm") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="audio/webm")


@pytest.fixture
def scene(factory):
    consultation = factory.consultation("proposals")
    commune = factory.commune()
    author = factory.user(home_commune=commune)
    proposal = factory.proposal(consultation, commune, author, title="Water for the school",
                                body="The school of the douar needs a water tank and a tap.")
    return consultation, commune, author, proposal


def _attached_voice(scene, data) -> Attachment:
    _consultation, _commune, author, proposal = scene
    note = services.stage_voice(upload(data), author)
    services.attach([note], "proposal_id", proposal.id)
    db.session.commit()  # the job runs now (immediate queue), in its own session
    db.session.expire_all()
    return db.session.get(Attachment, note.id)


def test_a_voice_note_is_processing_until_the_queue_re_encodes_it(scene, upload_folder,
                                                                  webm_voice):
    _consultation, _commune, author, proposal = scene
    note = services.stage_voice(upload(webm_voice), author)
    assert note.state == "processing" and note.kind == "voice"
    assert sorted(p.name for p in upload_folder.iterdir()) == [f"{note.token}-upload.raw"]
    job = db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == KIND))
    assert job.payload == {"attachment_id": note.id} and job.state == "queued"
    services.attach([note], "proposal_id", proposal.id)
    db.session.commit()
    db.session.expire_all()
    note = db.session.get(Attachment, note.id)
    assert note.state == "ready", note.error
    assert (note.content_type, note.extension) == ("audio/mp4", "m4a")
    assert note.duration_seconds == pytest.approx(2.0, abs=0.05)
    assert sorted(p.name for p in upload_folder.iterdir()) == [f"{note.token}-audio.m4a"]
    data = (upload_folder / f"{note.token}-audio.m4a").read_bytes()
    assert note.size == len(data) and b"Secret title" not in data
    assert av.open(io.BytesIO(data)).streams.audio[0].codec_context.name == "aac"
    assert db.session.get(BackgroundJob, job.id).state == "done"


def test_the_note_is_served_inline_once_ready(client, scene, upload_folder, webm_voice):
    note = _attached_voice(scene, webm_voice)
    response = client.get(f"/media/{note.token}/audio")
    assert response.status_code == 200
    assert response.mimetype == "audio/mp4"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in response.headers.get("Content-Disposition", "")


def test_a_note_the_queue_cannot_encode_fails_and_its_upload_is_deleted(scene, upload_folder,
                                                                       webm_voice):
    _consultation, _commune, author, proposal = scene
    note = services.stage_voice(upload(webm_voice), author)
    (upload_folder / f"{note.token}-upload.raw").write_bytes(b"corrupted on the disk")
    services.attach([note], "proposal_id", proposal.id)
    db.session.commit()
    db.session.expire_all()
    note = db.session.get(Attachment, note.id)
    assert note.state == "failed" and "not a sound recording" in note.error
    assert list(upload_folder.iterdir()) == []


@pytest.mark.parametrize("name, make, message", [
    ("notes.webm", lambda long: b"This is a text file renamed.\n" * 30, "not a sound recording"),
    ("long.ogg", lambda long: long, "too long"),
    ("empty.webm", lambda long: b"", None),
])
def test_bad_audio_is_refused_with_a_message_and_nothing_is_stored(
        scene, upload_folder, ten_minute_voice, name, make, message):
    _consultation, _commune, author, _proposal = scene
    data = make(ten_minute_voice)
    if not data:  # an empty upload is no file at all for the browser: the form sends nothing
        file = upload(b"", name)
        refused = None
        try:
            services.stage_voice(file, author)
        except services.MediaError as error:
            refused = error
        assert refused is not None and refused.field == "voice"
        assert "empty" in refused.message
    else:
        with pytest.raises(services.MediaError, match=message) as refused:
            services.stage_voice(upload(data, name), author)
        assert refused.value.field == "voice"
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert db.session.scalar(select(func.count(BackgroundJob.id)).where(
        BackgroundJob.kind == KIND)) == 0
    assert not upload_folder.exists() or list(upload_folder.iterdir()) == []


def test_no_file_chosen_is_no_voice_note(scene):
    assert services.stage_voice(FileStorage(stream=io.BytesIO(b""), filename=""),
                                scene[2]) is None


def test_one_voice_note_per_proposal(scene, upload_folder, webm_voice):
    _attached_voice(scene, webm_voice)
    second = services.stage_voice(upload(webm_voice), scene[2])
    with pytest.raises(services.MediaError, match="1 voice note at most"):
        services.attach([second], "proposal_id", scene[3].id)


def test_the_transcript_makes_the_proposal_found_by_a_word_of_it(scene, factory, upload_folder,
                                                                 webm_voice):
    consultation, _commune, author, proposal = scene
    note = _attached_voice(scene, webm_voice)
    filters = ProposalFilters(q="الساقية")
    assert filtered_proposals(consultation, filters).total == 0
    moderator = factory.user("moderator")
    services.set_transcript(note, "نطلب إصلاح السّاقية قرب المدرسة", moderator, "ar")
    db.session.commit()
    assert note.transcribed_by_id == moderator.id and note.language == "ar"
    page = filtered_proposals(consultation, filters)
    assert [p.id for p in page.items] == [proposal.id]
    assert "الساقيه" in proposal.search_text  # folded as the search terms are
    assert proposal.transcript.startswith("نطلب")
    assert proposal.text_for_reading.endswith("قرب المدرسة")
    found = similar_proposals(consultation, "Water for the school", "إصلاح الساقية قرب المدرسة")
    assert proposal.id in [p.id for p, _score in found]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.subject_type, entry.subject_id) == (
        "attachment.transcript", "attachment", note.id)
    assert entry.consultation_id == consultation.id
    # Cleared: no longer found; the edit of the proposal keeps a transcript in its search text.
    services.set_transcript(note, "  ", author)
    assert note.transcript is None and note.transcribed_by_id is None
    assert filtered_proposals(consultation, filters).total == 0


def test_an_edit_of_the_proposal_keeps_the_transcript_searchable(scene, upload_folder,
                                                                 webm_voice):
    from roadmap.proposals.services import edit_proposal

    consultation, commune, author, proposal = scene
    note = _attached_voice(scene, webm_voice)
    services.set_transcript(note, "a broken irrigation channel", author)
    edit_proposal(proposal, author, title="Water for the school, now", body=proposal.body,
                  commune_id=commune.id, axis_id=proposal.axis_id)
    assert "irrigation" in proposal.search_text


def test_who_may_transcribe(scene, factory, upload_folder, webm_voice):
    _consultation, _commune, author, proposal = scene
    note = _attached_voice(scene, webm_voice)
    assert can_transcribe(author, note)
    assert can_transcribe(factory.user("moderator"), note)
    assert can_transcribe(factory.user("organiser"), note)
    assert not can_transcribe(factory.user(), note)
    assert not can_transcribe(factory.user("helpdesk"), note)
    staged = services.stage_voice(upload(webm_voice), author)
    assert not can_transcribe(author, staged)
    with pytest.raises(services.MediaError):
        services.set_transcript(note, "words", factory.user())
    with pytest.raises(services.MediaError, match="at most 5000"):
        services.set_transcript(note, "x" * 5001, author)


def test_the_exports_and_the_api_carry_the_transcript(client, scene, factory, upload_folder,
                                                       webm_voice):
    from roadmap.exports.tables import build_table

    consultation, _commune, author, proposal = scene
    note = _attached_voice(scene, webm_voice)
    services.set_transcript(note, "=cmd a canal for the fields", author)
    db.session.commit()
    for variant in ("public", "full"):
        table = build_table(consultation, "proposals", variant)
        column = table.headers.index("transcript")
        row = next(row for row in table.rows if row[0] == proposal.id)
        assert row[column] == "'=cmd a canal for the fields"  # neutralised as every text cell
    comments = build_table(consultation, "comments", "public")
    assert "transcript" in comments.headers
    answer = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert answer["data"]["transcript"] == "=cmd a canal for the fields"


def test_a_proposal_made_by_voice_needs_only_a_title(scene, upload_folder, webm_voice):
    from roadmap.proposals.services import InvalidProposal, edit_proposal, submit_proposal

    consultation, commune, author, _proposal = scene
    fields = {"title": "Une route pour le souk", "body": "", "commune_id": commune.id,
              "axis_id": consultation.axes[0].id}
    with pytest.raises(InvalidProposal):
        submit_proposal(consultation, author, **fields)
    note = services.stage_voice(upload(webm_voice), author)
    proposal = submit_proposal(consultation, author, by_voice=True, **fields)
    services.attach([note], "proposal_id", proposal.id)
    assert proposal.body == ""
    with pytest.raises(InvalidProposal):  # a body that is given is checked as usual
        submit_proposal(consultation, author, by_voice=True, **{**fields, "body": "short"})
    edit_proposal(proposal, author, **{**fields, "title": "Une route goudronnée pour le souk"})
    assert proposal.body == "" and proposal.title.endswith("souk")


def test_the_proposal_page_shows_the_voice_note_and_the_authors_transcript_form(
        client, scene, factory, upload_folder, webm_voice):
    from tests.conftest import login

    consultation, _commune, author, proposal = scene
    note = services.stage_voice(upload(webm_voice), author)
    services.attach([note], "proposal_id", proposal.id)
    url = f"/c/{consultation.slug}/proposals/{proposal.id}?lang=en"
    # Rendered before the commit queues the job: what a page shows while the queue works.
    db.session.flush()
    page = client.get(url).get_data(as_text=True)
    assert "Processing: the voice note can be heard in a few moments." in page
    assert "<audio" not in page
    db.session.commit()
    login(client, author)
    page = client.get(url).get_data(as_text=True)
    assert f'src="/media/{note.token}/audio"' in page and 'preload="none"' in page
    assert "Add a transcript" in page
    login(client, factory.user())
    page = client.get(url).get_data(as_text=True)
    assert f'src="/media/{note.token}/audio"' in page and "Add a transcript" not in page


def test_a_note_that_failed_is_told_to_its_uploader_only(client, scene, factory, upload_folder,
                                                          webm_voice):
    from tests.conftest import login

    consultation, _commune, author, proposal = scene
    note = services.stage_voice(upload(webm_voice), author)
    (upload_folder / f"{note.token}-upload.raw").write_bytes(b"not audio any more")
    services.attach([note], "proposal_id", proposal.id)
    db.session.commit()
    url = f"/c/{consultation.slug}/proposals/{proposal.id}?lang=en"
    login(client, author)
    assert "This voice note could not be processed." in client.get(url).get_data(as_text=True)
    assert client.get(f"/media/{note.token}/audio").status_code == 404
    login(client, factory.user())
    page = client.get(url).get_data(as_text=True)
    assert "could not be processed" not in page and note.token not in page
