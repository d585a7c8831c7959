"""Moderation pages: reporting, the queue and its decisions, blocking, merging, the audit log."""
from __future__ import annotations

from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.moderation import services
from roadmap.audit.models import AuditEntry
from roadmap.moderation.models import Report
from tests.conftest import login

HX = {"HX-Request": "true"}


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_report_page_and_post(client, scene, factory):
    reporter = factory.user()
    login(client, reporter)
    page = client.get(f"/report/proposal/{scene.proposal.id}")
    assert page.status_code == 200 and b"Why are you reporting this?" in page.data
    fragment = client.get(f"/report/proposal/{scene.proposal.id}", headers=HX)
    assert b"<html" not in fragment.data and b"report-form" in fragment.data
    bad = client.post(f"/report/proposal/{scene.proposal.id}", data={"reason": "boring"})
    assert bad.status_code == 422 and _count(Report) == 0
    done = client.post(f"/report/comment/{scene.comment.id}",
                       data={"reason": "offensive", "note": "rude"}, headers=HX)
    assert done.status_code == 200 and b"Thank you" in done.data
    again = client.post(f"/report/comment/{scene.comment.id}", data={"reason": "spam"})
    assert again.status_code == 403
    assert _count(Report) == 1


def test_report_link_on_proposal_and_comment(client, scene, factory):
    login(client, factory.user())
    page = client.get(scene.url).get_data(as_text=True)
    assert f"/report/proposal/{scene.proposal.id}" in page
    assert f"/report/comment/{scene.comment.id}" in page


def test_queue_shows_reports_without_emails(client, scene, factory):
    reporter = factory.user(display_name="Reporter Name")
    services.report(scene.proposal, reporter, "spam", "Looks like an advert")
    login(client, scene.moderator)
    page = client.get("/moderation")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Shade trees on the square" in text and "Reporter Name" in text
    assert "Looks like an advert" in text
    assert "@example.org" not in text
    filtered = client.get("/moderation?reason=offensive", headers=HX).get_data(as_text=True)
    assert "Shade trees" not in filtered and "<html" not in filtered
    by_commune = client.get(f"/moderation?commune={scene.commune.code}&sort=reports")
    assert "Shade trees" in by_commune.get_data(as_text=True)


def test_participant_cannot_decide(client, scene):
    login(client, scene.citizen)
    assert client.get("/moderation").status_code == 403
    response = client.post(f"/moderation/proposal/{scene.proposal.id}/hide",
                           data={"reason": "mine now"})
    assert response.status_code == 403
    db.session.refresh(scene.proposal)
    assert scene.proposal.hidden_at is None and _count(AuditEntry) == 0
    assert client.post(f"/moderation/users/{scene.author.id}/block",
                       data={"reason": "x"}).status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_hide_with_htmx_replaces_the_row(client, scene):
    login(client, scene.moderator)
    response = client.post(f"/moderation/proposal/{scene.proposal.id}/hide",
                           data={"reason": "Insults in the text"}, headers=HX)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text
    assert f'id="proposal-{scene.proposal.id}-moderation"' in text
    assert "Restore" in text
    db.session.refresh(scene.proposal)
    assert scene.proposal.hidden_reason == "Insults in the text"


def test_hide_without_reason_is_refused(client, scene):
    login(client, scene.moderator)
    response = client.post(f"/moderation/proposal/{scene.proposal.id}/hide",
                           data={"reason": ""}, headers=HX)
    assert response.status_code == 422 and b"Give a reason" in response.data
    db.session.refresh(scene.proposal)
    assert scene.proposal.hidden_at is None


def test_decision_without_javascript_redirects(client, scene, factory):
    pending = factory.proposal(scene.consultation, scene.commune, scene.author, status="pending")
    login(client, scene.moderator)
    response = client.post(f"/moderation/proposal/{pending.id}/approve",
                           data={"next": "/moderation"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/moderation")
    db.session.refresh(pending)
    assert pending.status == "published"


def test_hidden_reason_visible_to_public_and_author(client, scene, factory):
    services.hide(scene.proposal, scene.moderator, "Personal data of a neighbour")
    services.hide(scene.comment, scene.moderator, "Rude words")
    db.session.commit()
    public = client.get(scene.url).get_data(as_text=True)
    assert "Hidden by the moderators: Personal data of a neighbour" in public
    assert "Plant trees." not in public and "Shade trees on the square" not in public
    login(client, scene.author)
    own = client.get(scene.url).get_data(as_text=True)
    assert "Hidden by the moderators: Personal data of a neighbour" in own
    assert "Plant trees." in own


def test_hidden_comment_shows_the_reason(client, scene):
    services.hide(scene.comment, scene.moderator, "Rude words")
    db.session.commit()
    login(client, scene.author)
    page = client.get(f"{scene.url}/comments").get_data(as_text=True)
    assert "Hidden by the moderators: Rude words" in page
    assert "I agree strongly." not in page


def test_pending_proposal_shown_to_its_author_only(client, scene, factory):
    pending = factory.proposal(scene.consultation, scene.commune, scene.author, status="pending")
    url = f"/c/{scene.consultation.slug}/proposals/{pending.id}"
    assert client.get(url).status_code == 404
    login(client, scene.author)
    assert b"awaits a moderator" in client.get(url).data


def test_block_and_unblock_from_the_queue(client, scene):
    login(client, scene.moderator)
    response = client.post(f"/moderation/users/{scene.citizen.id}/block",
                           data={"reason": "Spam", "row_kind": "comment",
                                 "row_id": scene.comment.id}, headers=HX)
    assert response.status_code == 200 and b"Unblock the author" in response.data
    db.session.refresh(scene.comment)
    assert scene.comment.hidden_cause == "blocked"
    response = client.post(f"/moderation/users/{scene.citizen.id}/unblock",
                           data={"next": "/moderation"})
    assert response.status_code == 303
    db.session.refresh(scene.comment)
    assert scene.comment.hidden_at is None


def test_merge_page_and_undo(client, scene, factory):
    source = factory.proposal(scene.consultation, scene.commune, factory.user(),
                              title="Trees on the main square")
    login(client, scene.moderator)
    page = client.get(f"/moderation/proposals/{source.id}/merge")
    assert page.status_code == 200 and b"Proposal to keep" in page.data
    bad = client.post(f"/moderation/proposals/{source.id}/merge",
                      data={"target": source.id, "sources": [source.id]})
    assert bad.status_code == 422
    done = client.post(f"/moderation/proposals/{source.id}/merge",
                       data={"target": scene.proposal.id, "sources": [source.id]})
    assert done.status_code == 303
    db.session.refresh(source)
    assert source.merged_into_id == scene.proposal.id
    merged_page = client.get(f"/c/{scene.consultation.slug}/proposals/{source.id}")
    assert b"This proposal was merged into" in merged_page.data
    target_page = client.get(scene.url).get_data(as_text=True)
    assert "Also proposed by" in target_page
    from roadmap.moderation.queries import active_merge_of
    merge = active_merge_of(source)
    assert client.post(f"/moderation/merges/{merge.id}/undo").status_code == 303
    db.session.refresh(source)
    assert source.merged_into_id is None


def test_audit_page_for_organisers(client, scene):
    services.hide(scene.proposal, scene.moderator, "Insults")
    db.session.commit()
    login(client, scene.organiser)
    page = client.get(f"/admin/audit?consultation={scene.consultation.slug}&action=proposal")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "proposal.hide" in text and "Insults" in text
    assert "<code>proposal.hide</code>" in text
    nobody = client.get("/admin/audit?actor=nobody").get_data(as_text=True)
    assert "<code>proposal.hide</code>" not in nobody and "0 entries" in nobody
    assert client.get("/admin/audit?page=2", headers=HX).status_code == 200


def test_queue_row_buttons_for_a_pending_proposal(client, scene, factory):
    pending = factory.proposal(scene.consultation, scene.commune, scene.author, status="pending",
                               title="Awaiting its check")
    db.session.commit()
    login(client, scene.moderator)
    text = client.get(f"/moderation?consultation={scene.consultation.slug}").get_data(
        as_text=True)
    row = text[text.index(f'id="proposal-{pending.id}-moderation"'):]
    row = row[:row.index("</article>")]
    for label in ("Approve", "Reject", "Hide", "Block the author", "Merge duplicates"):
        assert f">{label}<" in row
    assert f'for="proposal-{pending.id}-moderation-reason"' in row
    response = client.post(f"/moderation/proposal/{pending.id}/reject",
                           data={"reason": "Outside the prefecture"}, headers=HX)
    assert response.status_code == 200 and b"Decision recorded." in response.data
    assert b">Reject<" not in response.data
    db.session.refresh(pending)
    assert pending.status == "rejected" and pending.rejection_reason == "Outside the prefecture"
