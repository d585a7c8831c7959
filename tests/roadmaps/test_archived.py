"""An archived consultation is read-only for participation, but its roadmap is still tracked."""
from __future__ import annotations

from roadmap.extensions import db
from roadmap.roadmaps import services
from tests.conftest import login


def test_the_roadmap_progress_of_an_archived_consultation_stays_editable(client, world):
    roadmap = services.draft_from_run(world.consultation, world.run, world.organiser)
    services.publish(roadmap, world.organiser, {})
    world.consultation.status = "archived"
    db.session.commit()
    item = roadmap.items[0]
    login(client, world.organiser)
    url = f"/c/{world.consultation.slug}/roadmap/items/{item.id}/progress?lang=fr"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"reported_on": "2026-03-01", "progress": "35",
                                      "status": "in_progress"})
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.progress == 35
    page = client.get(f"/c/{world.consultation.slug}/roadmap").get_data(as_text=True)
    assert 'data-lifecycle="archived"' in page
