"""The suspicious-activity page: a scripted burst of accounts from one address and of their
supports on one proposal is listed; a normal day is not (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from roadmap.core.keys import keyed_hash
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.moderation import queries
from roadmap.participation.models import Vote
from tests.conftest import login

def scripted_address() -> str:
    """The keyed hash of the address the script works from (the key needs the app)."""
    return keyed_hash("ip", "198.51.100.7")


def account(factory, created_at, address=None, **fields):
    fields.setdefault("email_confirmed_at", None)
    return factory.user(created_at=created_at, signup_ip_hash=address or scripted_address(),
                        **fields)


def support(proposal, user, at):
    db.session.add(Vote(proposal_id=proposal.id, user_id=user.id, created_at=at))
    proposal.supports_count += 1
    db.session.flush()


@pytest.fixture
def proposal(factory):
    consultation = factory.consultation("voting")
    return factory.proposal(consultation, factory.commune(), title="Pave the road to the souk")


@pytest.fixture
def scripted(factory, proposal):
    """Six accounts opened from one address within 25 minutes three days ago (one confirmed),
    each supporting the proposal a few minutes after it was opened, all in one hour."""
    start = (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    users = []
    for n in range(6):
        user = account(factory, start + timedelta(minutes=5 * n), display_name=f"Bot {n}",
                       email_confirmed_at=start if n == 0 else None)
        support(proposal, user, start + timedelta(minutes=5 * n + 2))
        users.append(user)
    return start, users


def normal_day(factory, proposal):
    """What a normal day looks like: accounts from many addresses; four from one address
    spread over the day; many supports in one hour, but by old accounts; four by new ones."""
    day = (utcnow() - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    for n in range(8):
        account(factory, day + timedelta(minutes=3 * n), keyed_hash("ip", f"10.0.0.{n}"))
    family = [account(factory, day + timedelta(hours=3 * n), keyed_hash("ip", "10.9.9.9"))
              for n in range(4)]
    for n in range(8):
        old = account(factory, day - timedelta(days=10), keyed_hash("ip", f"10.1.0.{n}"))
        support(proposal, old, day + timedelta(minutes=5 * n))
    for n, user in enumerate(family):
        support(proposal, user, day + timedelta(hours=3 * n, minutes=10))
    # A help desk opens many accounts from its office: not a burst.
    official = factory.user("moderator")
    for n in range(6):
        account(factory, day + timedelta(minutes=n), keyed_hash("ip", "10.5.5.5"),
                managed_by_id=official.id)


def test_the_sliding_window_joins_overlapping_runs():
    moments = [utcnow() + timedelta(minutes=m) for m in (0, 10, 20, 30, 40, 50, 70, 200, 201)]
    assert queries._bursts_in(moments, 5, timedelta(hours=1)) == [(0, 6)]
    assert queries._bursts_in(moments[:4], 5, timedelta(hours=1)) == []


def test_a_scripted_burst_is_listed(factory, proposal, scripted):
    start, users = scripted
    normal_day(factory, proposal)
    (burst,) = queries.account_bursts()
    assert burst.label == scripted_address()[:8] and burst.count == 6
    assert (burst.first_at, burst.last_at) == (start, start + timedelta(minutes=25))
    assert (burst.confirmed, burst.verified, burst.supports) == (1, 0, 6)
    assert [a.id for a in burst.accounts] == [u.id for u in users]
    (supports,) = queries.support_bursts()
    assert supports.proposal.id == proposal.id and supports.count == 6
    assert supports.hour == start
    assert sorted(a.id for a in supports.accounts) == sorted(u.id for u in users)


def test_a_normal_day_lists_nothing(factory, proposal):
    normal_day(factory, proposal)
    assert queries.account_bursts() == []
    assert queries.support_bursts() == []


def test_a_burst_older_than_the_lookback_or_fully_verified_is_left_out(factory, proposal):
    long_ago = utcnow() - queries.SUSPICIOUS_LOOKBACK - timedelta(days=1)
    for n in range(6):
        account(factory, long_ago + timedelta(minutes=n))
    recent = utcnow() - timedelta(hours=5)
    for n in range(5):
        account(factory, recent + timedelta(minutes=n), keyed_hash("ip", "10.7.7.7"),
                verified_at=recent, verification_method="code")
    assert queries.account_bursts() == []


def test_moderators_see_the_page_and_the_queue_links_it(client, factory, proposal, scripted):
    db.session.commit()
    login(client, factory.user("participant"))
    assert client.get("/moderation/suspicious").status_code == 403
    login(client, factory.user("moderator"))
    assert 'href="/moderation/suspicious"' in client.get("/moderation?lang=en").get_data(
        as_text=True)
    page = client.get("/moderation/suspicious?lang=en").get_data(as_text=True)
    assert f"Address {scripted_address()[:8]}" in page and "198.51.100.7" not in page
    assert scripted_address() not in page
    assert "Pave the road to the souk" in page
    assert f'href="/c/{proposal.consultation.slug}/proposals/{proposal.id}"' in page
    assert "Bot 3" in page and "/admin/users/" not in page   # moderators: no people pages
    login(client, factory.user("admin"))
    page = client.get("/moderation/suspicious?lang=en").get_data(as_text=True)
    assert f'href="/admin/users/{scripted[1][0].id}"' in page
