"""The demo roadmap: drafted from the demo consolidation run, two proposals grouped into one
item, version 1 published with a change log, and a few progress updates, all marked as demo.

Called by the demo loader after the consolidation run exists; running it again changes nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.consultations.phases import today
from roadmap.extensions import db
from roadmap.roadmaps import services
from roadmap.roadmaps.queries import roadmap_of

DEMO_ORGANISER = "organiser@demo.roadmap.test"
CHANGELOG = {"ar": "النسخة الأولى من خارطة الطريق (تجريبي).",
             "fr": "Première version de la feuille de route (démo).",
             "en": "First version of the roadmap (demo)."}
UPDATES = [  # (days ago, progress, status, share of the cost spent, note)
    (40, 10, "in_progress", 0.05, {"ar": "انطلاق الأشغال (تجريبي)",
                                   "fr": "Début des travaux (démo)",
                                   "en": "Works started (demo)"}),
    (10, 35, "in_progress", 0.3, {"ar": "تقدم الأشغال حسب البرنامج (تجريبي)",
                                  "fr": "Les travaux avancent comme prévu (démo)",
                                  "en": "Works on schedule (demo)"}),
]


def publish_demo_roadmap(consultation, run):
    """Draft, group, publish v1 and post progress for the demo; returns the roadmap."""
    roadmap = roadmap_of(consultation)
    if roadmap is not None and roadmap.versions:
        return roadmap
    by = db.session.scalar(select(User).where(User.email == DEMO_ORGANISER))
    roadmap = services.draft_from_run(consultation, run, by)
    for item in roadmap.items:
        item.is_demo = True
    _group_two(roadmap, by)
    services.publish(roadmap, by, CHANGELOG)
    _post_updates(roadmap, by)
    return roadmap


def _group_two(roadmap, by) -> None:
    """Group the second item of the first axis with two or more items into its first item."""
    for _axis, items in _by_axis(roadmap):
        if len(items) >= 2:
            first, second = items[0], items[1]
            services.group_proposals(roadmap, first, [p.id for p in second.proposals], by)
            return


def _by_axis(roadmap) -> list[list]:
    groups: dict = {}
    for item in sorted(roadmap.items, key=lambda i: (i.axis_id or 0, i.rank)):
        groups.setdefault(item.axis_id, []).append(item)
    return list(groups.items())


def _post_updates(roadmap, by) -> None:
    """Two dated updates on the first item of each axis."""
    for _axis, items in _by_axis(roadmap):
        item = items[0]
        for days, progress, status, spent_share, note in UPDATES:
            spent = int((item.estimated_cost_mad or 0) * spent_share) or None
            services.post_progress(item, by, today() - timedelta(days=days), progress, status,
                                   spent=spent, note_i18n=note, is_demo=True)
