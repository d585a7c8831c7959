"""The permission table of README.md, and what the authorization walk needs to read it.

README.md's ``## Permissions`` section holds one row per (endpoint, method): the Flask endpoint,
the method(s), the URL rule and one expected outcome per role. The walk requests every row with
every role and compares the outcome class of the answer with the cell.

Outcome classes (a cell may add a footnote marker after the class, e.g. ``same¹``):

- ``ok``: for GET, 2xx; for POST, 2xx or 3xx (not to the login page) and the database changed.
- ``redirect`` (GET only): 3xx elsewhere than the login page (a refusal with a flash message,
  or a page that does not apply, such as the registration form for a signed-in user).
- ``same`` (POST only): 2xx or 3xx, and the database did not change (a refusal answered with a
  flash and a redirect back, or nothing to do).
- ``login``: a redirect to the login page (or 401).
- ``400``, ``403``, ``404``, ``405``, ``409``, ``422``: that status.

Every outcome but ``ok`` must leave the database unchanged. A cell ``?`` marks a route not
classified yet for that role: the walk does not request it and warns about it.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from roadmap.extensions import db

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = ("anonymous", "participant", "blocked", "helpdesk", "moderator", "organiser", "admin")
CLASSES = ("ok", "redirect", "same", "login", "400", "403", "404", "405", "409", "422")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Tables whose content the routes never change and which are large: counted, not hashed.
COUNTED_ONLY = {"commune", "commune_indicator", "prefecture"}


@dataclass(frozen=True)
class Row:
    """One row of the permission table, for one method."""

    endpoint: str
    method: str
    rule: str
    expected: dict[str, str]

    @property
    def id(self) -> str:
        """The pytest id of the row."""
        return f"{self.endpoint}-{self.method}"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _unquote(cell: str) -> str:
    return cell.strip().strip("`").strip()


UNCLASSIFIED = "?"


def outcome_class(cell: str) -> str:
    """The class a cell names, without its footnote marker (``same¹`` -> ``same``)."""
    if cell.strip() == UNCLASSIFIED:
        return UNCLASSIFIED
    match = re.match(r"[a-z0-9]+", cell.strip().strip("`"))
    if match is None or match.group(0) not in CLASSES:
        raise ValueError(f"Unknown outcome {cell!r}: use one of {', '.join(CLASSES)}")
    return match.group(0)


def permission_section(text: str) -> str:
    """The text of the ``## Permissions`` section of the README."""
    match = re.search(r"^## Permissions\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def parse_table(text: str) -> list[Row]:
    """The rows of the permission table in ``text`` (the README), one per method."""
    lines = [line for line in permission_section(text).splitlines() if line.startswith("|")]
    if not lines:
        return []
    header = [cell.lower() for cell in _cells(lines[0])]
    missing = [role for role in ROLES if role not in header]
    if missing:
        raise ValueError(f"The permission table has no column for {', '.join(missing)}")
    rows = []
    for line in lines[2:]:
        cells = dict(zip(header, _cells(line)))
        expected = {role: outcome_class(cells[role]) for role in ROLES}
        for method in re.split(r"[,\s/]+", cells["method"].strip()):
            if method:
                rows.append(Row(_unquote(cells["endpoint"]), method.upper(),
                                _unquote(cells["rule"]), expected))
    return rows


def readme_rows() -> list[Row]:
    """The permission table of the project's README.md (empty if it has none)."""
    return parse_table(README.read_text(encoding="utf-8")) if README.exists() else []


def routes(app) -> dict[tuple[str, str], str]:
    """Every (endpoint, method) the application serves, with its URL rule (``static`` left out)."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & set(METHODS)):
            found[(rule.endpoint, method)] = rule.rule
    return found


def classify(response, changed: bool | None) -> str:
    """The outcome class of ``response``; ``changed`` says whether a POST changed the database."""
    status = response.status_code
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    if status == 401 or (300 <= status < 400 and re.search(r"/login(\?|$)", location)):
        return "login"
    if status < 300:
        return "same" if changed is False else "ok"
    if status < 400:
        return "redirect" if changed is None else ("ok" if changed else "same")
    return str(status)


def fingerprint() -> dict[str, str]:
    """Row counts of every table, and a hash of the whole content of the small ones."""
    prints = {}
    for table in db.metadata.sorted_tables:
        if table.name in COUNTED_ONLY:
            prints[table.name] = str(db.session.scalar(select(func.count()).select_from(table)))
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        digest = hashlib.sha256()
        for row in db.session.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
        prints[table.name] = digest.hexdigest()
    return prints


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The tables whose fingerprint differs."""
    return sorted(name for name in before if before[name] != after.get(name))


def skeleton(endpoint: str, method: str, rule: str) -> str:
    """A table row to fill in for a route the table does not list yet."""
    return f"| `{endpoint}` | {method} | `{rule}` | " + " | ".join("?" for _ in ROLES) + " |"
