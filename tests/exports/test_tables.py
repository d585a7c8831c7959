"""The export tables: every model column exported (bar documented exclusions), no personal
data in public exports, CSV injection neutralised, Arabic round-tripping through CSV and XLSX."""
from __future__ import annotations

import csv
import io
import re
import zipfile

from openpyxl import load_workbook
from sqlalchemy import text

from roadmap.exports import tables
from roadmap.exports.csv import table_csv, tables_zip
from roadmap.exports.services import build_export
from roadmap.extensions import db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _all_cells(built_tables) -> list[str]:
    return [str(value) for table in built_tables for row in table.rows for value in row
            if value is not None]


def test_every_model_column_is_exported_except_documented_exclusions(demo):
    for variant in tables.VARIANTS:
        for table in tables.build_tables(demo, variant):
            name = table.model.__tablename__
            if name in tables.AGGREGATED:
                continue
            columns = {c.name for c in table.model.__table__.columns}
            excluded = set(tables.EXCLUDED.get(name, {}))
            if variant == "public":
                excluded |= set(tables.PUBLIC_EXCLUDED.get(name, {}))
            assert excluded <= columns, (name, excluded - columns)  # the list stays honest
            missing = columns - excluded - set(table.headers)
            assert not missing, (variant, table.name, missing)


def test_exclusions_all_give_a_reason_and_secrets_are_never_in_a_table(demo):
    for listing in (tables.EXCLUDED, tables.PUBLIC_EXCLUDED):
        assert all(reason for columns in listing.values() for reason in columns.values())
    for variant in tables.VARIANTS:
        headers = {h for t in tables.build_tables(demo, variant) for h in t.headers}
        assert not headers & {"email", "password_hash", "token_hash"}
        assert {t.model.__tablename__ for t in tables.build_tables(demo, variant)}.isdisjoint(
            {"user_account", "password_reset_token"})


def test_public_tables_hold_no_personal_data(demo, factory):
    author = factory.user(display_name="Citoyenne Secrète", email="secret.person@example.org")
    factory.proposal(demo, _commune(demo), author, title="Une proposition publique de test")
    from roadmap.core.models import utcnow

    factory.proposal(demo, _commune(demo), title="Proposition cachée par un modérateur",
                     hidden_at=utcnow(), hidden_reason="Données personnelles")
    public = tables.build_tables(demo, "public")
    cells = _all_cells(public)
    assert not any(EMAIL.search(value) for value in cells)
    assert not any("$argon2" in value for value in cells)
    assert not any("Citoyenne Secrète" in value or "مشارك تجريبي" in value
                   or "Participant démo" in value for value in cells)
    assert "Proposition cachée par un modérateur" not in cells
    assert "Une proposition publique de test" in cells
    assert "audit_log" not in [t.name for t in public]
    assert all("author_name" not in t.headers and "author_id" not in t.headers for t in public)


def test_full_tables_carry_display_names_never_emails(demo, factory):
    author = factory.user(display_name="Citoyenne Nommée", email="named.person@example.org")
    factory.proposal(demo, _commune(demo), author, title="Une proposition nommée de test")
    full = tables.build_tables(demo, "full")
    cells = _all_cells(full)
    assert "Citoyenne Nommée" in cells
    assert not any(EMAIL.search(value) for value in cells)
    assert {"audit_log", "evaluations"} <= {t.name for t in full}


def _commune(consultation):
    from roadmap.territory.models import Commune

    return db.session.scalars(db.select(Commune).order_by(Commune.code)).first()


def test_csv_neutralises_formulas_and_round_trips_arabic(demo, factory):
    factory.proposal(demo, _commune(demo), title='=HYPERLINK("http://evil.test","x")',
                     body="+1 -2 @SUM(A1) وصف بالعربية")
    data = table_csv(tables.build_table(demo, "proposals", "public"))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    row = next(r for r in rows if "HYPERLINK" in r["title"])
    assert row["title"] == '\'=HYPERLINK("http://evil.test","x")'
    assert row["body"] == "'+1 -2 @SUM(A1) وصف بالعربية"
    titles = {r["title"] for r in rows}
    arabic = db.session.execute(text(
        "SELECT title FROM proposal WHERE consultation_id = :c AND title LIKE :p"),
        {"c": demo.id, "p": "%ا%"}).scalars().first()
    assert arabic in titles


def test_csv_zip_holds_every_public_table(demo):
    archive = zipfile.ZipFile(io.BytesIO(tables_zip(tables.build_tables(demo, "public"))))
    assert sorted(archive.namelist()) == sorted(f"{n}.csv" for n in tables.table_names("public"))


def test_xlsx_reads_back_with_one_sheet_per_table_and_true_counts(demo, factory):
    factory.proposal(demo, _commune(demo), title="=1+2 formula attempt")
    built = build_export(demo, "xlsx", variant="public")
    book = load_workbook(io.BytesIO(built.body))
    assert book.sheetnames == tables.table_names("public") + MONITORING_SHEETS
    sheet = book["proposals"]
    headers = [c.value for c in sheet[1]]
    rows = [dict(zip(headers, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    expected = db.session.execute(text(
        "SELECT count(*) FROM proposal WHERE consultation_id = :c AND hidden_at IS NULL "
        "AND status IN ('published', 'withdrawn')"), {"c": demo.id}).scalar()
    assert len(rows) == expected
    assert any(r["title"] == "'=1+2 formula attempt" for r in rows)
    assert all(sheet.cell(row=i, column=headers.index("title") + 1).data_type == "s"
               for i in range(2, sheet.max_row + 1))
    votes = book["votes"]
    total = sum(row[3].value for row in votes.iter_rows(min_row=2))
    assert total == db.session.execute(text(
        "SELECT count(*) FROM vote JOIN proposal ON proposal.id = vote.proposal_id "
        "WHERE proposal.consultation_id = :c AND proposal.hidden_at IS NULL "
        "AND proposal.status IN ('published', 'withdrawn')"), {"c": demo.id}).scalar()


# The monitoring's sheets after the data tables (the demo's roadmap is published).
MONITORING_SHEETS = ["monitoring_participation", "monitoring_gender_budget",
                     "monitoring_sdg_budget", "monitoring_beneficiaries",
                     "monitoring_indicators_by_sex"]

VOTES_BY_CODE_SQL = """
SELECT p.id, c.code, home.code, count(v.id) FROM proposal p
JOIN vote v ON v.proposal_id = p.id JOIN commune c ON c.id = p.commune_id
JOIN user_account u ON u.id = v.user_id LEFT OUTER JOIN commune home ON home.id = u.home_commune_id
WHERE p.consultation_id = :c GROUP BY p.id, c.code, home.code ORDER BY p.id, home.code
"""


def test_votes_table_is_the_grouping_on_codes_in_the_database_order(demo, factory):
    from roadmap.participation.models import Vote

    proposal = factory.proposal(demo, _commune(demo), title="Une proposition très soutenue")
    homes = [factory.commune(code) for code in ("zz-last", "AA-upper", "aa-lower", "m-middle")]
    for home in [*homes, None, None, homes[0]]:
        voter = factory.user(home_commune_id=home.id if home else None)
        db.session.add(Vote(proposal_id=proposal.id, user_id=voter.id))
    db.session.flush()
    expected = [list(row) for row in db.session.execute(text(VOTES_BY_CODE_SQL), {"c": demo.id})]
    table = tables.build_table(demo, "votes", "full")
    assert list(table.rows) == expected  # NULL first or last, collation: as the database says
    assert [row for row in expected if row[0] == proposal.id][-1][2] in (None, "zz-last")


def test_streamed_tables_read_again_and_hold_the_orm_values(demo, factory):
    from roadmap.participation.models import Comment

    proposal = factory.proposal(demo, _commune(demo))
    author = factory.user(display_name="=Auteur piégé")
    comment = Comment(proposal_id=proposal.id, author_id=author.id, body="-1 pas d'accord")
    db.session.add(comment)
    db.session.flush()
    table = tables.build_table(demo, "comments", "full")
    first, second = list(table.rows), list(table.rows)
    assert first == second and len(first) == db.session.execute(text(
        "SELECT count(*) FROM comment JOIN proposal ON proposal.id = comment.proposal_id "
        "WHERE proposal.consultation_id = :c"), {"c": demo.id}).scalar()
    row = dict(zip(table.headers, next(r for r in first if r[0] == comment.id)))
    assert row["created_at"] == comment.created_at.isoformat()  # ISO 8601 with +00:00
    assert row["edited_at"] is None and row["is_official"] is False
    assert row["body"] == "'-1 pas d'accord" and row["author_name"] == "'=Auteur piégé"
    proposals = tables.build_table(demo, "proposals", "full")
    located = dict(zip(proposals.headers, next(r for r in proposals.rows if r[0] == proposal.id)))
    assert located["sdg_goals"] == tables.cell(proposal.sdg_goals)
    assert located["commune_code"] == proposal.commune.code
    assert located["axis_code"] == proposal.axis.code


def _number(text: str):
    """A cell's text as a number when it is one (XLSX keeps 1.0 as 1), else the text."""
    try:
        return float(text)
    except ValueError:
        return text


def test_csv_and_xlsx_hold_the_same_cells(demo, factory):
    factory.proposal(demo, _commune(demo), title="#N/A", body="  espaces autour  ")
    factory.proposal(demo, _commune(demo), title="a & b < c > d", body="bip\x07 & <b>")
    factory.proposal(demo, _commune(demo), title="@SUM(A1)", body="x" * 40_000)
    db.session.commit()
    book = load_workbook(io.BytesIO(build_export(demo, "xlsx", variant="full").body))
    archive = zipfile.ZipFile(io.BytesIO(build_export(demo, "csv", variant="full").body))
    assert book.sheetnames == tables.table_names("full") + MONITORING_SHEETS
    for name in book.sheetnames:
        sheet = book[name]
        assert sheet.freeze_panes == "A2" and all(c.font.b for c in sheet[1])
        rows = list(csv.reader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8-sig"))))
        cells = [["" if c.value is None else str(c.value) for c in row]
                 for row in sheet.iter_rows()]
        rows = [[_number(w.replace("\x07", "")[:32_767]) for w in row] for row in rows]
        cells = [[_number(c) for c in row] + [""] * (len(rows[0]) - len(row)) for row in cells]
        assert sorted(cells, key=repr) == sorted(rows, key=repr), name  # roadmap: ties on rank
    sheet = book["proposals"]
    headers = [c.value for c in sheet[1]]
    title, body = headers.index("title"), headers.index("body")
    titles = {row[title].value: row[title] for row in sheet.iter_rows(min_row=2)}
    assert titles["#N/A"].data_type == "e"
    assert titles["a & b < c > d"].data_type == "s" and titles["'@SUM(A1)"].data_type == "s"
    bodies = [row[body].value for row in sheet.iter_rows(min_row=2)]
    assert "  espaces autour  " in bodies and "bip & <b>" in bodies
    assert any(len(b or "") == 32_767 for b in bodies)
