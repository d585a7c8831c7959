"""What ranking does when the consultations domain signals something.

Connected when this module is imported (by :mod:`roadmap.ranking.views`). Receivers flush,
never commit: they run inside the transaction of the consultations service.
"""
from __future__ import annotations

from roadmap.consultations.signals import consultation_created
from roadmap.extensions import db
from roadmap.ranking.models import EvaluationCriterion
from roadmap.ranking.services import criteria_of, ensure_criteria


@consultation_created.connect
def give_criteria(sender, consultation=None, copied_from=None, **_extra) -> None:
    """A new consultation gets the criteria of the one it copies, else the default set."""
    if consultation is None or criteria_of(consultation):
        return
    source = criteria_of(copied_from) if copied_from is not None else []
    if not source:
        ensure_criteria(consultation)
        return
    for criterion in source:
        db.session.add(EvaluationCriterion(
            consultation_id=consultation.id, code=criterion.code, weight=criterion.weight,
            position=criterion.position, title_i18n=dict(criterion.title_i18n or {}),
            description_i18n=dict(criterion.description_i18n or {})))
    db.session.flush()
