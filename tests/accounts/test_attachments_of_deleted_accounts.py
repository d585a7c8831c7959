"""Deleting an account deletes the files its user uploaded (rows and files on disk); the
proposals they were attached to stay. The personal-data export lists the user's files."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from roadmap.accounts import personal_data
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.media import storage
from roadmap.media.models import Attachment
from roadmap.media.services import stage_photo
from roadmap.proposals.models import Proposal
from tests.media.helpers import attach_document, attach_photo, jpeg_bytes, upload


def _scene(factory):
    consultation = factory.consultation("proposals")
    commune = factory.commune()
    author = factory.user(display_name="Author")
    other = factory.user(display_name="Other")
    proposal = factory.proposal(consultation, commune, author, title="A clean water point")
    return author, other, proposal


def test_deleting_an_account_removes_its_files_and_rows_and_keeps_the_proposal(app, factory):
    author, other, proposal = _scene(factory)
    photo = attach_photo("proposal_id", proposal.id, author)
    document = attach_document("proposal_id", proposal.id, author)
    staged = stage_photo(upload(jpeg_bytes()), author, "Not sent yet")
    theirs = attach_photo("proposal_id", proposal.id, other, alt_text="Someone else's photo")
    db.session.commit()
    mine = [path for a in (photo, document, staged) for path in storage.files_of(a.token)]
    assert len(mine) == 5 and all(path.is_file() for path in mine)
    ids = [photo.id, document.id, staged.id]

    personal_data.delete_account(author, by=author)
    assert all(path.is_file() for path in mine)  # nothing goes before the commit
    db.session.commit()

    assert not any(path.exists() for path in mine)
    assert db.session.scalars(select(Attachment.id).where(Attachment.id.in_(ids))).all() == []
    kept = db.session.get(Proposal, proposal.id)
    assert kept is not None and kept.title == "A clean water point"
    assert storage.files_of(theirs.token) and db.session.get(Attachment, theirs.id) is not None


def test_a_rolled_back_deletion_keeps_the_files(app, factory):
    author, _other, proposal = _scene(factory)
    photo = attach_photo("proposal_id", proposal.id, author)
    db.session.commit()
    personal_data.delete_account(author, by=author)
    db.session.rollback()
    assert len(storage.files_of(photo.token)) == 2


def test_the_export_lists_the_users_files_with_their_addresses(app, factory, english_request):
    author, other, proposal = _scene(factory)
    photo = attach_photo("proposal_id", proposal.id, author, alt_text="The dry well")
    document = attach_document("proposal_id", proposal.id, author, name="survey.pdf")
    attach_photo("proposal_id", proposal.id, other, alt_text="Other's photo")
    data = personal_data.export_personal_data(author)
    listed = {entry["id"]: entry for entry in data["attachments"]}
    assert set(listed) == {photo.id, document.id}
    assert listed[photo.id]["kind"] == "photo" and listed[photo.id]["alt_text"] == "The dry well"
    assert listed[photo.id]["urls"]["screen"].endswith(f"/media/{photo.token}/screen")
    assert listed[photo.id]["urls"]["screen"].startswith("http")
    assert listed[document.id]["original_name"] == "survey.pdf"
    assert listed[document.id]["urls"] == {
        "file": listed[document.id]["urls"]["file"]} and "/file" in listed[document.id]["urls"]["file"]
    assert "Other's photo" not in str(data)


def test_purge_staged_deletes_old_staged_uploads_only(app, factory, runner):
    author, _other, proposal = _scene(factory)
    old = stage_photo(upload(jpeg_bytes()), author, "Left behind")
    fresh = stage_photo(upload(jpeg_bytes()), author, "Still being written")
    kept = attach_photo("proposal_id", proposal.id, author)
    old.created_at = utcnow() - timedelta(hours=30)
    kept.created_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    result = runner.invoke(args=["media", "purge-staged"])
    assert result.exit_code == 0 and "Staged uploads deleted: 1" in result.output
    assert db.session.get(Attachment, old.id) is None and not storage.files_of(old.token)
    assert db.session.get(Attachment, fresh.id) is not None and storage.files_of(fresh.token)
    assert db.session.get(Attachment, kept.id) is not None
