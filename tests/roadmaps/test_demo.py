"""The demo roadmap, built from a fabricated consolidation run."""
from __future__ import annotations

from roadmap.roadmaps.demo import publish_demo_roadmap


def test_demo_roadmap_groups_publishes_and_tracks(world):
    roadmap = publish_demo_roadmap(world.consultation, world.run)
    assert [v.number for v in roadmap.versions] == [1]
    assert "(démo)" in roadmap.versions[0].changelog_i18n["fr"]
    grouped = [i for i in roadmap.items if len(i.proposals) == 2]
    assert len(grouped) == 1 and len(roadmap.items) == 3
    updates = [u for i in roadmap.items for u in i.updates]
    assert updates and all(u.is_demo and "(تجريبي)" in u.note_i18n["ar"] for u in updates)
    assert all(i.is_demo for i in roadmap.items)
    assert publish_demo_roadmap(world.consultation, world.run) is roadmap
    assert len(roadmap.versions) == 1 and len(updates) == sum(len(i.updates) for i in roadmap.items)
