"""Roadmap items' gender equality marker (OECD DAC), beneficiaries by sex, SDG goals and
targets and indicators measured by sex: the rules, the forms with their bad input, and the
markers travelling with the items (page, API, GeoJSON layer, exports)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from roadmap.audit.models import AuditEntry
from roadmap.extensions import db
from roadmap.roadmaps import services
from roadmap.roadmaps.models import RoadmapItem
from roadmap.roadmaps.services import RoadmapError
from tests.conftest import login


def _draft(world):
    return services.draft_from_run(world.consultation, world.run, world.organiser)


def _item(roadmap, proposal):
    return next(i for i in roadmap.items if proposal in i.proposals)


def _markers_url(world, item):
    return f"/c/{world.consultation.slug}/roadmap/draft/items/{item.id}/markers"


# --- the rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, field, words", [
    ({"gender_marker": 2}, "gender_justification", "justification"),
    ({"gender_marker": 1, "gender_justification": "  short "}, "gender_justification",
     "justification"),
    ({"gender_marker": 3}, "gender_marker", "0, 1 or 2"),
    ({"gender_marker": "2"}, "gender_marker", "0, 1 or 2"),
    ({"beneficiaries": {"women": -1}}, "beneficiaries_women", "0 or more"),
    ({"beneficiaries": {"girls": 2.5}}, "beneficiaries_girls", "0 or more"),
    # commune A has 30,000 inhabitants: 20,000 women and 10,001 men are too many
    ({"beneficiaries": {"women": 20_000, "men": 10_001}}, "beneficiaries_women", "exceed"),
    ({"sdg_targets": ["5.10"]}, "sdg_targets", "5.10"),
    ({"sdg_targets": ["18.1"]}, "sdg_targets", "18.1"),
    ({"sdg_goals": [18]}, "sdg_goals", "1 and 17"),
])
def test_bad_markers_are_refused_and_change_nothing(world, kwargs, field, words):
    roadmap = _draft(world)
    item = _item(roadmap, world.proposals[0])  # in commune A only
    with force_locale("en"), pytest.raises(RoadmapError) as refused:
        services.set_markers(item, world.organiser, **kwargs)
    assert refused.value.field == field and words in str(refused.value)
    db.session.expire_all()
    item = db.session.get(RoadmapItem, item.id)
    assert item.gender_marker is None and item.sdg_targets == []
    assert item.beneficiaries_women is None


def test_markers_are_stored_with_the_goals_of_their_targets_and_audited(world):
    roadmap = _draft(world)
    item = _item(roadmap, world.proposals[0])
    services.set_markers(item, world.organiser, gender_marker=2,
                         gender_justification="Literacy classes for the women of A.",
                         beneficiaries={"women": 300, "men": 100, "girls": 50, "boys": None},
                         sdg_goals=[3], sdg_targets=["6.b", "5.5", "4.1", "5.5"])
    assert item.gender_marker == 2
    assert item.sdg_targets == ["4.1", "5.5", "6.b"]  # official order, once each
    assert item.sdg_goals == [3, 4, 5, 6]
    assert (item.beneficiaries_women, item.beneficiaries_boys) == (300, None)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roadmap.item.markers"))
    assert entry is not None and entry.after["gender_marker"] == 2
    # the exact population is allowed, the marker 0 needs no justification
    services.set_markers(item, world.organiser, gender_marker=0,
                         beneficiaries={"women": 15_000, "men": 15_000})
    assert item.gender_marker == 0 and item.gender_justification is None


def test_an_item_over_two_communes_counts_both_populations(world):
    roadmap = _draft(world)
    item = _item(roadmap, world.proposals[0])
    services.group_proposals(roadmap, item, [world.proposals[1].id], world.organiser)  # + B
    services.set_markers(item, world.organiser, beneficiaries={"women": 39_000, "men": 1_000})
    assert item.beneficiaries_women == 39_000


def test_the_draft_takes_the_goals_of_its_proposals(world, factory):
    world.proposals[0].sdg_goals = [6, 3]
    roadmap = _draft(world)
    assert _item(roadmap, world.proposals[0]).sdg_goals == [3, 6]


def test_indicators_by_sex_and_their_progress(world):
    roadmap = _draft(world)
    item = _item(roadmap, world.proposals[0])
    indicator = services.add_indicator(item, world.organiser, {"ar": "متعلمات", "fr": "Apprenants"},
                                       unit="people", baseline=0, target=400, by_sex=True,
                                       baseline_by_sex={"women": 0, "men": 0},
                                       target_by_sex={"women": 300, "men": 100})
    services.post_progress(item, world.organiser, date(2026, 3, 1), 20, "in_progress",
                           indicator_values={indicator.id: 90},
                           values_by_sex={indicator.id: {"women": 70, "men": 20}})
    assert (indicator.current, indicator.current_women, indicator.current_men) == (90, 70, 20)
    # an older report does not overwrite the current values
    services.post_progress(item, world.organiser, date(2026, 2, 1), 10, "in_progress",
                           values_by_sex={indicator.id: {"women": 5}})
    assert indicator.current_women == 70
    late = next(u for u in item.updates if u.reported_on == date(2026, 2, 1))
    assert late.indicator_values_by_sex == {str(indicator.id): {"women": 5.0}}
    plain = services.add_indicator(item, world.organiser, {"ar": "كلم"}, baseline=0, target=3)
    with pytest.raises(RoadmapError):
        services.post_progress(item, world.organiser, date(2026, 4, 1), 30, "in_progress",
                               values_by_sex={plain.id: {"women": 1}})
    with pytest.raises(RoadmapError):
        services.add_indicator(item, world.organiser, {"ar": "كلم"},
                               target_by_sex={"women": 1})


# --- through the forms -------------------------------------------------------------------------

def _post_markers(client, world, item, **fields):
    data = {"gender_marker": "", "gender_justification": "", **fields}
    return client.post(_markers_url(world, item) + "?lang=en", data=data)


@pytest.mark.parametrize("fields, message", [
    ({"gender_marker": "2"}, "needs a justification"),
    ({"gender_marker": "7"}, "0, 1 or 2"),
    ({"beneficiaries_women": "-4"}, "Enter 0 or more."),
    ({"beneficiaries_men": "many"}, "Enter a whole number"),
    ({"beneficiaries_women": "25000", "beneficiaries_girls": "6000"}, "exceed the population"),
    ({"sdg_targets": ["5.5", "5.10"]}, "5.10 is not a target"),
])
def test_the_markers_form_refuses_bad_input(client, world, fields, message):
    roadmap = _draft(world)
    item = _item(roadmap, world.proposals[0])
    db.session.commit()
    login(client, world.organiser)
    response = _post_markers(client, world, item, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html or 'aria-describedby="sdg-targets-error"' in html
    db.session.expire_all()
    item = db.session.get(RoadmapItem, item.id)
    assert item.gender_marker is None and item.sdg_targets == [] and item.beneficiaries_women is None


def test_the_markers_form_saves_and_the_item_page_shows_them(client, world):
    roadmap = _draft(world)
    item = _item(roadmap, world.proposals[0])
    db.session.commit()
    login(client, world.organiser)
    response = _post_markers(client, world, item, gender_marker="2",
                             gender_justification="Literacy classes for the women of A.",
                             beneficiaries_women="300", beneficiaries_men="100",
                             beneficiaries_girls="", beneficiaries_boys="",
                             sdg_targets=["5.5", "6.1"], sdg_goals=["4"])
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(RoadmapItem, item.id)
    assert item.gender_marker == 2 and item.sdg_targets == ["5.5", "6.1"]
    assert item.sdg_goals == [4, 5, 6] and item.beneficiaries_women == 300
    # the form shows the saved values again
    edit = client.get(f"/c/{world.consultation.slug}/roadmap/draft/items/{item.id}?lang=en")
    checked = re.findall(r'<input checked[^>]*name="sdg_targets"[^>]*value="([^"]+)"',
                         edit.get_data(as_text=True))
    assert checked == ["5.5", "6.1"]
    services.publish(item.roadmap, world.organiser, {})
    db.session.commit()
    page = client.get(f"/c/{world.consultation.slug}/roadmap/items/{item.id}?lang=en")
    html = page.get_data(as_text=True)
    assert "2 · Principal" in html and "Literacy classes for the women of A." in html
    assert 'dir="ltr">5.5</span>' in html and 'dir="ltr">6.1</span>' in html
    assert "75%" in html  # women and girls: 300 of 400
    card = client.get(f"/c/{world.consultation.slug}/roadmap?lang=en").get_data(as_text=True)
    assert "2 · Principal" in card and 'dir="ltr" title="Ensure women' in card


def test_an_indicator_by_sex_through_the_forms(client, world):
    roadmap = _draft(world)
    item = _item(roadmap, world.proposals[0])
    db.session.commit()
    login(client, world.organiser)
    base = f"/c/{world.consultation.slug}/roadmap"
    response = client.post(f"{base}/draft/items/{item.id}/indicators", data={
        "name_ar": "متعلمات", "unit": "people", "baseline": "0", "target": "400",
        "by_sex": "y", "baseline_women": "0", "baseline_men": "0", "target_women": "300",
        "target_men": "100"})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(RoadmapItem, item.id)
    indicator = item.indicators[0]
    assert indicator.by_sex and indicator.target_women == 300
    response = client.post(f"{base}/items/{item.id}/progress?lang=en", data={
        "reported_on": "2026-03-01", "progress": "20", "status": "in_progress",
        f"indicator_{indicator.id}": "90", f"indicator_{indicator.id}_women": "seventy"})
    assert response.status_code == 422 and "Enter a number." in response.get_data(as_text=True)
    response = client.post(f"{base}/items/{item.id}/progress?lang=en", data={
        "reported_on": "2026-03-01", "progress": "20", "status": "in_progress",
        f"indicator_{indicator.id}": "90", f"indicator_{indicator.id}_women": "70",
        f"indicator_{indicator.id}_men": "20"})
    assert response.status_code == 302
    db.session.expire_all()
    indicator = db.session.get(RoadmapItem, item.id).indicators[0]
    assert (indicator.current_women, indicator.current_men) == (70, 20)


# --- the markers travel with the items ---------------------------------------------------------

def test_markers_in_the_api_the_geojson_layer_and_the_exports(client, world):
    from roadmap.exports.tables import build_table

    roadmap = _draft(world)
    item = _item(roadmap, world.proposals[0])
    services.set_markers(item, world.organiser, gender_marker=1,
                         gender_justification="Women's groups run the wells.",
                         beneficiaries={"women": 10, "men": 12}, sdg_targets=["6.1"])
    services.publish(roadmap, world.organiser, {})
    db.session.commit()
    api = client.get(f"/api/v1/roadmaps/{world.consultation.slug}").get_json()["data"]
    entry = next(e for e in api["items"] if e["id"] == item.id)
    assert entry["gender_marker"] == 1 and entry["sdg_targets"] == ["6.1"]
    assert entry["beneficiaries"] == {"women": 10, "men": 12, "girls": None, "boys": None}
    other = next(e for e in api["items"] if e["id"] != item.id)
    assert other["gender_marker"] is None and other["sdg_targets"] == []
    layer = client.get(f"/api/v1/roadmaps/{world.consultation.slug}.geojson")
    feature = next(f for f in layer.get_json()["features"] if f["id"] == item.id)
    assert feature["properties"]["gender_marker"] == 1
    assert feature["properties"]["beneficiaries_women"] == 10
    assert feature["properties"]["sdg_targets"] == ["6.1"]
    table = build_table(world.consultation, "roadmap", "public")
    row = dict(zip(table.headers, next(r for r in table.rows if r[0] == item.id)))
    assert row["gender_marker"] == 1 and row["beneficiaries_men"] == 12
    assert "6.1" in str(row["sdg_targets"])
