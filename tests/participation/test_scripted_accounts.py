"""Twenty accounts registered by a script change no count: unconfirmed, they may not support or
comment; confirmed through their links, they still may not where the consultation asks for
verified participants. A confirmed account where confirmation is enough does count (so this
test can fail)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.core.mail import OutboxMessage
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal

PASSWORD = "a scripted but long passphrase"
ACCOUNTS = 20


def _register_and_log_in(app, n: int):
    """What a script does over HTTP: register, then log in; returns its client."""
    client = app.test_client()
    email = f"script{n}@example.org"
    registered = client.post("/register", data={
        "email": email, "display_name": f"Script {n}", "stakeholder_type": "citizen",
        "preferred_language": "en", "password": PASSWORD, "confirm": PASSWORD})
    assert registered.status_code == 302, registered.get_data(as_text=True)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client, email


def _confirmation_link(email: str) -> str:
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == email)
                             .order_by(OutboxMessage.id.desc()))
    return re.search(r"https?://[^/\s]+(/confirm/[A-Za-z0-9_\-]+)", body).group(1)


def _try_everything(clients, proposal) -> None:
    url = f"/c/{proposal.consultation.slug}/proposals/{proposal.id}"
    for client in clients:
        client.post(f"{url}/vote")
        client.post(f"{url}/comments", data={"comment-body": "Pushed by a script, again.",
                                             "comment-stance": "for"})


def _counts(proposal) -> tuple[int, int, int, int]:
    db.session.expire_all()
    fresh = db.session.get(Proposal, proposal.id)
    votes = db.session.scalar(select(func.count(Vote.id)).where(Vote.proposal_id == proposal.id))
    comments = db.session.scalar(select(func.count(Comment.id))
                                 .where(Comment.proposal_id == proposal.id))
    return fresh.supports_count, votes, fresh.comments_count, comments


def test_twenty_scripted_accounts_move_no_count(app, factory):
    commune = factory.commune()
    confirmed_enough = factory.consultation("voting")  # support_requirement "confirmed"
    verified_only = factory.consultation("voting", support_requirement="verified",
                                         comment_requirement="verified")
    open_proposal = factory.proposal(confirmed_enough, commune, factory.user())
    guarded = factory.proposal(verified_only, commune, factory.user())
    db.session.commit()

    scripts = [_register_and_log_in(app, n) for n in range(ACCOUNTS)]
    clients = [client for client, _ in scripts]
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email.like("script%"), User.email_confirmed_at.is_(None))) == ACCOUNTS

    # Unconfirmed: nothing they send counts, on either consultation.
    _try_everything(clients, open_proposal)
    _try_everything(clients, guarded)
    assert _counts(open_proposal) == _counts(guarded) == (0, 0, 0, 0)

    # Confirmed through their links (GET the page, POST its button), like a person would.
    for client, email in scripts:
        link = _confirmation_link(email)
        assert client.get(link).status_code == 200
        assert client.post(link).status_code == 302
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email.like("script%"), User.email_confirmed_at.is_not(None))) == ACCOUNTS

    # Confirmed but not verified: a consultation that asks for verification ignores them.
    _try_everything(clients, guarded)
    assert _counts(guarded) == (0, 0, 0, 0)

    # Where a confirmed address is enough, a confirmed account does count.
    _try_everything(clients[:1], open_proposal)
    assert _counts(open_proposal) == (1, 1, 1, 1)
