"""The benchmark data's published roadmap (``bench/generate.py``), which the PDF export needs."""
from __future__ import annotations

from sqlalchemy import func, select


def test_bench_data_gets_one_published_synthetic_roadmap(tmp_path):
    from bench import generate
    from roadmap.extensions import db
    from roadmap.ranking.models import ConsolidationRun
    from roadmap.roadmaps.models import RoadmapItem, RoadmapVersion

    from roadmap.ops.backup import snapshot_folder

    app = generate.prepare(f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    with app.app_context():
        folder = snapshot_folder()
    before = sorted(folder.glob("*")) if folder.exists() else []
    messages = []
    written = generate.generate(app, "tiny", 1, echo=messages.append)
    assert written["roadmap_version"] == 1
    assert generate.publish_bench_roadmap(app, echo=messages.append) is None  # once only
    with app.app_context():
        assert db.session.scalar(select(func.count(RoadmapVersion.id))) == 1
        assert db.session.scalar(select(func.count(ConsolidationRun.id))) == 1
        items = list(db.session.scalars(select(RoadmapItem)))
        assert items and all(item.is_demo for item in items)
        db.engine.dispose()
    assert (sorted(folder.glob("*")) if folder.exists() else []) == before  # no snapshot taken
