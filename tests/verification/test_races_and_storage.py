"""For real, on a database of each kind that the requests commit to (not the rolled-back test
transaction): accounts racing for one residents' list entry or one code (exactly one wins, the
others get a message), and no plain CNIE number anywhere in the database after a list upload
and verifications (the SQLite file and its WAL read as bytes; every text and JSON column of
every PostgreSQL table)."""
from __future__ import annotations

import io
import threading
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text

from roadmap.extensions import db
from roadmap.verification import codes
from roadmap.verification.models import Verification, VerificationCode
from tests.conftest import Factory, login, make_test_app
from tests.participation.test_race import _database

RACERS = 8
# Synthetic CNIE numbers as typed in the file, and the forms they normalise to.
RESIDENTS = [("zz 900 101", "ZZ900101", "01/02/1980"), ("Zz٩٠٠١٠٢", "ZZ900102", "1975-12-31"),
             ("ZZ900103", "ZZ900103", "15.06.2001")]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def real(request, tmp_path_factory):
    """(app, kind, database URL): a migrated app on its own database, committed for real."""
    tmp = tmp_path_factory.mktemp(f"real-{request.param}")
    with _database(request.param, tmp) as url:
        app = make_test_app(url, tmp / "instance")
        with app.app_context():
            upgrade()
            factory = Factory()
            commune = factory.commune("ZZ-1")
            consultation = factory.consultation("voting", support_requirement="verified")
            organiser = factory.user("organiser")
            db.session.commit()
            app.config["test.ids"] = {"commune": commune.id, "consultation": consultation.id,
                                      "organiser": organiser.id}
        yield app, request.param, url
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _users(app, count: int) -> list:
    with app.app_context():
        factory = Factory()
        users = [factory.user(email=f"racer-{uuid.uuid4().hex[:12]}@example.org")
                 for _ in range(count)]
        db.session.commit()
        return [user.id for user in users]


def _client(app, user_id: int):
    from roadmap.accounts.models import User

    client = app.test_client()
    with app.app_context():
        login(client, db.session.get(User, user_id))
    return client


def _upload(app, body: str) -> None:
    from roadmap.accounts.models import User

    client = app.test_client()
    with app.app_context():
        login(client, db.session.get(User, app.config["test.ids"]["organiser"]))
    answer = client.post("/admin/verification/lists/upload", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(body.encode("utf-8-sig")), "list.csv"),
                               "label": "Synthetic list", "replacing": "0", "store": "y"})
    assert answer.status_code == 303, answer.get_data(as_text=True)


def _race(app, user_ids: list[int], url: str, data: dict) -> list[int]:
    """POST ``data`` to ``url`` as every user at the same moment; the statuses."""
    clients = [_client(app, user_id) for user_id in user_ids]
    barrier = threading.Barrier(len(clients))
    statuses = [0] * len(clients)

    def post(index: int):
        barrier.wait()
        statuses[index] = clients[index].post(url, data=data).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def _verified(app, user_ids) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Verification).where(
            Verification.user_id.in_(user_ids), Verification.ended_at.is_(None)))


def test_accounts_racing_for_one_list_entry_and_one_code_exactly_one_wins(real):
    app, _kind, _url = real
    _upload(app, "cnie;birth_date;commune\n" + "".join(
        f"{typed};{born};ZZ-1\n" for typed, _norm, born in RESIDENTS))
    racers = _users(app, RACERS)
    statuses = _race(app, racers, "/verify/residents",
                     {"cnie": "ZZ900101", "birth_date": "1980-02-01"})
    assert sorted(statuses) == [303] + [422] * (RACERS - 1), statuses
    assert _verified(app, racers) == 1

    with app.app_context():
        from roadmap.consultations.models import Consultation

        batch, [plain] = codes.create_batch(
            db.session.get(Consultation, app.config["test.ids"]["consultation"]), 1)
        db.session.commit()
        batch_id = batch.id
    others = _users(app, RACERS)
    statuses = _race(app, others, "/verify/code", {"code": codes.format_code(plain)})
    assert sorted(statuses) == [303] + [422] * (RACERS - 1), statuses
    assert _verified(app, others) == 1
    with app.app_context():
        used = db.session.scalars(select(VerificationCode).where(
            VerificationCode.batch_id == batch_id)).all()
        assert len(used) == 1 and used[0].used_by_id in others


def _sqlite_bytes(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
                    if p.exists())


def _postgres_text(app) -> str:
    """Every text, varchar and JSON value of every table, as one string."""
    with app.app_context():
        found = []
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(table)
                       if str(c["type"]).split("(")[0] in ("TEXT", "VARCHAR", "JSON", "JSONB")]
            for column in columns:
                found += [str(value) for value in db.session.execute(text(
                    f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL'))
                    .scalars()]
        return "\n".join(found)


def test_no_plain_cnie_number_anywhere_in_the_database(real):
    app, kind, url = real
    numbers = [("ZZ 123 987", "ZZ123987", "02/03/1970"), ("zz٤٥٦٧٨", "ZZ45678", "1999-09-09")]
    _upload(app, "CIN,date_naissance,commune\n" + "".join(
        f"{typed},{born},ZZ-1\n" for typed, _norm, born in numbers))
    [first, second] = _users(app, 2)
    assert _client(app, first).post("/verify/residents", data={
        "cnie": "zz123987", "birth_date": "٠٢/٠٣/١٩٧٠"}).status_code == 303
    assert _client(app, second).post("/verify/residents", data={
        "cnie": "ZZ45678", "birth_date": "09/09/1999"}).status_code == 303
    assert _client(app, second).post("/verify/residents", data={  # refused: a third try
        "cnie": "ZZ 123 987", "birth_date": "02/03/1970"}).status_code == 422
    assert _verified(app, [first, second]) == 2
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # SQLite: the WAL stays on disk, with whatever was written
    forms = set()
    for typed, normalised, _born in numbers + RESIDENTS:
        ascii_typed = typed.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
        digits = "".join(ch for ch in ascii_typed if ch.isdigit())
        forms |= {typed, normalised, normalised.lower(), ascii_typed, digits}
    if kind == "sqlite":
        content = _sqlite_bytes(url)
        assert b"Synthetic list" in content  # the bytes hold the rows
        for form in forms:
            for encoding in ("utf-8", "utf-16-le"):
                assert form.encode(encoding) not in content, form
    else:
        content = _postgres_text(app)
        assert "Synthetic list" in content  # the scan reads the rows
        for form in forms:
            assert form not in content, form
