"""The permission table parser and the outcome classes (no database)."""
from __future__ import annotations

import pytest
from werkzeug.wrappers import Response

from tests.security.permissions import classify, outcome_class, parse_table

TABLE = """
## Permissions

Some text.

| Endpoint | Method | Rule | anonymous | participant | blocked | helpdesk | moderator | organiser | admin | Note |
|---|---|---|---|---|---|---|---|---|---|---|
| `a.page` | GET, POST | `/a` | login | ok | ok | redirect | 403 | ok | same | 1 |
| `b.thing` | POST | `/b/<int:id>` | 404 | ? | 422 | 405 | 409 | 400 | ok |  |

1. A note.

## Command line
| not | a | permission | row |
"""


def test_rows_are_read_per_method_with_their_classes():
    rows = parse_table(TABLE)
    assert [(row.endpoint, row.method, row.rule) for row in rows] == [
        ("a.page", "GET", "/a"), ("a.page", "POST", "/a"), ("b.thing", "POST", "/b/<int:id>")]
    assert rows[0].expected == {"anonymous": "login", "participant": "ok", "blocked": "ok",
                                "helpdesk": "redirect", "moderator": "403", "organiser": "ok",
                                "admin": "same"}
    assert rows[2].expected["participant"] == "?"


def test_a_missing_role_column_or_an_unknown_class_is_an_error():
    with pytest.raises(ValueError, match="admin"):
        parse_table(TABLE.replace("| admin |", "| root |"))
    with pytest.raises(ValueError, match="Unknown outcome"):
        parse_table(TABLE.replace("| 409 |", "| 418 |"))


def test_footnote_markers_are_ignored():
    assert outcome_class("same¹") == "same" and outcome_class("`403`") == "403"


@pytest.mark.parametrize("status, location, changed, expected", [
    (200, None, None, "ok"), (302, "/login?next=%2Fx", None, "login"),
    (303, "/c/x", None, "redirect"), (302, "/c/x", True, "ok"), (302, "/c/x", False, "same"),
    (200, None, False, "same"), (401, None, None, "login"), (403, None, False, "403"),
    (422, None, True, "422"),
])
def test_answers_are_classified(status, location, changed, expected):
    response = Response(status=status, headers={"Location": location} if location else {})
    assert classify(response, changed) == expected
