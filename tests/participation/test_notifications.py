"""Follows, notifications (comments, status changes, roadmap) and the email digest."""
from __future__ import annotations

from sqlalchemy import select

from roadmap.core.mail import OutboxMessage
from roadmap.extensions import db
from roadmap.participation import queries
from roadmap.participation.messages import notification_text
from roadmap.participation.models import Notification
from roadmap.participation.services import (cast_vote, follow, mark_notifications_read,
                                            notify_followers, post_comment)
from roadmap.proposals.signals import proposal_status_changed, proposal_submitted


def _inbox(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def _outbox(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


def test_a_comment_notifies_the_followers_but_not_its_author(scene, factory):
    watcher = factory.user()
    follow(scene.proposal, watcher)
    cast_vote(scene.proposal, scene.citizen)  # supporters follow
    comment = post_comment(scene.proposal, scene.citizen, "Un commentaire")
    assert _inbox(scene.citizen) == []
    [note] = _inbox(watcher)
    assert (note.kind, note.proposal_id, note.comment_id) == ("comment", scene.proposal.id,
                                                              comment.id)
    assert note.payload == {"author": "Citizen"}
    assert notification_text(note) == f"Citizen commented on “{scene.proposal.title}”."
    # the commenter now follows: the next comment, by the watcher, notifies them
    post_comment(scene.proposal, watcher, "Une réponse", parent=comment)
    assert [n.kind for n in _inbox(scene.citizen)] == ["comment"]
    assert len(_inbox(watcher)) == 1


def test_the_author_follows_a_submitted_proposal(scene, factory):
    proposal = factory.proposal(scene.consultation, scene.commune, scene.citizen)
    proposal_submitted.send(None, proposal=proposal)
    assert queries.is_following(scene.citizen, proposal)
    pending = factory.proposal(scene.consultation, scene.commune, scene.author, status="pending")
    proposal_submitted.send(None, proposal=pending)  # waiting for moderation: followed too
    assert queries.is_following(scene.author, pending)


def test_the_author_follows_through_the_proposals_service(factory):
    from roadmap.proposals.services import submit_proposal

    consultation = factory.consultation("proposals")
    commune = factory.commune()
    author = factory.user(home_commune=commune)
    proposal = submit_proposal(consultation, author, title="Une piste goudronnée au douar",
                               body="La piste est coupée chaque hiver, il faut la goudronner.",
                               commune_id=commune.id, axis_id=consultation.axes[0].id)
    assert queries.is_following(author, proposal)


def test_a_status_change_notifies_followers_but_not_who_made_it(scene, factory):
    watcher = factory.user(preferred_language="fr")
    follow(scene.proposal, watcher)
    follow(scene.proposal, scene.author)
    scene.proposal.status = "withdrawn"
    proposal_status_changed.send(None, proposal=scene.proposal, old_status="published",
                                 new_status="withdrawn", by=scene.author)
    assert _inbox(scene.author) == []
    [note] = _inbox(watcher)
    assert note.kind == "status" and note.payload["new_status"] == "withdrawn"
    assert "withdrawn" in notification_text(note)


def test_roadmap_notifications_for_the_roadmap_domain(scene, factory):
    watcher = factory.user()
    follow(scene.proposal, watcher)
    assert notify_followers(scene.proposal, "roadmap", {"item_id": 3}) == 1
    [note] = _inbox(watcher)
    assert notification_text(note) == f"“{scene.proposal.title}” entered the roadmap."


def test_unread_count_and_mark_all_read(scene, factory):
    watcher = factory.user()
    follow(scene.proposal, watcher)
    post_comment(scene.proposal, scene.citizen, "One")
    post_comment(scene.proposal, scene.author, "Two")
    assert queries.unread_count(watcher) == 2
    assert mark_notifications_read(watcher) == 2
    assert mark_notifications_read(watcher) == 0
    assert all(n.read_at is not None for n in _inbox(watcher))


def test_the_digest_sends_one_message_per_user_once(scene, factory, runner):
    french = factory.user(preferred_language="fr", email="fatima@example.org")
    arabic = factory.user(preferred_language="ar", email="youssef@example.org")
    reader = factory.user(email="reads-everything@example.org")
    for user in (french, arabic, reader):
        follow(scene.proposal, user)
    post_comment(scene.proposal, scene.citizen, "Premier commentaire")
    post_comment(scene.proposal, scene.author, "Deuxième commentaire")
    mark_notifications_read(reader)
    db.session.commit()

    result = runner.invoke(args=["notifications", "send-digest"])
    assert result.exit_code == 0, result.output
    assert "Digests sent: 3" in result.output  # the two followers, and the first commenter
    [message] = _outbox("fatima@example.org")
    assert len(_outbox("youssef@example.org")) == 1
    assert "Deuxième" not in _outbox(scene.citizen.email)[0].body
    assert _outbox("reads-everything@example.org") == []
    assert message.body.count(scene.proposal.title) == 2
    assert f"/c/{scene.consultation.slug}/proposals/{scene.proposal.id}#comment-" in message.body
    assert "http://" in message.body and "/notifications" in message.body
    assert all(n.emailed_at is not None for n in _inbox(french))

    again = runner.invoke(args=["notifications", "send-digest"])
    assert "Digests sent: 0" in again.output
    assert len(_outbox("fatima@example.org")) == 1
    post_comment(scene.proposal, scene.citizen, "Troisième commentaire")
    db.session.commit()
    runner.invoke(args=["notifications", "send-digest"])
    assert len(_outbox("fatima@example.org")) == 2
    assert "Troisième" not in _outbox("fatima@example.org")[1].body  # messages are data
    assert _outbox("fatima@example.org")[1].body.count(scene.proposal.title) == 1
