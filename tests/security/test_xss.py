"""XSS: the payloads of tests/security/xss_payloads.txt, stored in every field a user can fill,
never reach a page, fragment or JSON answer in a form that runs.

Two passes: (1) every payload in every proposal, comment, profile and attachment field (a
photo's alt text, a document's name), rendered on the
proposal page, the list (page and htmx fragment), the comment thread and the map's GeoJSON;
(2) the payloads spread over every field of the authorization walk's scene (proposals,
comments, names, organisations, workshops, moderation reasons, the audit log, roadmap items,
commune names), then every GET route of the app requested as anonymous, organiser and admin.
A crafted GeoJSON imported as territory carries payloads in name_ar/name_fr (3).
"""
from __future__ import annotations

import json

import pytest
from markupsafe import escape
from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.consultations.models import Workshop
from roadmap.extensions import db
from roadmap.audit.log import record
from roadmap.media.models import Attachment
from roadmap.media.storage import new_token
from roadmap.moderation.models import Report
from roadmap.participation.models import Comment
from roadmap.proposals.models import Proposal
from roadmap.roadmaps.models import RoadmapItem
from roadmap.territory.models import Commune
from tests.conftest import login
from tests.security.permissions import routes
from tests.security.xss import answer_problems, html_problems, payloads

CORPUS = payloads()


def test_the_corpus_is_large_and_varied():
    assert len(CORPUS) >= 100 and len(set(CORPUS)) == len(CORPUS)
    for needle in ("<script", "onerror", "javascript:", "<svg", "\u202e", "\u200b", "ⵜ",
                   "window.__xss"):
        assert any(needle in payload for payload in CORPUS), needle


def _fit(model, column: str, value: str, dialect: str) -> str:
    """``value`` cut to the column's length (PostgreSQL enforces it) and without NUL there."""
    if dialect == "postgresql":
        value = value.replace("\x00", "")
    length = getattr(model.__table__.c[column].type, "length", None)
    return value[:length] if length else value


def _set(row, column: str, value: str, planted: list[str], dialect: str) -> None:
    value = _fit(type(row), column, value, dialect)
    setattr(row, column, value)
    planted.append(value)


# --- pass 1: every payload in every proposal, comment and profile field ----------------------

@pytest.fixture
def proposal_scene(app, factory):
    commune = factory.commune(lon=-7.99, lat=31.63)
    consultation = factory.consultation("voting")
    author = factory.user()
    proposal = factory.proposal(consultation, commune, author, latitude=31.63,
                                longitude=-7.99)
    comment = Comment(proposal_id=proposal.id, author_id=author.id, body="x", stance="for")
    db.session.add(comment)
    proposal.comments_count = 1
    # A photo and a document: their alt text and file name are the uploader's words too.
    for kind, extension in (("photo", "webp"), ("document", "pdf")):
        db.session.add(Attachment(token=new_token(), kind=kind, proposal_id=proposal.id,
                                  uploaded_by_id=author.id, content_type="x/y",
                                  extension=extension, size=1, alt_text="x",
                                  original_name="x.pdf"))
    db.session.commit()
    return consultation, proposal, comment, author


def _pages(client, consultation, proposal):
    base = f"/c/{consultation.slug}/proposals"
    yield client.get(f"{base}/{proposal.id}")
    yield client.get(base)
    yield client.get(base, headers={"HX-Request": "true"})
    yield client.get(f"{base}/{proposal.id}/comments", headers={"HX-Request": "true"})
    yield client.get(f"/api/v1/proposals.geojson?consultation={consultation.slug}")


@pytest.mark.parametrize("chunk", range(4))
def test_every_payload_in_every_proposal_and_comment_field(app, proposal_scene, chunk):
    consultation, proposal, comment, author = proposal_scene
    dialect = db.session.get_bind().dialect.name
    viewer = app.test_client()
    login(viewer, author)
    problems = []
    for payload in CORPUS[chunk::4]:
        planted = []
        for column in ("title", "body", "beneficiaries", "organisation"):
            _set(proposal, column, payload, planted, dialect)
        _set(comment, "body", payload, planted, dialect)
        _set(author, "display_name", payload, planted, dialect)
        _set(author, "organisation", payload, planted, dialect)
        photo, document = db.session.scalars(select(Attachment).where(
            Attachment.proposal_id == proposal.id).order_by(Attachment.id))
        _set(photo, "alt_text", payload, planted, dialect)
        _set(document, "original_name", payload, planted, dialect)
        db.session.commit()
        shown = viewer.get(f"/c/{consultation.slug}/proposals/{proposal.id}")
        assert str(escape(planted[0])) in shown.get_data(as_text=True)  # shown, escaped
        for client in (viewer, app.test_client()):
            for response in _pages(client, consultation, proposal):
                assert response.status_code == 200, (response.request.path, payload)
                problems += [f"{response.request.path}: {problem}"
                             for problem in answer_problems(response, planted)]
    assert not problems, "\n".join(problems[:20])


# --- pass 3 (before the walk holds its transaction open on SQLite): a crafted GeoJSON imported as territory ------------------------------------------

def test_commune_names_from_an_imported_geojson(app, client, tmp_path):
    from roadmap.territory.services import import_communes
    dialect = db.session.get_bind().dialect.name
    names = [payload.replace("\x00", "") for payload in CORPUS[:40]]
    features = []
    for number, (name_ar, name_fr) in enumerate(zip(names[0::2], names[1::2])):
        lon, lat = -8.5 + number * 0.02, 31.0
        features.append({"type": "Feature", "properties": {
            "code": f"XSS{number:02d}", "name_ar": name_ar[:200], "name_fr": name_fr[:200],
            "population_2024": 1000 + number},
            "geometry": {"type": "Polygon", "coordinates": [[
                [lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01],
                [lon, lat]]]}})
    path = tmp_path / "crafted.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    import_communes(path, prefecture_code="07.351")
    db.session.commit()
    stored = db.session.scalars(select(Commune).where(Commune.code.like("XSS%"))).all()
    assert len(stored) == len(features)
    planted = [value for commune in stored for value in (commune.name_ar, commune.name_fr)]
    assert dialect in ("sqlite", "postgresql")
    problems = []
    urls = ["/communes", "/api/v1/communes.geojson", "/api/v1/communes"] + [
        f"/communes/{commune.code}" for commune in stored[:5]]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        problems += [f"{url}: {problem}" for problem in answer_problems(response, planted)]
    geojson = client.get("/api/v1/communes.geojson").get_json()
    names = {feature["properties"]["name_fr"] for feature in geojson["features"]}
    assert {commune.name_fr for commune in stored} <= names  # the names round-trip intact
    assert not problems, "\n".join(problems[:20])


# --- pass 2: the payloads spread over the walk's scene, every GET route --------------------

FIELDS_PER_ROUND = 24
ROUNDS = -(-len(CORPUS) // FIELDS_PER_ROUND)


def _plant(scene, round_number: int, dialect: str) -> list[str]:
    """Store the round's payloads in the scene's rows; returns the values stored."""
    planted: list[str] = []
    queue = iter(CORPUS[round_number * FIELDS_PER_ROUND:] + CORPUS)

    def put(row, column):
        _set(row, column, next(queue), planted, dialect)

    proposal, supported, own = (db.session.get(Proposal, scene.proposal_id),
                                db.session.get(Proposal, scene.supported_proposal_id),
                                db.session.get(Proposal, scene.own_proposal_id))
    for row in (proposal, supported, own):
        for column in ("title", "body", "beneficiaries", "organisation"):
            put(row, column)
    proposal.rejection_reason = supported.hidden_reason = None
    put(db.session.get(Comment, scene.comment_id), "body")
    put(db.session.get(Comment, scene.own_comment_id), "body")
    participant, author = db.session.get(User, scene.participant_id), proposal.author
    for user in (participant, author):
        put(user, "display_name")
        put(user, "organisation")
    put(db.session.get(User, scene.blocked_id), "blocked_reason")
    workshop = db.session.get(Workshop, scene.workshop_id)
    for column in ("title", "place", "minutes"):
        put(workshop, column)
    # The workshop's photo and document: their description and name are the uploader's words.
    for attachment in db.session.scalars(select(Attachment).where(
            Attachment.workshop_id == workshop.id)):
        put(attachment, "alt_text" if attachment.kind == "photo" else "original_name")
    put(db.session.get(Report, scene.report_id), "note")
    commune = db.session.scalar(select(Commune).where(Commune.code == scene.commune_code))
    put(commune, "name_ar")
    put(commune, "name_fr")
    item = db.session.get(RoadmapItem, scene.roadmap_item_id)
    title, description = next(queue), next(queue)
    item.title_i18n = {language: title for language in ("ar", "fr", "en")}
    item.description_i18n = {language: description for language in ("ar", "fr", "en")}
    planted += [title, description]
    reason = _fit(Proposal, "hidden_reason", next(queue), dialect)
    record(db.session.get(User, participant.id), "proposal.hide", proposal, reason=reason)
    planted.append(reason)
    return planted


def _every_get_answer(walk, roles):
    served = routes(walk.app)
    for rule in walk.app.url_map.iter_rules():
        if (rule.endpoint, "GET") not in served or rule.endpoint.endswith(".photo"):
            continue
        url = walk.url(rule.endpoint, rule)
        for role in roles:
            client = walk.client(role)
            yield role, url, client.get(url)
            if rule.endpoint in ("proposals.index", "participation.comments",
                                 "proposals.consultation", "moderation.queue"):
                yield role, url + " (htmx)", client.get(url, headers={"HX-Request": "true"})


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_payloads_in_every_field_on_every_page(walk, round_number):
    savepoint = walk.connection.begin_nested()
    problems, statuses = [], {}
    try:
        planted = _plant(walk.scene, round_number, walk.connection.dialect.name)
        db.session.commit()
        db.session.remove()
        for role, url, response in _every_get_answer(walk, ("anonymous", "organiser", "admin")):
            statuses[(role, url)] = response.status_code
            problems += [f"{role} {url}: {problem}"
                         for problem in answer_problems(response, planted)]
    finally:
        db.session.remove()
        savepoint.rollback()
    assert not problems, "\n".join(problems[:30])
    assert not [key for key, status in statuses.items() if status >= 500], statuses
    assert sum(1 for status in statuses.values() if status == 200) > 60


def test_the_checker_catches_what_it_must():
    """The HTML check is not blind: unescaped payloads are found."""
    page = "<html><body><p>{}</p><script src='/static/js/map.js'></script></body></html>"
    found = [payload for payload in CORPUS[:40]
             if html_problems(page.format(payload), [payload])]
    assert len(found) == len([payload for payload in CORPUS[:40] if "<" in payload])
    assert not html_problems(page.format("&lt;script&gt;"), ["<script>"])
