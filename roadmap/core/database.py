"""Database engine settings: SQLite in WAL mode with foreign keys on."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine) -> None:
    """Turn on WAL, foreign keys and a busy timeout on every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def commit_keeping_loaded(session) -> None:
    """Commit ``session`` without expiring what it loaded.

    After a short write whose answer shows rows the request read before it (the consultation,
    its phases, the reader), re-reading them all costs more statements than the write itself.
    What the write changed must be expired by the code that changed it (as ``_bump`` does).
    """
    session = session()  # the scoped session's current Session
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def begin_write() -> None:
    """On SQLite, open the transaction with BEGIN IMMEDIATE unless one is already open.

    pysqlite opens a transaction only before an INSERT, UPDATE or DELETE (an open one already
    holds the write lock). Without this, a SAVEPOINT issued first would open SQLite's
    transaction itself and its RELEASE would commit at once, outside the caller's transaction;
    and a transaction that read before another committed could not write (SQLITE_BUSY).
    """
    from roadmap.extensions import db

    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and \
            not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
