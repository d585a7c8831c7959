"""Home, consultation and proposal pages; error pages and CSRF through the real stack."""
from __future__ import annotations

import re

from markupsafe import escape

from sqlalchemy import select

from roadmap.demo import SLUG, load_demo
from roadmap.extensions import db
from roadmap.proposals.models import Proposal


def _demo():
    consultation = load_demo(echo=lambda *_: None)
    db.session.commit()
    return consultation


def test_home_lists_the_demo_consultation_in_each_language(client):
    _demo()
    for lang, title in [("ar", "برنامج التنمية الترابية المندمجة"),
                        ("fr", "Programme de développement territorial intégré"),
                        ("en", "Integrated territorial development programme")]:
        html = client.get(f"/?lang={lang}").get_data(as_text=True)
        assert title in html
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html


def test_consultation_page_shows_axes_figures_and_demo_marks(client):
    consultation = _demo()
    html = client.get(f"/c/{SLUG}?lang=fr").get_data(as_text=True)
    assert "Gestion proactive et durable de l&#39;eau" in html
    assert "notice-demo" in html and "badge-demo" in html
    total = sum(p.supports_count for p in db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation.id)))
    shown = [re.sub(r"\D", "", value) for value in re.findall(r"<dd>([^<]*)</dd>", html)]
    assert str(total) in shown


def test_proposal_page_shows_the_proposal_and_its_comments(client):
    _demo()
    proposal = db.session.scalar(select(Proposal).where(Proposal.comments_count > 0)
                                 .order_by(Proposal.id))
    html = client.get(f"/c/{SLUG}/proposals/{proposal.id}").get_data(as_text=True)
    assert str(escape(proposal.title)) in html
    assert len(re.findall(r'id="comment-\d+"', html)) == proposal.comments_count


def test_unknown_pages_answer_404_in_the_users_language(client):
    _demo()
    response = client.get("/c/no-such-consultation?lang=ar")
    assert response.status_code == 404
    assert '<html lang="ar" dir="rtl">' in response.get_data(as_text=True)
    assert client.get(f"/c/{SLUG}/proposals/999999").status_code == 404


def test_state_changing_posts_need_a_csrf_token(tmp_path, database_url):
    from tests.conftest import make_test_app

    app = make_test_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "lang" not in session
