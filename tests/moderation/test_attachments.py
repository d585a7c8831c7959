"""Attachments are moderated like the rest: reported (hidden at the threshold pending review),
hidden and restored by moderators, hidden when their uploader is blocked, carried by a merge."""
from __future__ import annotations

from roadmap.audit.models import AuditEntry
from roadmap.extensions import db
from roadmap.media.models import Attachment
from roadmap.moderation import queries, services
from roadmap.moderation.models import Report
from roadmap.moderation.policies import can_report
from tests.conftest import login
from tests.media.helpers import attach_document, attach_photo


def _photo(scene, by=None, **kwargs):
    photo = attach_photo("proposal_id", scene.proposal.id, by or scene.author, **kwargs)
    db.session.commit()
    return photo


def test_three_reports_hide_a_photo_pending_review_and_a_moderator_restores_it(scene, factory):
    photo = _photo(scene)
    assert not can_report(scene.author, photo)  # one's own
    for _ in range(2):
        services.report(photo, factory.user(), "personal_data")
    assert photo.hidden_at is None
    services.report(photo, factory.user(), "offensive", "A face")
    assert photo.hidden_at is not None and photo.hidden_cause == "reports"
    [item] = [i for i in queries.review_queue() if i.kind == "attachment"]
    assert item.subject is photo and len(item.reports) == 3 and item.proposal == scene.proposal
    services.restore(photo, scene.moderator, "Nobody can be recognised")
    assert photo.hidden_at is None and queries.open_reports(photo) == []
    assert [i for i in queries.review_queue() if i.kind == "attachment"] == []
    actions = {e.action for e in db.session.query(AuditEntry).filter(
        AuditEntry.subject_type == "attachment", AuditEntry.subject_id == photo.id)}
    assert {"attachment.auto_hide", "attachment.restore"} <= actions


def test_report_form_and_moderator_decisions_through_the_pages(client, scene):
    photo = _photo(scene, alt_text='Square <script>alert(1)</script>')
    login(client, scene.citizen)
    url = f"/report/attachment/{photo.id}"
    page = client.get(url)
    assert page.status_code == 200 and "Report a photo" in page.get_data(as_text=True)
    assert "<script>alert(1)" not in page.get_data(as_text=True)
    assert client.post(url, data={"reason": "spam"}).status_code == 303
    assert db.session.query(Report).filter_by(attachment_id=photo.id).count() == 1
    assert client.post(f"/moderation/attachment/{photo.id}/hide",
                       data={"reason": "x"}).status_code == 403

    login(client, scene.moderator)
    queue = client.get("/moderation").get_data(as_text=True)
    assert f"/media/{photo.token}/thumb" in queue and "Square &lt;script&gt;" in queue
    response = client.post(f"/moderation/attachment/{photo.id}/hide",
                           data={"reason": "A child's face"})
    assert response.status_code == 303
    db.session.expire_all()
    assert photo.hidden_cause == "moderator" and photo.hidden_reason == "A child's face"
    client.post("/logout")
    assert client.get(f"/media/{photo.token}/screen").status_code == 404  # not to the public
    assert client.get(f"/report/attachment/{photo.id}").status_code in (302, 404)
    login(client, scene.moderator)
    assert client.get(f"/media/{photo.token}/screen").status_code == 200  # moderators judge it
    assert client.post(f"/moderation/attachment/{photo.id}/restore", data={}).status_code == 303
    db.session.expire_all()
    assert photo.hidden_at is None


def test_a_staged_upload_cannot_be_reported(client, scene):
    from roadmap.media.services import stage_photo
    from tests.media.helpers import jpeg_bytes, upload

    staged = stage_photo(upload(jpeg_bytes()), scene.author, "Not attached yet")
    db.session.commit()
    login(client, scene.citizen)
    assert client.get(f"/report/attachment/{staged.id}").status_code == 404


def test_blocking_hides_the_uploads_and_unblocking_shows_only_those(scene):
    shown = _photo(scene)
    hidden_before = _photo(scene, alt_text="Hidden by a moderator")
    services.hide(hidden_before, scene.moderator, "Off topic")
    services.block_user(scene.author, scene.moderator, "Spam")
    assert shown.hidden_cause == "blocked" and hidden_before.hidden_cause == "moderator"
    entry = db.session.query(AuditEntry).filter_by(action="user.block").one()
    assert entry.after["hidden"]["attachment"] == [shown.id]
    services.unblock_user(scene.author, scene.moderator)
    assert shown.hidden_at is None and hidden_before.hidden_cause == "moderator"


def test_a_merge_carries_the_attachments_and_undoing_gives_them_back(scene, factory):
    target = factory.proposal(scene.consultation, scene.commune, scene.citizen,
                              title="Trees on the square")
    kept = attach_photo("proposal_id", target.id, scene.citizen, alt_text="Target's photo")
    moved = [attach_photo("proposal_id", scene.proposal.id, scene.author) for _ in range(4)]
    document = attach_document("proposal_id", scene.proposal.id, scene.author)
    db.session.commit()
    [row] = services.merge(target, [scene.proposal], scene.moderator, "Same idea")
    on_target = db.session.query(Attachment).filter_by(proposal_id=target.id).order_by(
        Attachment.position).all()
    assert on_target == [kept, *moved, document]  # five photos: a merge may pass the limits
    assert len(services.vote_entries(row)) == 0
    assert [e["attachment_id"] for e in services.attachment_entries(row)] == [
        *(a.id for a in moved), document.id]
    services.undo_merge(row, scene.moderator)
    assert db.session.query(Attachment).filter_by(proposal_id=target.id).all() == [kept]
    back = db.session.query(Attachment).filter_by(proposal_id=scene.proposal.id).order_by(
        Attachment.position).all()
    assert back == [*moved, document] and [a.position for a in back] == [0, 1, 2, 3, 4]


def test_a_voice_note_can_be_reported_from_where_it_plays(client, app, factory):
    """The voice note's partial carries the same 'Report' link as photos and documents."""
    import io

    from tests.media.sounds import tone

    consultation = factory.consultation("proposals")
    commune = factory.commune()
    author = factory.user()
    db.session.commit()
    login(client, author)
    client.post(f"/c/{consultation.slug}/proposals/new", content_type="multipart/form-data",
                data={"title": "Water for the douar school", "body": "", "confirmed": "1",
                      "commune_id": str(commune.id), "axis_id": str(consultation.axes[0].id),
                      "voice": (io.BytesIO(tone(1.0)), "note.webm", "audio/webm")})
    note = db.session.scalar(db.select(Attachment).where(Attachment.kind == "voice"))
    client.post("/logout")
    login(client, factory.user())
    page = client.get(f"/c/{consultation.slug}/proposals/{note.proposal_id}").get_data(
        as_text=True)
    assert f'id="attachment-{note.id}-report"' in page
    assert f"/report/attachment/{note.id}" in page
