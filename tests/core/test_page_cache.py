"""Pages kept for visitors who are not signed in (roadmap/core/pagecache.py), and the
fragments kept for everyone (roadmap/core/fragments.py), through the real app and database."""
from __future__ import annotations

import re

import pytest
from flask import g

from roadmap.core.fragments import FragmentCache
from roadmap.extensions import db
from tests.conftest import login

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kept(app, monkeypatch):
    """The app keeping pages 10 s, checking CSRF tokens, with a hand-moved clock."""
    clock = Clock()
    cache = FragmentCache(100, clock=clock)
    monkeypatch.setitem(app.extensions, "fragment_cache", cache)
    monkeypatch.setitem(app.config, "ROADMAP_PAGE_CACHE_SECONDS", 10)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return clock, cache


@pytest.fixture
def listed(factory):
    consultation = factory.consultation("voting")
    commune = factory.commune()
    factory.proposal(consultation, commune, title="Première proposition")
    db.session.commit()
    return consultation, commune


def visitor(app):
    """A new visitor (their own cookies), reading English."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def get(client, url: str) -> str:
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_visitor_reads_the_kept_page_with_their_own_working_token(app, kept, listed, factory):
    clock, cache = kept
    consultation, commune = listed
    url = f"/c/{consultation.slug}/proposals?sort=newest"
    first, second = visitor(app), visitor(app)
    assert "Première proposition" in get(first, url)
    factory.proposal(consultation, commune, title="Seconde proposition")
    db.session.commit()

    page = get(second, url)
    assert "Seconde proposition" not in page          # the kept copy, made before
    assert cache.hits >= 1
    tokens = set(TOKEN.findall(page))
    assert len(tokens) == 1 and "\x00" not in page
    # The token in the kept page is the second visitor's own: the language switch takes it.
    switched = second.post("/language", data={"language": "fr", "next": url,
                                              "csrf_token": tokens.pop()})
    assert switched.status_code == 302
    refused = visitor(app).post("/language", data={"language": "fr", "next": url,
                                                   "csrf_token": TOKEN.findall(page)[0]})
    assert refused.status_code == 400                 # not anybody else's

    clock.now += 11
    assert "Seconde proposition" in get(visitor(app), url)


def test_signed_in_people_always_read_a_fresh_page(app, kept, listed, factory):
    consultation, commune = listed
    url = f"/c/{consultation.slug}/proposals?sort=newest"
    get(visitor(app), url)
    factory.proposal(consultation, commune, title="Seconde proposition")
    db.session.commit()
    reader = visitor(app)
    login(reader, factory.user())
    assert "Seconde proposition" in get(reader, url)


@pytest.mark.parametrize("query", ["", "?sort=unknown"])  # both fall back to the random order
def test_a_random_order_is_kept_per_order(app, kept, listed, factory, query):
    consultation, commune = listed
    url = f"/c/{consultation.slug}/proposals{query}"

    def reader(seed: int):
        client = visitor(app)
        with client.session_transaction() as session:
            session["proposals_seed"] = seed
        return client

    get(reader(1), url)
    factory.proposal(consultation, commune, title="Seconde proposition")
    db.session.commit()
    assert "Seconde proposition" in get(reader(2), url)      # another order: read afresh
    assert "Seconde proposition" not in get(reader(1), url)  # the same order: the kept page


def test_a_page_with_a_flashed_message_is_not_kept(app, kept, listed):
    consultation, _ = listed
    url = f"/c/{consultation.slug}/proposals?sort=newest"
    reader = visitor(app)
    with reader.session_transaction() as session:
        session["_flashes"] = [("message", "Bienvenue")]
    assert "Bienvenue" in get(reader, url)
    assert "Bienvenue" not in get(visitor(app), url)   # nothing was kept from the first


def test_a_card_fragment_changes_with_its_counters(app, kept, listed):
    consultation, _ = listed
    url = f"/c/{consultation.slug}/proposals?sort=newest"
    app.config["ROADMAP_PAGE_CACHE_SECONDS"] = 0     # fragments only
    reader = visitor(app)
    assert "0 supports" in get(reader, url)
    proposal = consultation_proposal(consultation)
    proposal.supports_count = 7
    db.session.commit()
    assert "7 supports" in get(reader, url)


def consultation_proposal(consultation):
    from sqlalchemy import select

    from roadmap.proposals.models import Proposal

    return db.session.scalars(select(Proposal).where(
        Proposal.consultation_id == consultation.id)).first()


def test_the_fragment_store_forgets_the_least_recently_used_and_the_expired():
    clock = Clock()
    cache = FragmentCache(2, clock=clock)
    cache.set("a", 1, 10)
    cache.set("b", 2, 10)
    assert cache.get("a") == 1                        # a is now the most recently used
    cache.set("c", 3, 10)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    clock.now += 10
    assert cache.get("a") is None and len(cache) == 1


def test_a_kept_reply_form_carries_each_readers_own_working_token(app, kept, listed, factory):
    from roadmap.participation.models import Comment
    from roadmap.participation.services import post_comment

    consultation, _ = listed
    proposal = consultation_proposal(consultation)
    top = post_comment(proposal, factory.user(), "Un premier commentaire")
    db.session.commit()
    url = f"/c/{consultation.slug}/proposals/{proposal.id}"
    field = f"reply-{top.id}-csrf_token"
    readers, tokens, hits = [], [], []
    _, cache = kept
    for _ in range(2):
        hits.append(cache.hits)
        reader = visitor(app)
        login(reader, factory.user())
        page = get(reader, url)
        found = re.findall(rf'name="{field}" value="([^"]+)"', page)
        assert len(found) == 1 and "\x00" not in page
        readers.append(reader)
        tokens.append(found[0])
    assert cache.hits > hits[1] and tokens[0] != tokens[1]   # a kept form, its own token
    g.pop("_login_user", None)
    posted = readers[1].post(f"{url}/comments", data={
        "parent_id": top.id, f"reply-{top.id}-body": "Ma réponse", f"reply-{top.id}-stance":
        "for", field: tokens[1]})
    assert posted.status_code == 303
    assert db.session.query(Comment).filter_by(parent_id=top.id).count() == 1
