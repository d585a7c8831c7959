"""A request that fails after its first insert leaves nothing behind.

The failure is real: a trigger makes the database refuse the counter update that follows the
vote insert (and the CHECK ``supports_count >= 0`` refuses a counter going below zero).
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from roadmap.extensions import db
from roadmap.participation.models import Vote
from roadmap.participation.queries import counter_mismatches
from roadmap.participation.services import cast_vote, withdraw_vote
from roadmap.proposals.models import Proposal
from tests.conftest import login
from tests.integrity.conftest import seed_voting

REFUSE = {
    "sqlite": ["CREATE TRIGGER refuse_counter BEFORE UPDATE OF supports_count ON proposal "
               "BEGIN SELECT RAISE(ABORT, 'counter update refused'); END"],
    "postgresql": [
        "CREATE FUNCTION refuse_counter() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'counter update refused'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_counter BEFORE UPDATE OF supports_count ON proposal "
        "FOR EACH ROW EXECUTE FUNCTION refuse_counter()"],
}
ALLOW = {"sqlite": ["DROP TRIGGER refuse_counter"],
         "postgresql": ["DROP TRIGGER refuse_counter ON proposal", "DROP FUNCTION refuse_counter()"]}


def _ddl(statements) -> None:
    with db.engine.begin() as connection:
        for statement in statements[db.engine.dialect.name]:
            connection.execute(text(statement))


@pytest.fixture
def refused_counter(committed_app):
    """The database refuses every update of ``proposal.supports_count`` during the test."""
    _ddl(REFUSE)
    yield
    db.session.rollback()
    _ddl(ALLOW)


def _votes(proposal_id: int) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count(Vote.id)).where(Vote.proposal_id == proposal_id))


def test_a_vote_request_failing_after_its_insert_leaves_no_vote(committed_app, rows):
    _, _, people, items = seed_voting(rows, users=1, proposals=1)
    db.session.commit()
    proposal_id, user_id = items[0].id, people[0].id
    committed_app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500 as in production
    _ddl(REFUSE)
    try:
        client = committed_app.test_client()
        login(client, people[0])
        url = f"/c/{items[0].consultation.slug}/proposals/{proposal_id}/vote"
        try:
            status = client.post(url).status_code
        except DBAPIError:
            # On PostgreSQL the 500 page's own queries meet the aborted transaction (the error
            # handler does not roll back yet): the request still fails as a whole.
            status = 500
        assert status == 500
    finally:
        db.session.remove()
        _ddl(ALLOW)
    assert _votes(proposal_id) == 0
    assert db.session.get(Proposal, proposal_id).supports_count == 0
    assert db.session.scalar(select(Vote.id).where(Vote.user_id == user_id)) is None


def test_the_service_insert_is_undone_with_the_failed_update(committed_app, rows, refused_counter):
    _, _, people, items = seed_voting(rows, users=1, proposals=1)
    db.session.commit()
    with pytest.raises(Exception, match="counter update refused"):
        cast_vote(items[0], people[0])
    db.session.rollback()
    assert _votes(items[0].id) == 0


def test_a_counter_below_zero_is_refused_and_the_delete_undone(committed_app, rows):
    _, _, people, items = seed_voting(rows, users=1, proposals=1)
    cast_vote(items[0], people[0])
    db.session.commit()
    # Break the counter on purpose (as a bug would): the CHECK then refuses the -1.
    db.session.execute(update(Proposal).where(Proposal.id == items[0].id).values(supports_count=0))
    db.session.commit()
    with pytest.raises(IntegrityError):
        withdraw_vote(items[0], people[0])
    db.session.rollback()
    assert _votes(items[0].id) == 1
    db.session.execute(update(Proposal).where(Proposal.id == items[0].id).values(supports_count=1))
    db.session.commit()
    assert not [m for m in counter_mismatches() if m.record_id == items[0].id]
