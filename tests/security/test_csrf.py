"""CSRF: every POST route refuses a request without a valid token (400) and changes nothing;
no GET route changes the database, whoever asks.

Both walk the routes of the app (url_map) with the authorization walk's scene and users
(tests/security/conftest.py), each request in a rolled-back savepoint.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event

from roadmap.extensions import db
from tests.security.conftest import _writes_into
from tests.security.permissions import ROLES, changed_tables, fingerprint, routes

CSRF_ROLES = ("anonymous", "participant", "admin")


def _rules(app, method: str):
    served = routes(app)
    return [(endpoint, rule) for rule in app.url_map.iter_rules()
            for endpoint in [rule.endpoint] if (endpoint, method) in served]


def _send(walk, role: str, endpoint: str, method: str, rule, data=None):
    """Send one request in a savepoint; returns (status, changed tables)."""
    url = walk.url(endpoint, rule)
    before = walk.baseline()
    writes = []
    savepoint = walk.connection.begin_nested()
    listener = _writes_into(writes)
    event.listen(walk.connection, "before_cursor_execute", listener)
    try:
        response = walk.client(role).open(url, method=method, data=data or {})
        after = fingerprint() if writes else before
    finally:
        event.remove(walk.connection, "before_cursor_execute", listener)
        db.session.remove()
        savepoint.rollback()
    return response.status_code, changed_tables(before, after)


@pytest.fixture
def csrf_on(walk):
    walk.app.config["WTF_CSRF_ENABLED"] = True
    yield walk
    walk.app.config["WTF_CSRF_ENABLED"] = False


def test_every_post_route_refuses_a_missing_or_wrong_token(csrf_on):
    rules = _rules(csrf_on.app, "POST")
    assert len(rules) > 30
    problems = []
    for endpoint, rule in rules:
        for role in CSRF_ROLES:
            for data in ({}, {"csrf_token": "forged.token.value"}):
                status, changed = _send(csrf_on, role, endpoint, "POST", rule, data)
                if status != 400 or changed:
                    problems.append(f"{endpoint} as {role} with {data}: {status}, changed "
                                    f"{changed}")
    assert not problems, "\n".join(problems)


def test_no_get_route_changes_the_database(walk):
    rules = _rules(walk.app, "GET")
    assert len(rules) > 30
    problems = []
    for endpoint, rule in rules:
        for role in ROLES:
            status, changed = _send(walk, role, endpoint, "GET", rule)
            if changed:
                problems.append(f"GET {endpoint} as {role} ({status}) changed {changed}")
    assert not problems, "\n".join(problems)
