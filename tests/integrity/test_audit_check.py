"""``flask check`` verifies the audit log's hash chain and fails on a tampered row."""
from __future__ import annotations

from sqlalchemy import text

from roadmap.extensions import db
from roadmap.audit.log import record


def test_check_fails_when_an_audit_row_is_tampered_with(committed_app, rows):
    moderator = rows.user("moderator")
    entries = [record(moderator, "settings.change", moderator, reason=f"reason {n}")
               for n in range(3)]
    db.session.commit()
    runner = committed_app.test_cli_runner()
    result = runner.invoke(args=["check"])
    assert "audit chain" in result.output and "FAIL audit chain" not in result.output

    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET reason = 'nothing happened' WHERE id = :id"),
                           {"id": entries[1].id})
    db.session.expire_all()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "FAIL audit chain" in result.output and f"broken at audit entry {entries[1].id}" \
        in result.output
    with db.engine.begin() as connection:  # leave a sound chain for the next tests
        connection.execute(text("DELETE FROM audit_entry"))
