"""Account fixtures: a user factory and a client that reads pages in English."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.accounts.services import hash_password
from roadmap.core.mail import OutboxMessage
from roadmap.core.models import utcnow
from roadmap.extensions import db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(app):
    """Create and commit a user: ``make_user("a@example.org", role="admin")``."""

    def make(email: str = "amina@example.org", password: str = PASSWORD,
             role: str = "participant", **fields) -> User:
        fields.setdefault("display_name", "Amina")
        fields.setdefault("email_confirmed_at", utcnow())
        user = User(email=email, password_hash=hash_password(password), role=role, **fields)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def en_client(app):
    """A test client whose browser asks for English pages."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def log_in(client, email: str, password: str = PASSWORD, **extra):
    """POST the login form."""
    return client.post("/login", data={"email": email, "password": password, **extra})


def outbox_to(address: str) -> list[OutboxMessage]:
    """The outbox messages written to ``address``, oldest first."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


def reset_link_path(message: OutboxMessage) -> str:
    """The path of the reset link in a reset mail."""
    match = re.search(r"https?://[^/\s]+(/password/reset/[A-Za-z0-9_\-]+)", message.body)
    assert match, message.body
    return match.group(1)
