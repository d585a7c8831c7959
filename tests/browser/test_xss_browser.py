"""XSS in Chromium: payloads that set ``window.__xss`` stored in a proposal (title, text,
beneficiaries, organisation), its author's name, a comment and a commune's names; the flag stays
undefined on the proposal page, the list, the comment thread and the map popups."""
from __future__ import annotations


import pytest

pytest.importorskip("playwright")
from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402
from sqlalchemy import select  # noqa: E402

from roadmap.demo import SLUG, load_demo  # noqa: E402
from roadmap.extensions import db  # noqa: E402
from tests.conftest import make_test_app, serve  # noqa: E402

pytestmark = pytest.mark.browser
FLAG = "window.__xss=1"
PAYLOADS = [f'<img src=x onerror="{FLAG}">', f"<svg onload={FLAG}>",
            f"\"><img src=x onerror='{FLAG}'>", f"<script>{FLAG}</script>",
            f"<a href=\"javascript:{FLAG}\" id=xss-link>x</a>",
            f"<img src=x onerror={FLAG}>\u202e", f"<details open ontoggle={FLAG}>",
            f"<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>"]
CODE = "souihla"


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    """A live server whose demo holds one located proposal full of payloads; yields
    (base URL, proposal id)."""
    from roadmap.participation.models import Comment
    from roadmap.proposals.models import Proposal
    from roadmap.territory.models import Commune

    folder = tmp_path_factory.mktemp("xss-live")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}", folder / "instance",
                        TESTING=False, SESSION_COOKIE_SECURE=False)
    with app.app_context():
        upgrade()
        consultation = load_demo(echo=lambda *_: None)
        commune = db.session.scalar(select(Commune).where(Commune.code == CODE))
        commune.name_ar, commune.name_fr = PAYLOADS[5], PAYLOADS[6]
        proposal = db.session.scalar(select(Proposal).where(
            Proposal.consultation_id == consultation.id, Proposal.status == "published")
            .order_by(Proposal.id))
        proposal.title, proposal.body = PAYLOADS[0][:140], "\n".join(PAYLOADS)
        proposal.beneficiaries, proposal.organisation = PAYLOADS[1], PAYLOADS[2]
        proposal.commune = commune
        proposal.latitude, proposal.longitude = commune.centroid_lat, commune.centroid_lon
        proposal.author.display_name = PAYLOADS[3][:80]
        db.session.add(Comment(proposal_id=proposal.id, author_id=proposal.author_id,
                               body="\n".join(PAYLOADS), stance="for"))
        proposal.comments_count += 1
        db.session.commit()
        proposal_id = proposal.id
    with serve(app) as base:
        yield base, proposal_id
    with app.app_context():
        db.engine.dispose()


def _flag(page: Page):
    return page.evaluate("() => window.__xss")


def test_the_proposal_page_list_and_comments_run_no_payload(page: Page, xss_server):
    base, proposal_id = xss_server
    for path in (f"/c/{SLUG}/proposals/{proposal_id}", f"/c/{SLUG}/proposals",
                 f"/c/{SLUG}/proposals?q=img", f"/c/{SLUG}/proposals/{proposal_id}/comments",
                 f"/c/{SLUG}/communes/{CODE}", f"/communes/{CODE}"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert _flag(page) is None, path
    page.goto(f"{base}/c/{SLUG}/proposals/{proposal_id}")
    expect(page.locator("h1")).to_contain_text("<img src=x onerror=")  # shown as text
    assert page.locator("#xss-link").count() == 0 and page.locator("iframe").count() == 0


def test_the_map_popups_run_no_payload(page: Page, xss_server):
    base, proposal_id = xss_server
    page.goto(f"{base}/c/{SLUG}/map?lang=fr")
    page.locator(f'path[data-commune="{CODE}"]').dispatch_event("click")
    popup = page.locator(".leaflet-popup-content .map-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("<details open ontoggle=")
    assert _flag(page) is None
    page.goto(f"{base}/c/{SLUG}/communes/{CODE}")
    page.wait_for_load_state("networkidle")
    marker = page.locator(f'.leaflet-marker-icon[title^="<img src=x onerror="]')
    for _attempt in range(6):
        if marker.count():
            break
        clusters = page.locator(".marker-cluster")
        if not clusters.count():
            break
        clusters.first.click()
        page.wait_for_timeout(400)
    expect(marker.first).to_be_attached()
    marker.first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content .map-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("onerror=")
    page.wait_for_timeout(300)
    assert _flag(page) is None
