"""Participation pages and fragments through the real stack: status, page or fragment, database."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.participation.models import Comment, CommentLike, Follow, Notification, Vote
from roadmap.participation.services import cast_vote, follow, post_comment
from tests.conftest import login
from tests.participation.conftest import HX


def _count(model, **where) -> int:
    query = select(func.count(model.id))
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def _signed_in(client, scene, user=None):
    db.session.commit()
    login(client, user or scene.citizen)
    return client


# --- supports ------------------------------------------------------------------------------------

def test_support_without_javascript_redirects_back_with_a_message(client, scene):
    _signed_in(client, scene)
    response = client.post(f"{scene.url}/vote?lang=en")
    assert response.status_code == 303
    assert response.headers["Location"] == scene.url
    assert _count(Vote, proposal_id=scene.proposal.id, user_id=scene.citizen.id) == 1
    page = client.get(f"/c/{scene.consultation.slug}?lang=en").get_data(as_text=True)
    assert "Your support was recorded." in page


def test_support_goes_back_to_a_safe_next_only(client, scene):
    _signed_in(client, scene)
    back = f"/c/{scene.consultation.slug}/proposals?sort=supported"
    assert client.post(f"{scene.url}/vote", data={"next": back}).headers["Location"] == back
    response = client.post(f"{scene.url}/unvote", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == scene.url


def test_support_with_htmx_answers_the_button_and_the_counter_out_of_band(client, scene):
    _signed_in(client, scene)
    response = client.post(f"{scene.url}/vote?lang=en", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert f'id="proposal-{scene.proposal.id}-vote"' in html
    assert f'action="{scene.url}/unvote"' in html and 'aria-pressed="true"' in html
    counter = re.search(rf'<span id="proposal-{scene.proposal.id}-supports"[^>]*>([^<]*)</span>',
                        html)
    assert counter and 'hx-swap-oob="true"' in counter.group(0)
    assert counter.group(1).strip() == "1 support"
    db.session.expire_all()
    assert scene.proposal.supports_count == 1

    response = client.post(f"{scene.url}/unvote?lang=en", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'action="{scene.url}/vote"' in html
    assert ">0 supports</span>" in html
    assert _count(Vote, proposal_id=scene.proposal.id) == 0


def test_on_the_proposal_page_the_follow_button_comes_out_of_band_too(client, scene):
    _signed_in(client, scene)
    html = client.post(f"{scene.url}/vote", headers=HX, data={"on_page": "1"}).get_data(
        as_text=True)
    assert re.search(rf'id="proposal-{scene.proposal.id}-follow" hx-swap-oob="true"', html)
    assert f'action="{scene.url}/unfollow"' in html
    html = client.post(f"{scene.url}/unvote", headers=HX).get_data(as_text=True)
    assert f"proposal-{scene.proposal.id}-follow" not in html  # a card has no follow button


def test_a_refused_support_answers_422_with_the_reason_for_htmx(client, factory, scene):
    scene.consultation.votes_home_commune_only = True
    stranger = factory.user(home_commune=factory.commune())
    _signed_in(client, scene, stranger)
    response = client.post(f"{scene.url}/vote?lang=en", headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "Only residents of" in html
    assert _count(Vote, proposal_id=scene.proposal.id) == 0


def test_a_refused_support_without_javascript_flashes_the_reason(client, factory):
    consultation = factory.consultation("proposals")
    proposal = factory.proposal(consultation, factory.commune())
    user = factory.user()
    db.session.commit()
    login(client, user)
    url = f"/c/{consultation.slug}/proposals/{proposal.id}"
    response = client.post(f"{url}/vote?lang=en")
    assert response.status_code == 303
    page = client.get(f"/c/{consultation.slug}?lang=en").get_data(as_text=True)
    assert "Supporting proposals is not open in the current phase." in page
    assert _count(Vote, proposal_id=proposal.id) == 0


def test_a_second_support_is_refused_not_an_error(client, scene):
    _signed_in(client, scene)
    client.post(f"{scene.url}/vote", headers=HX)
    response = client.post(f"{scene.url}/vote?lang=en", headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "You already support this proposal." in html
    assert f'action="{scene.url}/unvote"' in html  # the button shows the real state
    assert _count(Vote, proposal_id=scene.proposal.id) == 1


def test_visitors_are_sent_to_the_login_page(client, scene):
    db.session.commit()
    response = client.post(f"{scene.url}/vote")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    response = client.post(f"{scene.url}/vote", headers=HX)
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/login")
    assert _count(Vote, proposal_id=scene.proposal.id) == 0


def test_unknown_or_mismatched_proposals_are_404(client, factory, scene):
    other = factory.consultation("voting")
    _signed_in(client, scene)
    assert client.post(f"/c/{other.slug}/proposals/{scene.proposal.id}/vote").status_code == 404
    assert client.post(f"/c/{scene.consultation.slug}/proposals/999999/vote").status_code == 404


def test_a_withdrawn_proposal_refuses_support(client, factory, scene):
    proposal = factory.proposal(scene.consultation, scene.commune, status="withdrawn",
                                withdrawn_at=utcnow())
    _signed_in(client, scene)
    url = f"/c/{scene.consultation.slug}/proposals/{proposal.id}"
    response = client.post(f"{url}/vote?lang=en", headers=HX)
    assert response.status_code == 422
    assert "withdrawn by its author" in response.get_data(as_text=True)
    assert _count(Vote, proposal_id=proposal.id) == 0


# --- the proposal's participation block ----------------------------------------------------------

def _render_block(app, scene, user=None, **context):
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/?lang=en"):
        if user is not None:
            login_user(user)
        return render_template("participation/_proposal_participation.html",
                               proposal=scene.proposal, consultation=scene.consultation,
                               **context)


def test_the_block_shows_counts_buttons_and_comments(app, scene):
    cast_vote(scene.proposal, scene.citizen)
    post_comment(scene.proposal, scene.author, "Première réaction", "for")
    html = _render_block(app, scene, scene.citizen)
    pid = scene.proposal.id
    assert html.count(f'id="proposal-{pid}-supports"') == 1
    assert f'id="proposal-{pid}-comments"' in html and "1 comment" in html
    assert f'action="{scene.url}/unvote"' in html
    assert f'action="{scene.url}/unfollow"' in html
    assert "Première réaction" in html and 'name="comment-body"' in html
    assert '<details class="reply-box">' in html


def test_the_block_for_a_visitor_invites_to_log_in(app, scene):
    html = _render_block(app, scene)
    assert "Log in to support" in html and "Log in to comment" in html
    assert 'name="comment-body"' not in html and "/follow" not in html


def test_the_block_explains_the_limit_and_closed_voting(app, factory, scene):
    scene.consultation.vote_limit = 1
    cast_vote(scene.proposal, scene.citizen)
    other = factory.proposal(scene.consultation, scene.commune)
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/?lang=en"):
        login_user(scene.citizen)
        html = render_template("participation/_vote_button.html", proposal=other,
                               consultation=scene.consultation, voted=False)
        left = render_template("participation/_votes_left.html", consultation=scene.consultation)
    assert "disabled" in html and "all your 1 supports" not in html
    assert "You have already given your 1 support" in html
    assert "You can give 0 more supports" in left


# --- comments ----------------------------------------------------------------------------------

def test_commenting_without_javascript_redirects_to_the_comment(client, scene):
    _signed_in(client, scene)
    response = client.post(f"{scene.url}/comments",
                           data={"comment-body": "Très bonne idée.\nÀ faire vite.",
                                 "comment-stance": "for"})
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment).where(Comment.proposal_id == scene.proposal.id))
    assert response.headers["Location"] == f"{scene.url}#comment-{comment.id}"
    assert (comment.body, comment.stance) == ("Très bonne idée.\nÀ faire vite.", "for")


def test_commenting_with_htmx_resets_the_form_and_inserts_the_comment(client, scene):
    _signed_in(client, scene)
    response = client.post(f"{scene.url}/comments?lang=en", headers=HX,
                           data={"comment-body": "Inserted in place", "comment-stance": "neutral",
                                 "sort": "newest"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="proposal-{scene.proposal.id}-comment-form"' in html
    assert re.search(r'<textarea[^>]*name="comment-body"[^>]*>\s*</textarea>', html)  # empty
    assert f'hx-swap-oob="afterbegin:#proposal-{scene.proposal.id}-comment-list"' in html
    assert "Inserted in place" in html
    assert ">1 comment</span>" in html and 'hx-swap-oob="true"' in html


def test_a_reply_is_inserted_under_its_thread(client, scene):
    top = post_comment(scene.proposal, scene.author, "Top level")
    _signed_in(client, scene)
    response = client.post(f"{scene.url}/comments", headers=HX,
                           data={"parent_id": top.id, f"reply-{top.id}-body": "My reply",
                                 f"reply-{top.id}-stance": "against"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'hx-swap-oob="beforeend:#comment-{top.id}-replies"' in html
    assert f'id="comment-{top.id}-reply-form"' in html
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == top.id))
    assert (reply.body, reply.stance) == ("My reply", "against")


def test_an_invalid_comment_answers_422_with_the_form_and_saves_nothing(client, scene):
    _signed_in(client, scene)
    response = client.post(f"{scene.url}/comments?lang=en", headers=HX,
                           data={"comment-body": "x", "comment-stance": "against"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A comment has between 2 and 3000 characters." in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'checked id="comment-stance-1"', html)  # what was chosen is kept
    response = client.post(f"{scene.url}/comments?lang=en",
                           data={"comment-body": "", "comment-stance": "for"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" in page and "Write your comment, or record a voice note." in page
    assert _count(Comment, proposal_id=scene.proposal.id) == 0


def test_an_invalid_reply_without_javascript_shows_the_reply_form_again(client, scene):
    top = post_comment(scene.proposal, scene.author, "Top level")
    _signed_in(client, scene)
    response = client.post(f"{scene.url}/comments?lang=en",
                           data={"parent_id": top.id, f"reply-{top.id}-body": "?"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Your reply" in html and f'name="reply-{top.id}-body"' in html
    assert re.search(rf'<textarea[^>]*name="reply-{top.id}-body"[^>]*>\s*\?</textarea>', html)


def test_commenting_in_a_closed_phase_is_refused_with_the_form(client, factory):
    consultation = factory.consultation("roadmap")
    proposal = factory.proposal(consultation, factory.commune())
    user = factory.user()
    db.session.commit()
    login(client, user)
    response = client.post(f"/c/{consultation.slug}/proposals/{proposal.id}/comments?lang=en",
                           headers=HX, data={"comment-body": "Too late now",
                                             "comment-stance": "for"})
    assert response.status_code == 422
    assert "Comments are closed in the current phase." in response.get_data(as_text=True)
    assert "Too late now" in response.get_data(as_text=True)
    assert _count(Comment, proposal_id=proposal.id) == 0


def test_the_comments_url_serves_the_page_or_the_fragment(client, scene, factory):
    people = [factory.user() for _ in range(3)]
    for n in range(23):
        post_comment(scene.proposal, people[n % 3], f"Comment number {n}")
    db.session.commit()
    page = client.get(f"{scene.url}/comments?lang=en&sort=newest")
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert "<html" in html and "Comment number 22" in html and "Comment number 2<" not in html
    assert "Page 1 of 2" in html
    fragment = client.get(f"{scene.url}/comments?lang=en&sort=newest&page=2", headers=HX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and f'id="proposal-{scene.proposal.id}-threads"' in html
    assert "Comment number 2<" in html and "Comment number 22" not in html


def test_the_statements_of_a_comments_page_do_not_grow_with_its_comments(client, scene, factory):
    from tests.participation.helpers import count_statements

    people = [factory.user() for _ in range(4)]

    def add(n):
        for i in range(n):
            top = post_comment(scene.proposal, people[i % 4], f"Thread {i}")
            post_comment(scene.proposal, people[(i + 1) % 4], "A reply", parent=top)
        db.session.commit()

    _signed_in(client, scene)
    add(2)
    with count_statements() as few:
        assert client.get(f"{scene.url}/comments", headers=HX).status_code == 200
    add(18)
    with count_statements() as many:
        html = client.get(f"{scene.url}/comments", headers=HX).get_data(as_text=True)
    assert html.count('class="comment-thread"') == 20
    assert len(many) == len(few)


def test_editing_a_comment_in_place(client, scene):
    comment = post_comment(scene.proposal, scene.citizen, "Original text", "for")
    _signed_in(client, scene)
    form = client.get(f"/comments/{comment.id}/edit", headers=HX)
    assert form.status_code == 200
    assert f'<form id="comment-{comment.id}"' in form.get_data(as_text=True)
    saved = client.post(f"/comments/{comment.id}/edit?lang=en", headers=HX,
                        data={f"edit-{comment.id}-body": "Better text",
                              f"edit-{comment.id}-stance": "against"})
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert f'<article class="comment" id="comment-{comment.id}">' in html
    assert "Better text" in html and "edited" in html
    bad = client.post(f"/comments/{comment.id}/edit", headers=HX,
                      data={f"edit-{comment.id}-body": "", f"edit-{comment.id}-stance": "for"})
    assert bad.status_code == 422
    db.session.expire_all()
    assert (comment.body, comment.stance) == ("Better text", "against")


def test_editing_after_the_window_or_someone_elses_is_refused(client, scene):
    mine = post_comment(scene.proposal, scene.citizen, "Old comment")
    theirs = post_comment(scene.proposal, scene.author, "Not yours")
    mine.created_at = utcnow() - timedelta(minutes=20)
    _signed_in(client, scene)
    response = client.post(f"/comments/{mine.id}/edit?lang=en",
                           data={f"edit-{mine.id}-body": "Too late"})
    assert response.status_code == 303
    assert "can only be edited" in client.get(scene.url + "?lang=en").get_data(as_text=True)
    response = client.post(f"/comments/{theirs.id}/edit?lang=en", headers=HX,
                           data={f"edit-{theirs.id}-body": "Hijack"})
    assert response.status_code == 422
    db.session.expire_all()
    assert (mine.body, theirs.body) == ("Old comment", "Not yours")


def test_deleting_a_comment_keeps_its_replies(client, scene):
    top = post_comment(scene.proposal, scene.citizen, "To be deleted")
    post_comment(scene.proposal, scene.author, "A reply that stays", parent=top)
    _signed_in(client, scene)
    response = client.post(f"/comments/{top.id}/delete?lang=en", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This comment was deleted." in html and ">1 comment</span>" in html
    page = client.get(f"{scene.url}/comments?lang=en").get_data(as_text=True)
    assert "This comment was deleted." in page and "A reply that stays" in page
    assert "To be deleted" not in page
    db.session.expire_all()
    assert top.body == "" and top.deleted_at is not None
    assert scene.proposal.comments_count == 1


def test_likes_toggle_with_and_without_javascript(client, scene):
    comment = post_comment(scene.proposal, scene.author, "Like it")
    _signed_in(client, scene)
    response = client.post(f"/comments/{comment.id}/like?lang=en", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'aria-pressed="true"' in html and "1 like" in html
    assert _count(CommentLike, comment_id=comment.id) == 1
    response = client.post(f"/comments/{comment.id}/like")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{scene.url}#comment-{comment.id}"
    assert _count(CommentLike, comment_id=comment.id) == 0
    db.session.expire_all()
    assert comment.likes_count == 0


def test_liking_ones_own_comment_is_refused(client, scene):
    comment = post_comment(scene.proposal, scene.citizen, "Mine")
    _signed_in(client, scene)
    response = client.post(f"/comments/{comment.id}/like?lang=en", headers=HX)
    assert response.status_code == 422
    assert "You cannot like your own comment." in response.get_data(as_text=True)
    assert _count(CommentLike, comment_id=comment.id) == 0


# --- follows and notifications -----------------------------------------------------------------

def test_follow_and_unfollow(client, scene):
    _signed_in(client, scene)
    response = client.post(f"{scene.url}/follow?lang=en", headers=HX)
    assert response.status_code == 200
    assert f'action="{scene.url}/unfollow"' in response.get_data(as_text=True)
    assert _count(Follow, proposal_id=scene.proposal.id, user_id=scene.citizen.id) == 1
    assert client.post(f"{scene.url}/unfollow").status_code == 303
    assert _count(Follow, proposal_id=scene.proposal.id, user_id=scene.citizen.id) == 0


def test_the_notifications_page_lists_and_marks_read(client, scene, factory):
    follow(scene.proposal, scene.citizen)
    comment = post_comment(scene.proposal, scene.author, "Hello followers")
    db.session.commit()
    assert client.get("/notifications").status_code == 302  # login first
    _signed_in(client, scene)
    html = client.get("/notifications?lang=en").get_data(as_text=True)
    assert f"Author commented on “{scene.proposal.title}”." in html
    assert f'href="{scene.url}#comment-{comment.id}"' in html
    assert "is-unread" in html and "Mark all as read" in html
    response = client.post("/notifications/read")
    assert response.status_code == 303
    assert _count(Notification, user_id=scene.citizen.id) == 1
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == scene.citizen.id, Notification.read_at.is_(None))) == 0
    html = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "is-unread" not in html and "Mark all as read" not in html


def test_notifications_are_in_the_readers_language(client, scene):
    follow(scene.proposal, scene.citizen)
    post_comment(scene.proposal, scene.author, "Hello followers")
    db.session.commit()
    _signed_in(client, scene)
    english = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "Author commented on" in english
    scene.citizen.preferred_language = "fr"
    db.session.commit()
    french = client.get("/notifications").get_data(as_text=True)
    assert '<html lang="fr"' in french


def test_the_proposal_page_carries_the_participation_block_in_each_language(client, scene):
    cast_vote(scene.proposal, scene.author)
    top = post_comment(scene.proposal, scene.author, "مقترح جيد\nسطر ثان", "for")
    post_comment(scene.proposal, scene.citizen, "Je suis d'accord", parent=top)
    _signed_in(client, scene)
    for lang in ("ar", "fr", "en"):
        response = client.get(f"{scene.url}?lang={lang}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.count(f'id="proposal-{scene.proposal.id}-supports"') == 1
        assert f'action="{scene.url}/vote"' in html  # the author supports it, not the reader
        assert f'action="{scene.url}/unfollow"' in html  # the reader replied: follows
        assert "<p>مقترح جيد<br>سطر ثان</p>" in html and "Je suis d&#39;accord" in html
