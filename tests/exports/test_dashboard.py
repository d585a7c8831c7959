"""The participation dashboard: figures equal to counts made in plain SQL, charts with their
tables, and small-cell suppression for the public (exact figures for organisers)."""
from __future__ import annotations

import html as markup
import re

from sqlalchemy import text

from roadmap.exports.queries import Cell, suppress
from roadmap.extensions import db
from roadmap.participation.models import Vote
from tests.conftest import login

PARTICIPANTS_SQL = """
SELECT count(DISTINCT uid) FROM (
  SELECT p.author_id AS uid FROM proposal p WHERE p.consultation_id = :c AND p.status = 'published'
    AND p.hidden_at IS NULL AND p.origin = 'online' AND p.author_id IS NOT NULL
  UNION SELECT v.user_id FROM vote v JOIN proposal p ON p.id = v.proposal_id
    WHERE p.consultation_id = :c AND p.status = 'published' AND p.hidden_at IS NULL
  UNION SELECT m.author_id FROM comment m JOIN proposal p ON p.id = m.proposal_id
    WHERE p.consultation_id = :c AND p.status = 'published' AND p.hidden_at IS NULL
      AND m.author_id IS NOT NULL) AS people
"""


def _row(html: str, table_id: str, key: str) -> str:
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S).group(1)
    row = re.search(rf'<tr data-key="{re.escape(key)}">.*?'
                    r'<td class="num"><span dir="ltr">([^<]*)</span></td>', table, re.S)
    return markup.unescape(row.group(1).strip())


def _total(html: str, key: str) -> str:
    found = re.search(rf'<dd data-key="{key}"><span dir="ltr">([^<]*)</span></dd>', html)
    return markup.unescape(found.group(1))


def test_demo_totals_match_plain_sql(client, demo):
    html = client.get(f"/c/{demo.slug}/dashboard").get_data(as_text=True)
    participants = db.session.execute(text(PARTICIPANTS_SQL), {"c": demo.id}).scalar()
    supports = db.session.execute(text(
        "SELECT count(*) FROM vote v JOIN proposal p ON p.id = v.proposal_id WHERE "
        "p.consultation_id = :c AND p.status = 'published' AND p.hidden_at IS NULL"),
        {"c": demo.id}).scalar()
    assert _total(html, "participants") == str(participants)
    assert _total(html, "supports") == str(supports)
    assert html.count("<svg") >= 10 and html.count("<caption>") >= 10


def test_commune_rows_match_plain_sql(client, demo):
    html = client.get(f"/c/{demo.slug}/dashboard?lang=fr").get_data(as_text=True)
    sql = PARTICIPANTS_SQL.replace("WHERE p.consultation_id = :c",
                                   "WHERE p.consultation_id = :c AND p.commune_id = :commune")
    sql = sql.replace("WHERE p.consultation_id = :c AND p.status", "WHERE p.consultation_id = :c "
                      "AND p.commune_id = :commune AND p.status")
    for code in ("saada", "marrakech-medina"):
        commune_id = db.session.execute(text("SELECT id FROM commune WHERE code = :k"),
                                        {"k": code}).scalar()
        count = db.session.execute(text(sql), {"c": demo.id, "commune": commune_id}).scalar()
        shown = _row(html, "chart-communes-table", code)
        assert shown == (str(count) if count >= 5 else "<5")


def _small_groups(factory):
    """A consultation whose communes have 3, 7 and 9 supporters."""
    consultation = factory.consultation("voting")
    for size, code in ((3, "small-a"), (7, "small-b"), (9, "small-c")):
        commune = factory.commune(code, population=2000)
        proposal = factory.proposal(consultation, commune)
        for _ in range(size):
            person = factory.user(gender="woman" if size == 3 else "man")
            db.session.add(Vote(proposal_id=proposal.id, user_id=person.id))
    db.session.flush()
    return consultation


def test_small_cells_are_suppressed_with_a_second_cell_for_the_public(client, factory):
    consultation = _small_groups(factory)
    html = client.get(f"/c/{consultation.slug}/dashboard").get_data(as_text=True)
    assert _row(html, "chart-communes-table", "small-a") == "<5"
    assert _row(html, "chart-communes-table", "small-b") == "<5"  # else 19 - 7 - 9 = 3
    assert _row(html, "chart-communes-table", "small-c") == "9"
    assert _row(html, "chart-genders-table", "woman") == "<5"
    assert _row(html, "chart-genders-table", "man") == "<5"  # else 19 - 16 = 3
    assert _total(html, "participants") == "19"
    assert ">3<" not in re.search(r'<table id="chart-communes-table">.*?</table>', html,
                                  re.S).group(0)


def test_organisers_see_exact_figures(client, factory):
    consultation = _small_groups(factory)
    login(client, factory.user("organiser"))
    html = client.get(f"/c/{consultation.slug}/dashboard").get_data(as_text=True)
    assert 'id="exact-figures"' in html
    assert [_row(html, "chart-communes-table", c) for c in ("small-a", "small-b", "small-c")] \
        == ["3", "7", "9"]


def test_suppression_rule():
    cells = suppress([Cell("a", "a", 0), Cell("b", "b", 2), Cell("c", "c", 6),
                      Cell("d", "d", 8)])
    assert [c.shown for c in cells] == ["0", "<5", "<5", "8"]
    two = suppress([Cell("a", "a", 1), Cell("b", "b", 4), Cell("c", "c", 6)])
    assert [c.shown for c in two] == ["<5", "<5", "6"]
    assert [c.shown for c in suppress([Cell("a", "a", 3)], exact=True)] == ["3"]


def test_rates_stakeholders_and_workshops_match_plain_sql(client, demo):
    import json

    html = client.get(f"/c/{demo.slug}/dashboard?lang=fr").get_data(as_text=True)
    people = PARTICIPANTS_SQL.replace("SELECT count(DISTINCT uid) FROM", "SELECT DISTINCT uid FROM")
    by_type = dict(db.session.execute(text(
        f"SELECT u.stakeholder_type, count(*) FROM user_account u WHERE u.id IN ({people}) "
        "GROUP BY u.stakeholder_type"), {"c": demo.id}).all())
    shown = {key: _row(html, "chart-stakeholders-table", key) for key in by_type}
    small = [k for k, v in by_type.items() if v < 5]
    for key, count in by_type.items():
        if count >= 5 and not (len(small) == 1 and count == min(
                v for v in by_type.values() if v >= 5)):
            assert shown[key] == str(count)
        if count < 5:
            assert shown[key] == "<5"
    attendance = sum(sum(json.loads(row[0]).values()) if isinstance(row[0], str)
                     else sum(row[0].values()) for row in db.session.execute(text(
                         "SELECT attendance_by_gender FROM workshop WHERE consultation_id = :c"),
                         {"c": demo.id}))
    assert _row(html, "chart-channel-people-table", "workshops") == str(attendance)
    table = re.search(r'<table id="chart-communes-table">.*?</table>', html, re.S).group(0)
    medina = re.search(r'<tr data-key="marrakech-medina">.*?</tr>', table, re.S).group(0)
    count = int(_row(html, "chart-communes-table", "marrakech-medina"))
    assert f"{count * 1000 / 81103:.2f}".rstrip("0").rstrip(".").replace(".", ",") in medina


def test_roadmap_progress_appears_once_published(client, fresh, factory):
    from tests.exports.conftest import publish_small_roadmap

    url = f"/c/{fresh.slug}/dashboard"
    assert 'id="roadmap-progress-none"' in client.get(url).get_data(as_text=True)
    publish_small_roadmap(fresh, factory.user("organiser"))
    html = client.get(url).get_data(as_text=True)
    assert 'id="roadmap-progress-none"' not in html and html.count("roadmap-rollup") == 2


def test_people_count_once_in_the_week_of_their_first_participation(app, factory):
    from datetime import datetime, timezone

    from roadmap.exports.queries import dashboard_figures
    from roadmap.participation.models import Comment

    consultation = factory.consultation("voting")
    commune = factory.commune("weekly-commune", population=1000)
    proposal = factory.proposal(consultation, commune)
    early, late = factory.user(gender="woman"), factory.user(gender=None)
    monday, later = (datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
                     datetime(2026, 3, 18, 23, tzinfo=timezone.utc))
    db.session.add_all([
        Vote(proposal_id=proposal.id, user_id=early.id, created_at=monday),
        Comment(proposal_id=proposal.id, author_id=early.id, body="Oui", created_at=later),
        Comment(proposal_id=proposal.id, author_id=late.id, body="Non", created_at=later)])
    db.session.flush()
    figures = dashboard_figures(consultation, exact=True, language="fr")
    weekly = {kind: {c.key: c.value for c in cells} for kind, cells in figures["weekly"].items()}
    assert weekly["participant"] == {"2026-03-02": 1, "2026-03-16": 1}
    assert weekly["support"] == {"2026-03-02": 1, "2026-03-16": 0}
    assert weekly["comment"] == {"2026-03-02": 0, "2026-03-16": 2}
    assert figures["totals"] == {"participants": 2, "proposals": 0, "supports": 1, "comments": 2}
    genders = {c.key: c.value for c in figures["genders"]}
    assert genders["woman"] == 1 and genders["not_declared"] == 1
    assert [c.value for c in figures["communes"] if c.key == "weekly-commune"] == [2]
