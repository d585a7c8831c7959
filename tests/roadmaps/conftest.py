"""Fixtures of the roadmaps tests: a consultation with proposals and a fabricated run."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from roadmap.extensions import db


@dataclass
class World:
    """A consultation in its evaluation phase, two communes, four proposals and a run."""

    consultation: object
    communes: list
    proposals: list
    run: object
    organiser: object
    participant: object


def fabricated_run(consultation, selected: dict[str, list[int]], costs=None):
    """A ConsolidationRun whose canonical output holds the ISSUE5.md keys H2 reads."""
    from roadmap.ranking.models import ConsolidationRun

    proposals = {}
    for axis, ids in selected.items():
        for rank, pid in enumerate(ids, start=1):
            proposals[str(pid)] = {"id": pid, "axis": axis, "eligible": True, "selected": True,
                                   "axis_rank": rank, "priority": 90 - rank,
                                   "entered_through": "commune_share"}
    output = {"method_version": "roadmap-consolidation/1", "inputs_hash": "0" * 64,
              "seed": "roadmap", "parameters": {},
              "axes": {axis: {"slots": len(ids), "allocation": {}, "selected": ids}
                       for axis, ids in selected.items()},
              "proposals": proposals, "budget": None, "shares": {}}
    run = ConsolidationRun(consultation_id=consultation.id, method_version="roadmap-consolidation/1",
                           parameters={}, seed="roadmap", inputs_hash="0" * 64,
                           output=json.dumps(output, sort_keys=True, separators=(",", ":")))
    db.session.add(run)
    db.session.flush()
    return run


@pytest.fixture
def world(factory):
    """The consultation, communes A (pop 30k) and B (pop 10k), proposals and a run."""
    consultation = factory.consultation("evaluation")
    a = factory.commune(lon=-8.0, lat=31.6, population=30_000)
    b = factory.commune(lon=-7.9, lat=31.6, population=10_000)
    author = factory.user(display_name="Amina Author")
    water = consultation.axes[2]
    p1 = factory.proposal(consultation, a, author, title="Clinic in A", estimated_cost_mad=1000)
    p2 = factory.proposal(consultation, b, author, title="Clinic in B", estimated_cost_mad=3000)
    p3 = factory.proposal(consultation, a, author, title="Wells for A", estimated_cost_mad=500)
    p3.axis = water
    p4 = factory.proposal(consultation, b, author, title="Road in B")
    run = fabricated_run(consultation, {"employment": [p1.id, p2.id, p4.id], "water": [p3.id]})
    return World(consultation, [a, b], [p1, p2, p3, p4], run, factory.user("organiser"),
                 factory.user("participant"))
