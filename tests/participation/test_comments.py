"""Comments, replies, edits, deletions and likes: services, policies and the thread query."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.participation import policies, queries
from roadmap.participation.models import Comment, CommentLike
from roadmap.participation.services import (AlreadyDone, InvalidComment, Refused, delete_comment,
                                            edit_comment, like_comment, post_comment,
                                            toggle_like, unlike_comment)


def _comments(proposal) -> int:
    return db.session.scalar(select(func.count(Comment.id))
                             .where(Comment.proposal_id == proposal.id))


def test_a_comment_is_posted_counted_and_its_author_follows(scene):
    comment = post_comment(scene.proposal, scene.citizen, "  Je soutiens.\r\nC'est urgent.  ",
                           "for")
    assert comment.body == "Je soutiens.\nC'est urgent."
    assert comment.stance == "for" and comment.parent_id is None and not comment.is_official
    assert scene.proposal.comments_count == 1
    assert queries.is_following(scene.citizen, scene.proposal)
    assert queries.counters_agree()


@pytest.mark.parametrize("role, official", [("participant", False), ("moderator", True),
                                            ("organiser", True), ("admin", True)])
def test_officials_comments_carry_the_badge(factory, scene, role, official):
    comment = post_comment(scene.proposal, factory.user(role), "Réponse de la préfecture.")
    assert comment.is_official is official


def test_one_level_of_replies(scene, factory):
    top = post_comment(scene.proposal, scene.author, "Top level comment")
    reply = post_comment(scene.proposal, scene.citizen, "A reply", "against", parent=top)
    deeper = post_comment(scene.proposal, factory.user(), "A reply to the reply", parent=reply)
    assert reply.parent_id == top.id
    assert deeper.parent_id == top.id  # attached to the thread, not to the reply
    assert scene.proposal.comments_count == 3


def test_a_parent_from_another_proposal_is_refused(scene, factory):
    other = factory.proposal(scene.consultation, scene.commune)
    foreign = post_comment(other, scene.citizen, "Elsewhere")
    with pytest.raises(InvalidComment):
        post_comment(scene.proposal, scene.citizen, "Confused reply", parent=foreign)
    assert _comments(scene.proposal) == 0


@pytest.mark.parametrize("body, stance", [("", "for"), ("x", "for"), ("   y   ", "neutral"),
                                          ("z" * 3001, "for"), ("Fine text", "maybe")])
def test_invalid_comments_are_refused_and_nothing_is_saved(scene, body, stance):
    with pytest.raises(InvalidComment):
        post_comment(scene.proposal, scene.citizen, body, stance)
    assert _comments(scene.proposal) == 0 and scene.proposal.comments_count == 0


def test_the_limits_of_the_body_are_accepted(scene):
    post_comment(scene.proposal, scene.citizen, "ok")
    post_comment(scene.proposal, scene.citizen, "é" * 3000)
    assert _comments(scene.proposal) == 2


@pytest.mark.parametrize("phase, open_", [("diagnosis", False), ("proposals", True),
                                          ("voting", True), ("evaluation", True),
                                          ("roadmap", False), ("implementation", False)])
def test_comments_are_open_from_proposals_until_evaluation_ends(factory, phase, open_):
    consultation = factory.consultation(phase)
    proposal = factory.proposal(consultation, factory.commune())
    user = factory.user()
    assert policies.can_comment(user, proposal) is open_
    if open_:
        post_comment(proposal, user, "Open for discussion")
    else:
        with pytest.raises(Refused) as refused:
            post_comment(proposal, user, "Too late or too early")
        assert refused.value.code == "phase"
    assert _comments(proposal) == (1 if open_ else 0)


@pytest.mark.parametrize("fields", [{"status": "withdrawn"}, {"hidden_at": utcnow()},
                                    {"status": "pending"}])
def test_no_comment_on_a_proposal_that_is_not_public(factory, scene, fields):
    proposal = factory.proposal(scene.consultation, scene.commune, **fields)
    with pytest.raises(Refused):
        post_comment(proposal, scene.citizen, "Should not be saved")
    assert _comments(proposal) == 0


def test_the_author_edits_within_the_window(scene, factory, app):
    comment = post_comment(scene.proposal, scene.citizen, "First version", "for")
    assert not policies.can_edit_comment(factory.user(), comment)
    with pytest.raises(Refused) as refused:
        edit_comment(comment, scene.author, "Not mine to change")
    assert refused.value.code == "not_author"
    edit_comment(comment, scene.citizen, "Second version", "against")
    assert (comment.body, comment.stance) == ("Second version", "against")
    assert comment.edited_at is not None
    comment.created_at = utcnow() - timedelta(minutes=16)
    db.session.flush()
    with pytest.raises(Refused) as refused:
        edit_comment(comment, scene.citizen, "Third version")
    assert refused.value.code == "too_late" and "15 minutes" in str(refused.value)
    app.config["COMMENT_EDIT_MINUTES"] = 30
    try:
        edit_comment(comment, scene.citizen, "Third version")
    finally:
        del app.config["COMMENT_EDIT_MINUTES"]
    assert comment.body == "Third version"


def test_deleting_keeps_the_replies_and_counts_once(scene, factory):
    top = post_comment(scene.proposal, scene.author, "Top level comment")
    reply = post_comment(scene.proposal, scene.citizen, "A reply", parent=top)
    with pytest.raises(Refused):
        delete_comment(top, scene.citizen)
    delete_comment(top, scene.author)
    assert top.body == "" and top.deleted_at is not None
    assert db.session.get(Comment, reply.id).parent_id == top.id
    assert scene.proposal.comments_count == 1  # deleted comments do not count
    with pytest.raises(Refused) as refused:
        delete_comment(top, scene.author)
    assert refused.value.code == "deleted"
    assert scene.proposal.comments_count == 1
    assert not policies.can_edit_comment(scene.author, top)
    assert queries.counters_agree()
    # a reply to a deleted comment still joins its thread
    assert post_comment(scene.proposal, scene.citizen, "Still here", parent=top).parent_id == top.id


def test_likes_toggle_once_per_person(scene, factory):
    comment = post_comment(scene.proposal, scene.author, "Like me")
    fan = factory.user()
    like_comment(comment, fan)
    with pytest.raises(AlreadyDone):
        like_comment(comment, fan)
    like_comment(comment, scene.citizen)
    assert comment.likes_count == 2
    assert toggle_like(comment, fan) is False
    assert comment.likes_count == 1
    assert toggle_like(comment, fan) is True
    unlike_comment(comment, scene.citizen)
    assert comment.likes_count == 1 == db.session.scalar(
        select(func.count(CommentLike.id)).where(CommentLike.comment_id == comment.id))
    assert queries.has_liked(fan, comment) and not queries.has_liked(scene.citizen, comment)
    with pytest.raises(Refused) as refused:
        like_comment(comment, scene.author)
    assert refused.value.code == "own"
    assert queries.counters_agree()


def _thread_of(scene, factory, count: int, replies: int = 2):
    people = [factory.user() for _ in range(3)]
    heads = []
    for n in range(count):
        head = post_comment(scene.proposal, people[n % 3], f"Comment {n:02d}")
        head.created_at = utcnow() - timedelta(hours=count - n)
        heads.append(head)
        for r in range(replies):
            post_comment(scene.proposal, people[(n + r + 1) % 3], f"Reply {n:02d}.{r}",
                         parent=head)
    db.session.flush()
    return heads, people


def test_sorting_and_pagination_of_threads(scene, factory):
    heads, people = _thread_of(scene, factory, 25, replies=1)
    like_comment(heads[7], people[0] if heads[7].author_id != people[0].id else people[1])
    oldest = queries.comment_page(scene.proposal.id, sort="oldest")
    assert [t.comment.body for t in oldest.threads][:2] == ["Comment 00", "Comment 01"]
    assert (oldest.total, oldest.pages, len(oldest.threads)) == (25, 2, 20)
    assert [r.body for r in oldest.threads[0].replies] == ["Reply 00.0"]
    second = queries.comment_page(scene.proposal.id, sort="oldest", page=2)
    assert [t.comment.body for t in second.threads] == [f"Comment {n:02d}" for n in range(20, 25)]
    newest = queries.comment_page(scene.proposal.id, sort="newest")
    assert newest.threads[0].comment.body == "Comment 24"
    liked = queries.comment_page(scene.proposal.id, sort="liked")
    assert liked.threads[0].comment.body == "Comment 07"
    assert queries.comment_page(scene.proposal.id, sort="nonsense").sort == "oldest"
    assert queries.comment_page(scene.proposal.id, page=99).page == 2


def test_a_page_of_comments_takes_the_same_statements_however_many_it_shows(scene, factory):
    from tests.participation.helpers import count_statements

    proposal_id, viewer = scene.proposal.id, scene.citizen
    _thread_of(scene, factory, 2)
    db.session.expunge_all()
    with count_statements() as few:
        page = queries.comment_page(proposal_id, viewer=viewer)
        [c.author.display_name for t in page.threads for c in [t.comment, *t.replies]]
    db.session.add(scene.proposal)
    _thread_of(scene, factory, 18, replies=3)
    db.session.expunge_all()
    with count_statements() as many:
        page = queries.comment_page(proposal_id, viewer=viewer)
        [c.author.display_name for t in page.threads for c in [t.comment, *t.replies]]
    assert len(page.threads) == 20
    assert len(many) == len(few) == 5  # count, heads, replies, their voice notes, likes
