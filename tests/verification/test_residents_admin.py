"""Residents' lists through the back office and the resident's form: every problem per line,
in the reader's language, nothing written until the organiser asks and the list is clean;
replacement; the resident's CNIE number and date of birth (on SQLite and PostgreSQL)."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from roadmap.audit.models import AuditEntry
from roadmap.extensions import db
from roadmap.verification.models import ResidentEntry, ResidentList, Verification
from tests.conftest import login

pytestmark = pytest.mark.usefixtures("english_request")


@pytest.fixture
def organiser(factory, client):
    user = factory.user("organiser")
    login(client, user)
    return user


@pytest.fixture
def commune(factory):
    return factory.commune("TST-1", name_fr="Tassoultante", name_ar="تسلطانت")


def _send(client, body: bytes, name="list.csv", store=False, label="Extrait", replacing=0,
          lang="en"):
    data = {"file": (io.BytesIO(body), name), "label": label, "replacing": str(replacing)}
    if store:
        data["store"] = "y"
    return client.post(f"/admin/verification/lists/upload?lang={lang}", data=data,
                       content_type="multipart/form-data")


def _counts():
    return (db.session.scalar(select(func.count()).select_from(ResidentList)),
            db.session.scalar(select(func.count()).select_from(ResidentEntry)),
            db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action.like("residents_list.%"))))


GOOD = ("\ufeffCIN;date_naissance;code_commune\n"
        "AB123456;25/03/1990;TST-1\n"
        "k ٤٥٦٧;١٩٨٥-٠١-٠٢;TST-1\n"
        "\n")


def test_a_preview_lists_nothing_wrong_and_writes_nothing_then_store_keeps_hashes(
        client, organiser, commune):
    answer = _send(client, GOOD.encode())  # BOM, semicolons, aliases, Arabic-Indic digits
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "2 rows read" in page and "No problem found" in page
    assert _counts() == (0, 0, 0)
    answer = _send(client, GOOD.encode(), store=True)
    assert answer.status_code == 303
    stored = db.session.scalar(select(ResidentList))
    assert stored.entries_count == 2 and stored.label == "Extrait"
    assert _counts() == (1, 2, 1)
    index = client.get("/admin/verification").get_data(as_text=True)
    assert f'id="list-{stored.id}"' in index and 'data-entries="2"' in index
    assert "AB123456" not in index


def test_every_problem_is_listed_per_line_and_nothing_is_written(client, organiser, commune):
    body = ("cnie,birth_date,commune\n"
            "AB123456,25/03/1990,TST-1\n"
            "12345,01/01/1980,TST-1\n"           # malformed CNIE
            "CD111,31/02/1980,TST-1\n"           # impossible date
            "EF222,01/01/2999,TST-1\n"           # future date
            "ab 123456,02/02/1991,NOWHERE\n")    # duplicate (normalised) and unknown commune
    answer = _send(client, body.encode(), store=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "4 rows have problems: nothing was stored" in page
    for line, message in [(3, "not a national identity card (CNIE) number"),
                          (4, "This date does not exist"), (5, "cannot be in the future"),
                          (6, "already on line 2"), (6, "Unknown commune code: NOWHERE")]:
        row = page.split(f'data-line="{line}"')[1].split("</tr>")[0]
        assert message in row, (line, message)
    assert 'data-line="2"' not in page
    assert _counts() == (0, 0, 0)


def test_the_problems_are_in_the_readers_language(client, organiser, commune):
    from flask_babel import force_locale, gettext

    body = "cnie;birth_date;commune\n123;01/01/2999;TST-1\n"
    page = _send(client, body.encode(), lang="fr").get_data(as_text=True)
    with force_locale("fr"):
        expected = gettext("A date of birth cannot be in the future.")
    assert expected in page and 'lang="fr"' in page


@pytest.mark.parametrize("body, message", [
    (b"cnie;commune\nAB1;TST-1\n", "missing: birth_date"),
    (b"", "empty"),
    (b"cnie;birth_date;commune\n", "empty"),
    ("cnie;birth_date;commune\nAB1;01/01/1990;TST-1\n".encode("utf-16"), "UTF-8"),
])
def test_a_file_that_cannot_be_a_list_is_refused_whole(client, organiser, commune, body,
                                                      message):
    answer = _send(client, body, store=True)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert _counts() == (0, 0, 0)


def test_an_xlsx_list_replaces_another_and_verifications_stay(client, organiser, commune,
                                                              factory):
    from datetime import date

    from roadmap.verification.residents import verify_with_resident_list

    assert _send(client, GOOD.encode(), store=True).status_code == 303
    first = db.session.scalar(select(ResidentList))
    resident = factory.user()
    verify_with_resident_list(resident, "AB123456", "25/03/1990")
    db.session.commit()
    book = Workbook()
    sheet = book.active
    sheet.append(["cnie", "birth_date", "commune"])
    sheet.append(["AB123456", date(1990, 3, 25), "TST-1"])
    sheet.append(["GH999", date(2000, 12, 31), "tst-1"])
    sheet.append(["JK998", date(2001, 1, 1), "TST-1"])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _send(client, buffer.getvalue(), name="new.xlsx", store=True, label="Mars",
                   replacing=first.id)
    assert answer.status_code == 303
    db.session.refresh(first)
    assert first.entries_count == 3 and first.replaced_at is not None and first.label == "Mars"
    assert _counts() == (1, 3, 2)
    index = client.get("/admin/verification").get_data(as_text=True)
    row = index.split(f'id="list-{first.id}"')[1].split("</tr>")[0]
    assert 'data-entries="3"' in row and 'data-used="1"' in row
    assert db.session.scalar(select(func.count()).select_from(Verification)) == 1


@pytest.mark.parametrize("cnie, birth, field, message", [
    ("12345", "25/03/1990", "cnie", "not a national identity card"),
    ("", "25/03/1990", "cnie", "Enter the number"),
    ("AB123456", "31/02/1990", "birth_date", "This date does not exist"),
    ("AB123456", "01/01/2999", "birth_date", "cannot be in the future"),
    ("AB123456", "yesterday", "birth_date", "day/month/year"),
    ("AB123456", "26/03/1990", None, "No resident with this CNIE number"),
])
def test_the_resident_form_explains_each_refusal_and_writes_nothing(client, organiser, commune,
                                                                   factory, cnie, birth, field,
                                                                   message):
    _send(client, GOOD.encode(), store=True)
    resident = factory.user()
    db.session.commit()
    login(client, resident)
    answer = client.post("/verify/residents?lang=en", data={"cnie": cnie, "birth_date": birth})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and message in page
    if field:
        assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(Verification)) == 0
    db.session.refresh(resident)
    assert resident.verified_at is None


def test_a_resident_verifies_with_arabic_digits_and_goes_back_where_they_were(
        client, organiser, commune, factory):
    _send(client, GOOD.encode(), store=True)
    resident = factory.user()
    db.session.commit()
    login(client, resident)
    answer = client.post("/verify/residents", data={"cnie": "K4567", "birth_date": "٠٢/٠١/١٩٨٥",
                                                    "next": "/c/some-consultation"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/c/some-consultation"
    db.session.refresh(resident)
    assert resident.verification_method == "residents_list"
    assert resident.verified_commune_id == commune.id
    page = client.get("/verify?lang=fr").get_data(as_text=True)
    assert 'data-method="residents_list"' in page and "Tassoultante" in page


def test_the_pages_are_for_organisers_and_the_methods_switched_on(app, client, factory):
    login(client, factory.user())
    assert client.get("/admin/verification").status_code == 403
    login(client, factory.user("organiser"))
    page = client.get("/admin/verification").get_data(as_text=True)
    assert 'data-method="residents_list"' in page and 'data-method="sms"' in page
    app.config["ROADMAP_VERIFICATION_METHODS"] = "code"
    try:
        page = client.get("/admin/verification").get_data(as_text=True)
        assert 'data-method="sms"' not in page and 'data-method="code"' in page
        assert client.get("/verify/residents").status_code == 404
        start = client.get("/verify").get_data(as_text=True)
        assert "/verify/code" in start and "/verify/residents" not in start
    finally:
        app.config["ROADMAP_VERIFICATION_METHODS"] = "residents_list,code,sms"
