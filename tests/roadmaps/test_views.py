"""Roadmap pages: public page, item page, workbench, publication and progress, through HTTP."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.roadmaps import services
from roadmap.roadmaps.models import ProgressUpdate, RoadmapItem, RoadmapVersion
from roadmap.roadmaps.queries import roadmap_of
from tests.conftest import login


def _url(world, path=""):
    return f"/c/{world.consultation.slug}/roadmap{path}"


def _published(world):
    roadmap = services.draft_from_run(world.consultation, world.run, world.organiser)
    services.publish(roadmap, world.organiser, {})
    return roadmap


def _item(roadmap, proposal):
    return next(i for i in roadmap.items if proposal in i.proposals)


@pytest.mark.parametrize("lang, direction", [("ar", "rtl"), ("fr", "ltr")])
def test_public_page_before_publication(client, world, lang, direction):
    services.draft_from_run(world.consultation, world.run, world.organiser)
    page = client.get(_url(world, f"?lang={lang}"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'dir="{direction}"' in html and 'id="roadmap-not-published"' in html
    assert "Clinic in A" not in html


@pytest.mark.parametrize("lang, direction", [("ar", "rtl"), ("fr", "ltr")])
def test_public_page_after_publication(client, world, lang, direction):
    _published(world)
    html = client.get(_url(world, f"?lang={lang}")).get_data(as_text=True)
    assert f'dir="{direction}"' in html and 'id="roadmap-not-published"' not in html
    assert html.index("Clinic in A") < html.index("Clinic in B") < html.index("Road in B")
    assert "<progress" in html and "Wells for A" in html


def test_public_page_per_commune_with_shares(client, world):
    _published(world)
    html = client.get(_url(world, "?view=communes&lang=fr")).get_data(as_text=True)
    a, b = world.communes
    assert f'id="commune-{a.code}"' in html and f'id="commune-{b.code}"' in html
    assert "Axe 3" in html  # the axis of each item is named in the per-commune view
    assert "roadmap-shares" in html and "75" in html  # commune A holds 75 % of the population


def test_item_page_shows_lineage_timeline_and_justification(client, world):
    roadmap = _published(world)
    road = _item(roadmap, world.proposals[3])
    services.move_item(road, 1, world.organiser, "The road serves both clinics.")
    services.edit_item(road, world.organiser, starts_on=date(2026, 2, 1), ends_on=date(2026, 9, 30))
    services.publish(roadmap, world.organiser, {"fr": "Route en premier"})
    services.post_progress(road, world.organiser, date(2026, 3, 1), 30, "in_progress",
                           note_i18n={"fr": "Terrassement"})
    html = client.get(_url(world, f"/items/{road.id}?lang=fr")).get_data(as_text=True)
    assert "The road serves both clinics." in html and "Amina Author" in html
    assert "Terrassement" in html and "Route en premier" not in html
    page = client.get(_url(world, "?lang=fr")).get_data(as_text=True)
    assert "Route en premier" in page and "The road serves both clinics." in page
    assert "30 sept. 2026" in page and "Terrassement" in page  # dates and timeline on the card
    assert client.get(_url(world, "/items/999999")).status_code == 404


def test_item_page_404_before_publication(client, world):
    roadmap = services.draft_from_run(world.consultation, world.run, world.organiser)
    assert client.get(_url(world, f"/items/{roadmap.items[0].id}")).status_code == 404


@pytest.mark.parametrize("role", [None, "participant", "moderator"])
def test_workbench_forbidden_to_non_organisers(client, world, factory, role):
    roadmap = services.draft_from_run(world.consultation, world.run, world.organiser)
    item = roadmap.items[0]
    if role:
        login(client, factory.user(role))
    assert client.get(_url(world, "/draft")).status_code == 403
    assert client.post(_url(world, "/draft"), data={"run_id": world.run.id}).status_code == 403
    assert client.post(_url(world, f"/draft/items/{item.id}/move"),
                       data={"rank": 3, "justification": "x"}).status_code == 403
    assert client.post(_url(world, "/publish"), data={}).status_code == 403
    assert client.post(_url(world, f"/draft/items/{item.id}/group"),
                       data={"proposal_ids": [world.proposals[1].id]}).status_code == 403
    assert client.post(_url(world, f"/draft/items/{item.id}"),
                       data={"title_ar": "x", "communes": [world.communes[0].id]}).status_code == 403
    assert client.post(_url(world, f"/draft/items/{item.id}/indicators"),
                       data={"name_ar": "x"}).status_code == 403
    assert client.post(_url(world, f"/items/{item.id}/progress"),
                       data={"reported_on": "2026-03-01", "progress": 50,
                             "status": "done"}).status_code == 403
    assert item.rank == 1 and item.progress == 0 and len(item.proposals) == 1
    assert item.title_i18n["ar"] == "Clinic in A" and not item.indicators
    assert db.session.scalar(select(func.count(RoadmapVersion.id))) == 0


def test_organiser_creates_draft_moves_groups_and_publishes(client, world):
    login(client, world.organiser)
    response = client.post(_url(world, "/draft?lang=fr"), data={"run_id": world.run.id})
    assert response.status_code == 302
    roadmap = roadmap_of(world.consultation)
    assert len(roadmap.items) == 4
    page = client.get(_url(world, "/draft?lang=fr"))
    assert page.status_code == 200 and "Road in B" in page.get_data(as_text=True)
    road, clinic = _item(roadmap, world.proposals[3]), _item(roadmap, world.proposals[0])
    assert client.post(_url(world, f"/draft/items/{road.id}/move?lang=fr"),
                       data={"rank": 1, "justification": ""}).status_code == 422
    assert road.rank == 3
    assert client.post(_url(world, f"/draft/items/{road.id}/move?lang=fr"),
                       data={"rank": 1, "justification": "Urgent access"}).status_code == 302
    assert road.rank == 1 and road.override_justification == "Urgent access"
    assert client.post(_url(world, f"/draft/items/{clinic.id}/group?lang=fr"),
                       data={"proposal_ids": [world.proposals[1].id]}).status_code == 302
    assert len(roadmap.items) == 3 and len(clinic.proposals) == 2
    assert client.get(_url(world, "/publish?lang=fr")).status_code == 200
    assert client.post(_url(world, "/publish?lang=fr"), data={}).status_code == 302
    assert roadmap.published.number == 1
    response = client.post(_url(world, "/publish?lang=fr"), data={"changelog_fr": ""})
    assert response.status_code == 422 and len(roadmap.versions) == 1
    assert client.post(_url(world, "/publish?lang=fr"),
                       data={"changelog_fr": "Corrections"}).status_code == 302
    assert roadmap.published.number == 2


def _edit_data(world, item, **overrides):
    data = {"title_ar": "مستوصف", "title_fr": "Dispensaire", "title_en": "", "axis_id":
            item.axis_id, "communes": [c.id for c in world.communes], "lead_body": "commune",
            "starts_on": "2026-01-01", "ends_on": "2026-12-31", "geometry": ""}
    data.update(overrides)
    return data


def test_edit_item_saves_and_validates_geometry(client, world):
    roadmap = services.draft_from_run(world.consultation, world.run, world.organiser)
    item = roadmap.items[0]
    login(client, world.organiser)
    url = _url(world, f"/draft/items/{item.id}?lang=fr")
    assert client.get(url).status_code == 200
    inside = '{"type":"Point","coordinates":[-7.95,31.6]}'
    assert client.post(url, data=_edit_data(world, item, geometry=inside)).status_code == 302
    assert item.title_i18n["fr"] == "Dispensaire" and '"Point"' in item.geometry
    assert len(item.communes) == 2
    for bad in ('{"type":"Point","coordinates":[2.35,48.85]}', "{not json",
                '{"type":"GeometryCollection","geometries":[]}'):
        response = client.post(url, data=_edit_data(world, item, geometry=bad, title_fr="Autre"))
        assert response.status_code == 422
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    response = client.post(url, data=_edit_data(world, item, title_ar="", ends_on="2025-01-01"))
    assert response.status_code == 422
    db.session.expire_all()
    item = db.session.get(RoadmapItem, item.id)
    assert item.title_i18n["fr"] == "Dispensaire" and '"Point"' in item.geometry


def test_progress_form_posts_updates_and_refuses_bad_input(client, world):
    roadmap = _published(world)
    item = roadmap.items[0]
    services.add_indicator(item, world.organiser, {"fr": "Bénéficiaires"}, baseline=0, target=10)
    login(client, world.organiser)
    url = _url(world, f"/items/{item.id}/progress?lang=fr")
    assert client.get(url).status_code == 200
    indicator = item.indicators[0]
    response = client.post(url, data={"reported_on": "2026-03-01", "progress": "150",
                                      "status": "in_progress"})
    assert response.status_code == 422
    response = client.post(url, data={"reported_on": "2026-03-01", "progress": "20",
                                      "status": "in_progress",
                                      "photo": (io.BytesIO(b"not an image"), "x.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(ProgressUpdate.id))) == 0
    response = client.post(url, data={"reported_on": "2026-03-01", "progress": "20",
                                      "status": "in_progress", "spent_mad": "100",
                                      f"indicator_{indicator.id}": "4", "note_fr": "Début"})
    assert response.status_code == 302
    assert (item.progress, item.status, item.spent_mad, indicator.current) == (
        20, "in_progress", 100, 4)
    html = client.get(_url(world, f"/items/{item.id}?lang=fr")).get_data(as_text=True)
    assert "Début" in html and "roadmap-timeline" in html


def test_move_with_htmx_returns_the_items_fragment(client, world):
    roadmap = services.draft_from_run(world.consultation, world.run, world.organiser)
    road = _item(roadmap, world.proposals[3])
    login(client, world.organiser)
    url = _url(world, f"/draft/items/{road.id}/move?lang=fr")
    hx = {"HX-Request": "true"}
    response = client.post(url, data={"rank": 1, "justification": "  "}, headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.startswith('<div id="draft-items">')
    assert f'id="move-error-{road.id}"' in html and road.rank == 3
    response = client.post(url, data={"rank": 1, "justification": "Access first"}, headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "Access first" in html
    assert road.rank == 1


def test_explanation_fragment_shows_item_and_justification(app, world):
    from flask import render_template

    roadmap = services.draft_from_run(world.consultation, world.run, world.organiser)
    road = _item(roadmap, world.proposals[3])
    services.move_item(road, 1, world.organiser, "Access to the clinics first.")
    context = {"proposal": world.proposals[3], "consultation": world.consultation}
    with app.test_request_context("/?lang=fr"):
        assert "In the roadmap" not in render_template(
            "roadmaps/_explanation_override.html", **context)
        services.publish(roadmap, world.organiser, {})
        html = render_template("roadmaps/_explanation_override.html", **context)
    assert "Access to the clinics first." in html and f"/roadmap/items/{road.id}" in html


def test_create_draft_refuses_an_unknown_run(client, world, factory):
    other_run_consultation = factory.consultation("evaluation")
    from tests.roadmaps.conftest import fabricated_run

    foreign = fabricated_run(other_run_consultation, {"employment": []})
    login(client, world.organiser)
    for run_id in (foreign.id, 999999, "abc"):
        response = client.post(_url(world, "/draft?lang=fr"), data={"run_id": run_id})
        assert response.status_code == 422
    assert roadmap_of(world.consultation) is None


def test_progress_photo_is_an_attachment_shown_on_the_timeline(client, world, app):
    from tests.media.helpers import jpeg_bytes

    roadmap = _published(world)
    item = roadmap.items[0]
    login(client, world.organiser)
    url = _url(world, f"/items/{item.id}/progress?lang=fr")
    form = {"reported_on": "2026-03-01", "progress": "10", "status": "in_progress"}
    response = client.post(url, data={**form, "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="photo_alt-error"' in response.get_data(as_text=True)
    response = client.post(url, data={**form, "photo": (io.BytesIO(jpeg_bytes()), "a.jpg"),
                                      "photo_alt": "Le mur <b>neuf</b>"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    [photo] = item.updates[0].photos
    page = client.get(_url(world, f"/items/{item.id}")).get_data(as_text=True)
    assert f"/media/{photo.token}/thumb" in page and f"/media/{photo.token}/screen" in page
    assert 'alt="Le mur &lt;b&gt;neuf&lt;/b&gt;"' in page
    assert client.get(f"/media/{photo.token}/screen").mimetype == "image/webp"


def test_progress_photos_of_older_versions_are_still_served(client, world, app):
    from roadmap.media.storage import upload_root

    roadmap = _published(world)
    item = roadmap.items[0]
    update = services.post_progress(item, world.organiser, date(2026, 3, 1), 10, "in_progress")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    name = "0123456789abcdef0123456789abcdef.png"
    upload_root().mkdir(parents=True, exist_ok=True)
    (upload_root() / name).write_bytes(png)
    update.photo_path = name
    db.session.commit()
    try:
        photo = client.get(_url(world, f"/photos/{name}"))
        assert photo.status_code == 200 and photo.data == png
        assert client.get(_url(world, "/photos/..%2Fsecret.png")).status_code == 404
    finally:
        (upload_root() / name).unlink()
