"""Error pages keep their status and speak the user's language; a crash is a 500 page."""
from __future__ import annotations

import pytest
from flask import abort

from tests.conftest import make_test_app


@pytest.fixture
def failing_app(tmp_path, database_url):
    app = make_test_app(database_url, tmp_path)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom/<int:code>")
    def boom(code):
        if code == 500:
            raise RuntimeError("a bug")
        abort(code)

    return app


@pytest.mark.parametrize("code, arabic, french", [
    (403, "لا يحق لك", "pas le droit"),
    (404, "الصفحة غير موجودة", "Page introuvable"),
    (422, "بعض الخانات", "Certains champs"),
    (429, "طلبات كثيرة", "Trop de requêtes"),
    (500, "حدث خطأ", "Une erreur"),
])
def test_error_pages_in_the_users_language(failing_app, code, arabic, french):
    client = failing_app.test_client()
    response = client.get(f"/boom/{code}?lang=ar")
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html and arabic in html
    response = client.get(f"/boom/{code}?lang=fr")
    assert response.status_code == code and french in response.get_data(as_text=True)


def test_a_request_body_over_the_limit_is_a_413_page_and_keeps_nothing(tmp_path, database_url,
                                                                     migrated_app):
    from sqlalchemy import func, select

    from roadmap.core.jobs import BackgroundJob
    from roadmap.extensions import db

    app = make_test_app(database_url, tmp_path, MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    with app.app_context():
        before = db.session.scalar(select(func.count(BackgroundJob.id)))
    response = client.post("/register?lang=fr", data={"email": "x@example.org",
                                                      "display_name": "x" * 4096})
    assert response.status_code == 413
    assert "trop volumineux" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(BackgroundJob.id))) == before
        db.engine.dispose()
