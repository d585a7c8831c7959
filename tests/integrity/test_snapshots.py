"""A snapshot is written before each consolidation and publication; the last N are kept."""
from __future__ import annotations

from pathlib import Path

from roadmap.extensions import db
from roadmap.ops import backup as backups
from roadmap.ranking import scoring
from roadmap.ranking.services import run_consolidation
from roadmap.roadmaps.models import Roadmap, RoadmapItem
from roadmap.roadmaps.services import publish
from tests.integrity.conftest import seed_voting


def _snapshots(app) -> list[Path]:
    return sorted((Path(app.instance_path) / "snapshots").glob("*"))


def test_no_snapshot_in_tests_unless_configured(committed_app, rows):
    consultation, *_ = seed_voting(rows)
    run_consolidation(consultation, None, scoring.Parameters())
    db.session.rollback()
    assert _snapshots(committed_app) == []


def test_consolidation_writes_a_snapshot_and_old_ones_are_pruned(committed_app, rows):
    committed_app.config.update(ROADMAP_SNAPSHOTS=1, ROADMAP_SNAPSHOTS_KEEP=2)
    consultation, *_ = seed_voting(rows)
    db.session.commit()
    before = backups.table_checksums()
    for _ in range(3):
        run_consolidation(consultation, None, scoring.Parameters())
    db.session.rollback()
    found = _snapshots(committed_app)
    assert len(found) == 2
    assert all(p.name.endswith("-consolidation" + backups.SUFFIXES[backups.dialect()])
               for p in found)
    run_consolidation(consultation, None, scoring.Parameters(), dry_run=True)
    assert len(_snapshots(committed_app)) == 2  # a dry run changes nothing: no snapshot

    backups.restore(found[-1])  # the snapshot holds the state before the run
    assert backups.table_checksums() == before


def test_publication_writes_a_snapshot(committed_app, rows):
    consultation, *_ = seed_voting(rows)
    roadmap = Roadmap(consultation=consultation)
    roadmap.items.append(RoadmapItem(rank=1, axis=consultation.axes[0],
                                     title_i18n={"en": "A shaded bus stop"}))
    db.session.add(roadmap)
    db.session.commit()
    committed_app.config.update(ROADMAP_SNAPSHOTS=1)
    publish(roadmap, None, None)
    db.session.rollback()
    assert [p.name.split("-", 1)[1] for p in _snapshots(committed_app)] == [
        "publication" + backups.SUFFIXES[backups.dialect()]]
