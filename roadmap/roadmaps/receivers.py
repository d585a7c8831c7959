"""What roadmaps answers when the consultations domain asks something.

Connected when this module is imported (by :mod:`roadmap.roadmaps.views`).
"""
from __future__ import annotations

from sqlalchemy import func, select

from roadmap.consultations.signals import axis_uses
from roadmap.extensions import db
from roadmap.roadmaps.models import RoadmapItem


@axis_uses.connect
def roadmap_items_on_axis(sender, axis=None, **_extra) -> tuple[str, int]:
    """How many roadmap items (of any version) are filed under ``axis``."""
    if axis is None or axis.id is None:
        return "roadmap_items", 0
    return "roadmap_items", db.session.scalar(select(func.count(RoadmapItem.id))
                                             .where(RoadmapItem.axis_id == axis.id)) or 0
