"""Test helpers of the participation tests."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from roadmap.extensions import db


@contextmanager
def count_statements():
    """Collect the SQL statements run inside the block (SAVEPOINTs and RELEASEs left out)."""
    statements: list[str] = []

    def _record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)
