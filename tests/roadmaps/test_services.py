"""Services of the roadmaps domain, through the real database."""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from roadmap.extensions import db
from roadmap.audit.models import AuditEntry
from roadmap.participation.models import Follow, Notification
from roadmap.roadmaps import services
from roadmap.roadmaps.queries import commune_shares, progress_by_axis, progress_by_commune
from roadmap.roadmaps.services import RoadmapError

BBOX = (-8.1, 31.5, -7.8, 31.7)


def _draft(world):
    return services.draft_from_run(world.consultation, world.run, world.organiser)


def _actions():
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_draft_from_run_makes_ranked_items_with_lineage_and_explanation(world):
    roadmap = _draft(world)
    assert roadmap.run_id == world.run.id
    employment = [i for i in roadmap.items if i.axis.code == "employment"]
    assert [(i.rank, i.proposals[0].id) for i in sorted(employment, key=lambda i: i.rank)] == [
        (1, world.proposals[0].id), (2, world.proposals[1].id), (3, world.proposals[3].id)]
    first = min(employment, key=lambda i: i.rank)
    assert first.title_i18n == {"ar": "Clinic in A", "fr": "Clinic in A", "en": "Clinic in A"}
    assert first.communes == [world.communes[0]]
    assert first.estimated_cost_mad == 1000
    assert first.explanation["axis_rank"] == 1
    assert "roadmap.draft" in _actions()


def test_draft_again_replaces_the_items(world):
    roadmap = _draft(world)
    roadmap = _draft(world)
    assert len(roadmap.items) == 4


def test_group_moves_proposals_and_removes_empty_items(world):
    roadmap = _draft(world)
    first = next(i for i in roadmap.items if i.proposals[0] == world.proposals[0])
    services.group_proposals(roadmap, first, [world.proposals[1].id], world.organiser)
    assert [p.id for p in first.proposals] == [world.proposals[0].id, world.proposals[1].id]
    assert set(first.communes) == set(world.communes)
    assert first.estimated_cost_mad == 4000
    employment = sorted((i for i in roadmap.items if i.axis.code == "employment"),
                        key=lambda i: i.rank)
    assert [i.rank for i in employment] == [1, 2]
    assert len(roadmap.items) == 3
    assert "roadmap.item.group" in _actions()


def test_group_refuses_foreign_proposals(world, factory):
    roadmap = _draft(world)
    other = factory.consultation("evaluation")
    foreign = factory.proposal(other, world.communes[0])
    with pytest.raises(RoadmapError):
        services.group_proposals(roadmap, roadmap.items[0], [foreign.id], world.organiser)


def test_move_requires_a_justification_and_renumbers(world):
    roadmap = _draft(world)
    third = next(i for i in roadmap.items if i.proposals[0] == world.proposals[3])
    with pytest.raises(RoadmapError):
        services.move_item(third, 1, world.organiser, "  ")
    assert third.rank == 3 and third.override_justification is None
    services.move_item(third, 1, world.organiser, "The road serves the clinic.")
    employment = sorted((i for i in roadmap.items if i.axis.code == "employment"),
                        key=lambda i: i.rank)
    assert [i.proposals[0].id for i in employment] == [
        world.proposals[3].id, world.proposals[0].id, world.proposals[1].id]
    assert third.override_justification == "The road serves the clinic."
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roadmap.item.override"))
    assert entry.reason == "The road serves the clinic."
    with pytest.raises(RoadmapError):
        services.move_item(third, 9, world.organiser, "Out of range")


def test_parse_area_accepts_shapes_inside_and_refuses_the_rest():
    point = services.parse_area('{"type":"Point","coordinates":[-8.0,31.6]}', BBOX)
    assert json.loads(point) == {"type": "Point", "coordinates": [-8.0, 31.6]}
    feature = ('{"type":"Feature","properties":{},"geometry":{"type":"LineString",'
               '"coordinates":[[-8.0,31.6],[-7.9,31.6]]}}')
    assert json.loads(services.parse_area(feature, BBOX))["type"] == "LineString"
    assert services.parse_area("  ", BBOX) is None
    for bad in ("not json", '{"type":"Circle","coordinates":[0,0]}',
                '{"type":"Point","coordinates":[2.35,48.85]}',
                '{"type":"Polygon","coordinates":[[[-8,31.6],[-7.9,31.6],[-8,31.6]]]}'):
        with pytest.raises(RoadmapError):
            services.parse_area(bad, BBOX)


def test_edit_item_changes_fields_and_checks_dates(world):
    roadmap = _draft(world)
    item = roadmap.items[0]
    services.edit_item(item, world.organiser, title_i18n={"ar": "مستوصف", "fr": "Dispensaire"},
                       lead_body="prefecture", starts_on=date(2026, 1, 1),
                       ends_on=date(2026, 12, 31), communes=world.communes)
    assert item.title_i18n["fr"] == "Dispensaire" and item.lead_body == "prefecture"
    assert len(item.communes) == 2
    with pytest.raises(RoadmapError):
        services.edit_item(item, world.organiser, starts_on=date(2027, 1, 1),
                           ends_on=date(2026, 1, 1))
    with pytest.raises(RoadmapError):
        services.edit_item(item, world.organiser, lead_body="king")
    assert "roadmap.item.edit" in _actions()


def test_publish_v1_then_v2_needs_a_changelog_and_keeps_v1(world):
    roadmap = _draft(world)
    v1 = services.publish(roadmap, world.organiser, {})
    assert v1.number == 1 and len(v1.snapshot["items"]) == 4
    frozen = json.dumps(v1.snapshot, sort_keys=True)
    item = roadmap.items[0]
    services.edit_item(item, world.organiser, title_i18n={"fr": "Changed title"})
    with pytest.raises(RoadmapError):
        services.publish(roadmap, world.organiser, {"fr": "  "})
    assert len(roadmap.versions) == 1
    v2 = services.publish(roadmap, world.organiser, {"fr": "Titre corrigé"})
    assert v2.number == 2 and roadmap.published is v2
    db.session.expire_all()
    assert json.dumps(db.session.get(type(v1), v1.id).snapshot, sort_keys=True) == frozen
    titles = [e["title_i18n"] for e in v2.snapshot["items"] if e["id"] == item.id]
    assert titles == [{"fr": "Changed title"}]
    assert _actions().count("roadmap.publish") == 2


def test_publish_notifies_each_follower_once(world, factory):
    follower = factory.user()
    both = factory.user()
    db.session.add_all([Follow(user_id=follower.id, proposal_id=world.proposals[0].id),
                        Follow(user_id=both.id, proposal_id=world.proposals[0].id),
                        Follow(user_id=both.id, proposal_id=world.proposals[1].id)])
    db.session.flush()
    roadmap = _draft(world)
    services.publish(roadmap, world.organiser, {})
    rows = list(db.session.scalars(select(Notification).where(Notification.kind == "roadmap")))
    assert sorted(n.user_id for n in rows) == sorted([follower.id, both.id])
    assert rows[0].payload["version"] == 1
    services.edit_item(roadmap.items[0], world.organiser, partners="Ministry")
    services.publish(roadmap, world.organiser, {"fr": "Partenaires"})
    assert db.session.scalar(select(func.count(Notification.id))) == 2  # nothing new entered


def test_progress_updates_the_item_and_rolls_up(world):
    roadmap = _draft(world)
    services.publish(roadmap, world.organiser, {})
    items = {i.proposals[0].id: i for i in roadmap.items}
    clinic_a, clinic_b = items[world.proposals[0].id], items[world.proposals[1].id]
    indicator = services.add_indicator(clinic_a, world.organiser, {"fr": "Consultations"},
                                       unit="/mois", baseline=0, target=500)
    services.post_progress(clinic_a, world.organiser, date(2026, 3, 1), 40, "in_progress",
                           spent=400, indicator_values={indicator.id: 120},
                           note_i18n={"fr": "Gros œuvre"})
    services.post_progress(clinic_a, world.organiser, date(2026, 2, 1), 10, "in_progress")
    assert (clinic_a.progress, clinic_a.status, clinic_a.spent_mad) == (40, "in_progress", 400)
    assert indicator.current == 120 and len(clinic_a.updates) == 2
    services.post_progress(clinic_b, world.organiser, date(2026, 3, 1), 80, "in_progress")
    employment = next(r for r in progress_by_axis(roadmap) if r["axis"].code == "employment")
    # the road has no cost: simple mean of 40, 80 and 0
    assert employment["method"] == "simple" and employment["progress"] == 40.0
    water = next(r for r in progress_by_axis(roadmap) if r["axis"].code == "water")
    assert (water["items"], water["progress"], water["method"]) == (1, 0.0, "cost_weighted")
    by_commune = {r["commune"].code: r for r in progress_by_commune(roadmap)}
    assert by_commune[world.communes[0].code]["progress"] == pytest.approx(40 * 1000 / 1500, 0.01)
    assert by_commune[world.communes[0].code]["method"] == "cost_weighted"
    with pytest.raises(RoadmapError):
        services.post_progress(clinic_a, world.organiser, date(2026, 4, 1), 140, "done")
    with pytest.raises(RoadmapError):
        services.post_progress(clinic_a, world.organiser, date(2026, 4, 1), 50, "finished")


def test_photo_goes_to_the_shared_store_re_encoded_without_exif(world, app):
    from PIL import Image

    from roadmap.media import storage
    from tests.media.helpers import jpeg_bytes, upload

    roadmap = _draft(world)
    item = roadmap.items[0]
    original = jpeg_bytes(800, 600, exif_orientation=6, gps=(31.63, -7.99))
    update = services.post_progress(item, world.organiser, date(2026, 3, 1), 5, "in_progress",
                                    photo=upload(original, "site.jpg"),
                                    photo_alt="The new wall of the clinic")
    assert update.photo_path is None
    [photo] = update.photos
    assert photo.progress_update_id == update.id and photo.alt_text == "The new wall of the clinic"
    assert photo.offered_latitude is None and photo.uploaded_by_id == world.organiser.id
    for variant in ("screen", "thumb"):
        path = storage.path_for(photo.token, variant, "webp")
        data = path.read_bytes()
        assert "site" not in path.name and data != original
        image = Image.open(io.BytesIO(data))
        assert image.format == "WEBP" and not image.getexif() and "exif" not in image.info
    screen = Image.open(storage.path_for(photo.token, "screen", "webp"))
    assert (screen.width, screen.height) == (600, 800)  # turned upright by its orientation
    with pytest.raises(RoadmapError) as refused:  # no description
        services.post_progress(item, world.organiser, date(2026, 3, 2), 5, "in_progress",
                               photo=upload(jpeg_bytes(), "x.jpg"))
    assert refused.value.field == "photo_alt"
    with pytest.raises(RoadmapError) as refused:  # not a photo
        services.post_progress(item, world.organiser, date(2026, 3, 2), 5, "in_progress",
                               photo=FileStorage(io.BytesIO(b"GIF89a...."), filename="x.gif"),
                               photo_alt="A photo")
    assert refused.value.field == "photo"


def test_draft_replacement_refused_once_tracking_started(world):
    roadmap = _draft(world)
    services.post_progress(roadmap.items[0], world.organiser, date(2026, 3, 1), 5, "in_progress")
    with pytest.raises(RoadmapError):
        _draft(world)


def test_commune_shares_from_the_snapshot(world):
    roadmap = _draft(world)
    first = next(i for i in roadmap.items if i.proposals[0] == world.proposals[0])
    services.group_proposals(roadmap, first, [world.proposals[1].id], world.organiser)
    version = services.publish(roadmap, world.organiser, {})
    shares = {s["commune"].code: s for s in commune_shares(world.consultation, version)}
    a, b = (shares[c.code] for c in world.communes)
    assert a["population_share"] == pytest.approx(0.75)
    # items: grouped clinic (half each), wells (A), road (B) -> A 1.5/3, B 1.5/3
    assert a["items_share"] == pytest.approx(0.5) and b["items_share"] == pytest.approx(0.5)
    # budget: clinic 4000 split, wells 500 in A -> A 2500/4500
    assert a["budget_share"] == pytest.approx(2500 / 4500)


def test_progress_photos_of_older_versions_are_adopted_by_the_shared_store(world, app, runner):
    from PIL import Image

    from roadmap.media import storage
    from tests.media.helpers import jpeg_bytes

    roadmap = _draft(world)
    item = roadmap.items[0]
    kept = services.post_progress(item, world.organiser, date(2026, 3, 1), 5, "in_progress")
    lost = services.post_progress(item, world.organiser, date(2026, 3, 2), 6, "in_progress")
    storage.upload_root().mkdir(parents=True, exist_ok=True)
    old = storage.upload_root() / ("a" * 32 + ".jpg")
    old.write_bytes(jpeg_bytes(gps=(31.6, -8.0)))
    kept.photo_path, lost.photo_path = old.name, "b" * 32 + ".png"  # the second file is gone
    db.session.commit()
    result = runner.invoke(args=["media", "adopt-progress-photos"])
    assert result.exit_code == 0, result.output
    assert "moved into the shared store: 1" in result.output and "b" * 32 in result.output
    db.session.expire_all()
    [photo] = kept.photos
    assert kept.photo_path is None and not old.exists() and lost.photo_path == "b" * 32 + ".png"
    assert photo.alt_text and photo.language == "ar" and photo.offered_latitude is None
    screen = Image.open(storage.path_for(photo.token, "screen", "webp"))
    assert screen.format == "WEBP" and not screen.getexif()
