"""Invite many at once: CSV (``,`` or ``;``, with or without BOM) and XLSX, preview, send."""
from __future__ import annotations

import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from roadmap.accounts.models import Invitation
from roadmap.core.jobs import BackgroundJob
from roadmap.core.mail import OutboxMessage
from roadmap.extensions import db
from tests.conftest import login

ROWS = [
    ["email", "name", "role", "stakeholder_type", "organisation", "commune", "language"],
    ["caid@example.org", "Caïdat", "moderator", "public_service", "Caïdat Saâda", "{code}", "fr"],
    ["asso@example.org", "جمعية الأمل", "organiser", "association", "Association Al Amal",
     "Tassoultante", "ar"],
    ["not-an-email", "Bad", "moderator", "public_service", "", "", ""],
    ["caid@example.org", "Twice", "moderator", "public_service", "", "", ""],
    ["king@example.org", "King", "king", "public_service", "", "", ""],
    ["alien@example.org", "Alien", "moderator", "martian", "", "", ""],
    ["nowhere@example.org", "Nowhere", "moderator", "public_service", "", "Atlantis", ""],
    ["karim@example.org", "Karim", "moderator", "public_service", "", "", ""],
    ["pending@example.org", "Pending", "moderator", "public_service", "", "", ""],
]
PROBLEMS = {4: "not a valid email", 5: "Duplicate", 6: "Unknown role",
            7: "Unknown stakeholder type", 8: "Unknown commune", 9: "already has this role",
            10: "pending"}


def _rows(code: str) -> list[list[str]]:
    return [[cell.replace("{code}", code) for cell in row] for row in ROWS]


def _csv(rows, delimiter=",", bom=False) -> bytes:
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _setup(app, make_user, factory):
    commune = factory.commune(code="07.351.01.03", name_fr="Tassoultante")
    admin = make_user("root@example.org", role="admin", display_name="Root")
    make_user("karim@example.org", role="moderator", display_name="Karim")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, admin)
    from roadmap.accounts import invitations
    with app.test_request_context():
        invitations.invite("pending@example.org", "moderator", admin)
    db.session.commit()
    return client, commune


def _preview_and_send(client, filename, data, commune):
    invitations_before, mails_before = _count(Invitation), _count(OutboxMessage)
    preview = client.post("/admin/users/invitations/import", data={
        "file": (io.BytesIO(data), filename), "default_role": "moderator"},
        content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    # Nothing is written at preview.
    assert (_count(Invitation), _count(OutboxMessage), _count(BackgroundJob)) == (
        invitations_before, mails_before, 0)
    for line, problem in PROBLEMS.items():
        row = re.search(rf'<tr data-line="{line}" data-ok="0".*?</tr>', html, re.S)
        assert row and problem in row.group(0), (line, problem)
    assert 'data-line="2" data-ok="1"' in html and 'data-line="3" data-ok="1"' in html
    token = re.search(r'name="rows" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="rows" name="rows" type="hidden" value="([^"]+)"', html)
    assert token, html
    sent = client.post("/admin/users/invitations/import/send", data={"rows": token.group(1)})
    assert sent.status_code == 302 and "/admin/users/invitations/jobs/" in sent.location
    page = client.get(sent.location)
    assert page.status_code == 200 and 'data-sent="2"' in page.get_data(as_text=True)
    emails = set(db.session.scalars(select(Invitation.email).where(
        Invitation.email != "pending@example.org")))
    assert emails == {"caid@example.org", "asso@example.org"}
    caid = db.session.scalar(select(Invitation).where(Invitation.email == "caid@example.org"))
    assert (caid.commune_id, caid.preferred_language, caid.display_name) == (commune.id, "fr",
                                                                             "Caïdat")
    asso = db.session.scalar(select(Invitation).where(Invitation.email == "asso@example.org"))
    assert (asso.role, asso.stakeholder_type, asso.commune_id) == ("organiser", "association",
                                                                   commune.id)
    assert _count(OutboxMessage) == mails_before + 2
    job = db.session.scalar(select(BackgroundJob))
    assert job.kind == "invitations.send" and job.state == "done"


def test_bulk_csv_with_commas(app, make_user, factory):
    client, commune = _setup(app, make_user, factory)
    _preview_and_send(client, "list.csv", _csv(_rows(commune.code)), commune)


def test_bulk_csv_with_semicolons_and_a_bom(app, make_user, factory):
    client, commune = _setup(app, make_user, factory)
    _preview_and_send(client, "liste.csv", _csv(_rows(commune.code), ";", bom=True), commune)


def test_bulk_xlsx(app, make_user, factory):
    client, commune = _setup(app, make_user, factory)
    _preview_and_send(client, "liste.xlsx", _xlsx(_rows(commune.code)), commune)


def test_bulk_refuses_unreadable_files_and_forged_rows(app, make_user, factory):
    client, _commune = _setup(app, make_user, factory)
    before = _count(Invitation)
    for filename, data in (("x.csv", b"name,role\nA,moderator\n"), ("x.csv", b"\xff\xfe\x00bad"),
                           ("x.xlsx", b"PK not a zip"), ("x.csv", b"")):
        response = client.post("/admin/users/invitations/import", data={
            "file": (io.BytesIO(data), filename), "default_role": "moderator"},
            content_type="multipart/form-data")
        assert response.status_code == 422, (filename, data)
    forged = client.post("/admin/users/invitations/import/send", data={"rows": "forged.rows"})
    assert forged.status_code == 422
    assert _count(Invitation) == before and _count(BackgroundJob) == 0
