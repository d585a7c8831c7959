"""Walk every route with every role and check the answer against README.md's permission table.

The table (section ``## Permissions`` of README.md) is the single source of truth: a route that
is not in it, or a row whose route is gone, fails :func:`test_every_route_is_in_the_table`.
Adding a route means adding its row (and, if it takes a new URL argument, a value for it in
tests/security/conftest.py). Requests run with CSRF disabled (CSRF has its own test).
Only admins (the mail outbox) ever see an email address other than their own.
"""
from __future__ import annotations

import warnings

import pytest

from tests.security.permissions import UNCLASSIFIED, ROLES, readme_rows, routes, skeleton

ROWS = readme_rows()


def test_every_route_is_in_the_table(walk):
    served = routes(walk.app)
    listed = {(row.endpoint, row.method): row.rule for row in ROWS}
    missing = [skeleton(endpoint, method, rule)
               for (endpoint, method), rule in sorted(served.items())
               if (endpoint, method) not in listed]
    gone = [f"{endpoint} {method}" for endpoint, method in sorted(listed)
            if (endpoint, method) not in served]
    wrong_rule = [f"{endpoint} {method}: table says {listed[key]}, the app serves {served[key]}"
                  for key in sorted(listed) if key in served and listed[key] != served[key]
                  for endpoint, method in [key]]
    problems = []
    if missing:
        problems.append("Routes missing from README.md's permission table:\n" + "\n".join(missing))
    if gone:
        problems.append("Rows of routes that no longer exist:\n" + "\n".join(gone))
    if wrong_rule:
        problems.append("Rows with another URL rule:\n" + "\n".join(wrong_rule))
    assert not problems, "\n\n".join(problems)


def test_the_table_has_no_duplicate_rows():
    keys = [(row.endpoint, row.method) for row in ROWS]
    assert ROWS, "README.md has no permission table"
    assert len(keys) == len(set(keys)), "a route is listed twice"


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_route_answers_each_role_as_the_table_says(walk, row):
    rule = next((r for r in walk.app.url_map.iter_rules() if r.endpoint == row.endpoint), None)
    if rule is None:
        pytest.fail(f"{row.endpoint} is in the table but not served (see the coverage test)")
    mismatches = []
    leaks = {}
    unclassified = [role for role in ROLES if row.expected[role] == UNCLASSIFIED]
    for role in ROLES:
        if role in unclassified:
            continue
        outcome, changed = walk.request(role, row.endpoint, row.method, rule)
        if role != "admin" and walk.leaks[(row.endpoint, row.method, role)]:
            leaks[role] = sorted(walk.leaks[(row.endpoint, row.method, role)])
        if outcome != row.expected[role]:
            mismatches.append(f"{role}: expected {row.expected[role]}, got {outcome}")
        elif outcome != "ok" and changed:
            mismatches.append(f"{role}: refused ({outcome}) but changed {', '.join(changed)}")
    assert not mismatches, f"{row.endpoint} {row.method} {row.rule}\n" + "\n".join(mismatches)
    assert not leaks, f"{row.endpoint} {row.method} shows other people's email addresses: {leaks}"
    if unclassified:
        warnings.warn(f"{row.endpoint} {row.method} is not classified for "
                      f"{', '.join(unclassified)} in README.md's permission table", stacklevel=1)
