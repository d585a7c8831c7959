"""Evaluation by officials, eligibility decisions, and stored consolidation runs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.i18n import Localized
from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db

# The default criteria and their published weights (they add up to 100).
DEFAULT_CRITERIA = (("impact", 30), ("territorial_need", 25), ("feasibility", 20),
                    ("cost_efficiency", 15), ("sdg_gender", 10))
VERDICTS = ("eligible", "ineligible", "unfeasible")


class EvaluationCriterion(db.Model):
    """A criterion officials score proposals on, with its published weight."""

    __tablename__ = "evaluation_criterion"
    __table_args__ = (UniqueConstraint("consultation_id", "code"),
                      CheckConstraint("weight >= 0", name="weight"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title_i18n: Mapped[dict] = mapped_column(JSON)
    description_i18n: Mapped[dict] = mapped_column(JSON, default=dict)
    weight: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    title = Localized()


class EvaluatorAssignment(db.Model):
    """A proposal assigned to an evaluator (a moderator)."""

    __tablename__ = "evaluator_assignment"
    __table_args__ = (UniqueConstraint("proposal_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"),
                                             index=True)
    evaluator_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal = relationship("Proposal")
    evaluator = relationship("User", foreign_keys=[evaluator_id])


class Evaluation(db.Model):
    """One evaluator's score (1 to 5) of one proposal on one criterion, with a note."""

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("proposal_id", "evaluator_id", "criterion_id"),
                      CheckConstraint("score BETWEEN 1 AND 5", name="score"))

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"),
                                             index=True)
    evaluator_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_criterion.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    criterion = relationship("EvaluationCriterion")


class EligibilityDecision(db.Model):
    """A proposal declared eligible, ineligible or unfeasible; the reason is public."""

    __tablename__ = "eligibility_decision"
    __table_args__ = (
        CheckConstraint("verdict IN ('eligible', 'ineligible', 'unfeasible')", name="verdict"),
        CheckConstraint("verdict = 'eligible' OR length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"),
                                             unique=True)
    verdict: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsolidationRun(db.Model):
    """A stored run of the consolidation: inputs' hash, method version, parameters, seed, output.

    ``output`` is the canonical JSON text the pure functions produced; re-running on the same
    inputs gives the same bytes. ``gender_outcomes`` is what :mod:`roadmap.ranking.outcomes`
    found when the run was made (authors' genders at that moment); kept apart from ``output``
    so that neither the output's bytes nor the inputs' hash change. Runs made before it have None.
    """

    __tablename__ = "consolidation_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    label: Mapped[str | None] = mapped_column(String(200))
    method_version: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict] = mapped_column(JSON)
    seed: Mapped[str] = mapped_column(String(80))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    output: Mapped[str] = mapped_column(Text)
    gender_outcomes: Mapped[dict | None] = mapped_column(JSON)
