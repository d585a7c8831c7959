"""Low bandwidth: each public page of the demo weighs under 150 KB gzipped on first load.

Everything a first visit loads is counted, gzipped as a server would send it: the HTML, the
style sheets and the images they reference, the scripts, the images, and the data the page's
scripts fetch (``data-*-url`` attributes: GeoJSON for the small maps). The consultation map is
left out (its layers are the point of that page). Static files carry a content hash and a
one-year immutable cache header.
"""
from __future__ import annotations

import gzip
import re
from urllib.parse import urljoin, urlsplit

import pytest

from roadmap.demo import load_demo
from tests.core.demo_pages import public_pages

BUDGET = 150 * 1024
ASSET = re.compile(r'<(?:link[^>]*\brel="stylesheet"[^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)'
                   r'="([^"]+)"')
DATA_URL = re.compile(r'\bdata-[a-z-]*url="([^"]+)"')
CSS_URL = re.compile(r'url\(["\']?([^"\')]+)["\']?\)')


@pytest.fixture
def demo(app):
    """The demo consultation, loaded in the test's transaction."""
    load_demo(echo=lambda *_: None)
    with app.test_request_context():
        return public_pages()


def _get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data()


def _resources(client, page: str, html: str) -> dict[str, bytes]:
    """Every file the page loads (style sheets with their images), by URL."""
    loaded: dict[str, bytes] = {}
    for url in ASSET.findall(html) + DATA_URL.findall(html.replace("&amp;", "&")):
        url = urljoin(page, url)
        if url in loaded or urlsplit(url).netloc:
            continue
        loaded[url] = _get(client, url)
        if urlsplit(url).path.endswith(".css"):
            for inner in CSS_URL.findall(loaded[url].decode()):
                if not inner.startswith("data:"):
                    inner_url = urljoin(url, inner)
                    loaded.setdefault(inner_url, _get(client, inner_url))
    return loaded


def page_weight(client, path: str) -> tuple[int, dict[str, int]]:
    """(total gzipped bytes, gzipped bytes per URL) of a first visit to ``path``."""
    html = _get(client, path)
    sizes = {path: len(gzip.compress(html, 6))}
    for url, body in _resources(client, path, html.decode()).items():
        sizes[url] = len(gzip.compress(body, 6))
    return sum(sizes.values()), sizes


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_every_public_page_weighs_under_150_kb_gzipped(client, demo, language):
    client.post("/language", data={"language": language})
    assert f'lang="{language}"' in _get(client, "/").decode()[:300]
    heavy = {}
    for name, path in demo.items():
        total, sizes = page_weight(client, path)
        print(f"{language} {name:<14} {total / 1024:6.1f} KB  ({len(sizes)} files)")
        if total >= BUDGET:
            heavy[name] = (total, sorted(sizes.items(), key=lambda kv: -kv[1])[:5])
    assert not heavy, heavy


def test_static_files_are_fingerprinted_and_cached_for_a_year(client, demo):
    html = _get(client, demo["proposal"]).decode()
    static = [url for url in ASSET.findall(html) if url.startswith("/static/")]
    assert static and all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in static), static
    for url in static:
        response = client.get(url)
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get(static[0].split("?")[0] + "?v=000000000000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_a_list_of_proposals_with_photos_keeps_the_budget_and_small_thumbnails(client, demo):
    """Every card of the first page with a phone photo: the page under 150 KB gzipped before
    the thumbnails, each thumbnail under 30 KB (lazy-loaded: the browser fetches those seen)."""
    from sqlalchemy import select

    from roadmap.demo import SLUG
    from roadmap.extensions import db
    from roadmap.media import services
    from roadmap.proposals.models import Proposal
    from tests.media.files import phone_jpeg

    class Upload:  # what a form hands the service: a named stream
        def __init__(self, data):
            import io
            self.filename, self.stream = "IMG_0001.JPG", io.BytesIO(data)

    proposals = db.session.scalars(select(Proposal).where(Proposal.status == "published",
                                                          Proposal.author_id.is_not(None))
                                   .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(12)).all()
    photo = phone_jpeg(2000, 1500)
    for proposal in proposals:
        staged = services.stage_photo(Upload(photo), proposal.author,
                                      f"Synthetic photo of the place of proposal {proposal.id}")
        services.attach([staged], "proposal_id", proposal.id)
    db.session.commit()
    path = f"/c/{SLUG}/proposals?sort=newest"
    total, sizes = page_weight(client, path)
    thumbs = {url: size for url, size in sizes.items() if "/media/" in url}
    assert thumbs, "the cards show thumbnails"
    before = total - sum(thumbs.values())
    print(f"list with {len(thumbs)} photos: {before / 1024:.1f} KB gzipped before thumbnails")
    assert before < BUDGET
    for url in thumbs:
        assert len(client.get(url).get_data()) <= 30 * 1024, url
