"""The roadmap of a consultation: items (live, edited by organisers), published versions
(immutable snapshots with a change log), indicators and dated progress updates.

The public sees the latest published version's items and every progress update posted since.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, CheckConstraint, Column, Date, Float, ForeignKey,
                        Integer, String, Table, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.i18n import Localized
from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db

ITEM_STATUSES = ("planned", "in_progress", "done", "delayed", "cancelled")
LEAD_BODIES = ("commune", "prefecture", "region", "ministry", "agency")
# The OECD DAC gender equality policy marker: 0 not targeted, 1 significant (an important
# and deliberate objective, not the main reason of the item), 2 principal (the main objective).
GENDER_MARKERS = (0, 1, 2)
# Estimated beneficiaries by sex and age: women and men (18 and over), girls and boys.
BENEFICIARY_GROUPS = ("women", "men", "girls", "boys")
SEXES = ("women", "men")

roadmap_item_commune = Table(
    "roadmap_item_commune", db.metadata,
    Column("item_id", ForeignKey("roadmap_item.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)
roadmap_item_proposal = Table(
    "roadmap_item_proposal", db.metadata,
    Column("item_id", ForeignKey("roadmap_item.id", ondelete="CASCADE"), primary_key=True),
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
)


class Roadmap(db.Model):
    """The roadmap of one consultation (its working draft and its published versions)."""

    __tablename__ = "roadmap"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), unique=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("consolidation_run.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation = relationship("Consultation")
    items: Mapped[list[RoadmapItem]] = relationship(
        back_populates="roadmap", order_by="RoadmapItem.rank", cascade="all, delete-orphan")
    versions: Mapped[list[RoadmapVersion]] = relationship(
        back_populates="roadmap", order_by="RoadmapVersion.number",
        cascade="all, delete-orphan")

    @property
    def published(self) -> RoadmapVersion | None:
        """The latest published version, or ``None`` while only a draft exists."""
        return self.versions[-1] if self.versions else None


class RoadmapItem(db.Model):
    """A priority project of the roadmap, from one or more proposals."""

    __tablename__ = "roadmap_item"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'in_progress', 'done', 'delayed', 'cancelled')",
                        name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint("gender_marker IS NULL OR gender_marker IN (0, 1, 2)",
                        name="gender_marker"),
        CheckConstraint("(beneficiaries_women IS NULL OR beneficiaries_women >= 0) AND "
                        "(beneficiaries_men IS NULL OR beneficiaries_men >= 0) AND "
                        "(beneficiaries_girls IS NULL OR beneficiaries_girls >= 0) AND "
                        "(beneficiaries_boys IS NULL OR beneficiaries_boys >= 0)",
                        name="beneficiaries"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmap.id", ondelete="CASCADE"),
                                            index=True)
    axis_id: Mapped[int | None] = mapped_column(ForeignKey("strategic_axis.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    title_i18n: Mapped[dict] = mapped_column(JSON)
    description_i18n: Mapped[dict] = mapped_column(JSON, default=dict)
    # Intervention area: GeoJSON geometry (Point, LineString, Polygon...) or none (the
    # communes' polygons stand for it).
    geometry: Mapped[str | None] = mapped_column(Text)
    estimated_cost_mad: Mapped[int | None] = mapped_column(BigInteger)
    funding_sources: Mapped[str | None] = mapped_column(Text)
    lead_body: Mapped[str | None] = mapped_column(String(20))
    lead_body_name: Mapped[str | None] = mapped_column(String(200))
    partners: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    spent_mad: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set when an organiser moved the item away from its computed place; shown publicly.
    override_justification: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    # Gender equality marker (GENDER_MARKERS; None: not yet assessed) and why (required for 1
    # and 2), estimated beneficiaries by sex (optional), the SDGs served: goals (1-17) and
    # targets ("5.5", "6.b": codes of roadmap.core.sdg); a target's goal is always among goals.
    gender_marker: Mapped[int | None] = mapped_column(Integer)
    gender_justification: Mapped[str | None] = mapped_column(Text)
    beneficiaries_women: Mapped[int | None] = mapped_column(Integer)
    beneficiaries_men: Mapped[int | None] = mapped_column(Integer)
    beneficiaries_girls: Mapped[int | None] = mapped_column(Integer)
    beneficiaries_boys: Mapped[int | None] = mapped_column(Integer)
    sdg_goals: Mapped[list] = mapped_column(JSON, default=list)
    sdg_targets: Mapped[list] = mapped_column(JSON, default=list)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    roadmap: Mapped[Roadmap] = relationship(back_populates="items")
    axis = relationship("StrategicAxis")
    communes = relationship("Commune", secondary=roadmap_item_commune,
                            order_by="Commune.name_fr")
    proposals = relationship("Proposal", secondary=roadmap_item_proposal,
                             order_by="Proposal.id")
    indicators: Mapped[list[ItemIndicator]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemIndicator.id")
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="item", cascade="all, delete-orphan",
        order_by="ProgressUpdate.reported_on")

    title = Localized()

    description = Localized()


class ItemIndicator(db.Model):
    """An indicator of a roadmap item: baseline, target and current value; an indicator
    ``by_sex`` also has them for women and men (``baseline_women``...), the total staying the
    figure for everyone."""

    __tablename__ = "item_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("roadmap_item.id", ondelete="CASCADE"),
                                         index=True)
    name_i18n: Mapped[dict] = mapped_column(JSON)
    unit: Mapped[str | None] = mapped_column(String(40))
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    current: Mapped[float | None] = mapped_column(Float)
    by_sex: Mapped[bool] = mapped_column(default=False)
    baseline_women: Mapped[float | None] = mapped_column(Float)
    baseline_men: Mapped[float | None] = mapped_column(Float)
    target_women: Mapped[float | None] = mapped_column(Float)
    target_men: Mapped[float | None] = mapped_column(Float)
    current_women: Mapped[float | None] = mapped_column(Float)
    current_men: Mapped[float | None] = mapped_column(Float)

    item: Mapped[RoadmapItem] = relationship(back_populates="indicators")

    name = Localized()


class RoadmapVersion(db.Model):
    """A published version: an immutable snapshot of the items and a public change log."""

    __tablename__ = "roadmap_version"
    __table_args__ = (UniqueConstraint("roadmap_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmap.id", ondelete="CASCADE"),
                                            index=True)
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    changelog_i18n: Mapped[dict] = mapped_column(JSON, default=dict)
    snapshot: Mapped[dict] = mapped_column(JSON)

    roadmap: Mapped[Roadmap] = relationship(back_populates="versions")

    changelog = Localized()


class ProgressUpdate(db.Model):
    """A dated progress report on a roadmap item."""

    __tablename__ = "progress_update"
    __table_args__ = (
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint("status IN ('planned', 'in_progress', 'done', 'delayed', 'cancelled')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("roadmap_item.id", ondelete="CASCADE"),
                                         index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    spent_mad: Mapped[int | None] = mapped_column(BigInteger)
    indicator_values: Mapped[dict] = mapped_column(JSON, default=dict)  # indicator id -> value
    # indicator id -> {"women": value, "men": value} for the indicators measured by sex
    indicator_values_by_sex: Mapped[dict] = mapped_column(JSON, default=dict)
    note_i18n: Mapped[dict] = mapped_column(JSON, default=dict)
    # A photo posted before photos became attachments (a name under ROADMAP_UPLOAD_PATH, served
    # by roadmaps.photo as it was sent); new photos are attachments (``photos``).
    photo_path: Mapped[str | None] = mapped_column(String(300))
    posted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[RoadmapItem] = relationship(back_populates="updates")
    # The photos shown on the timeline (attachments ready and not hidden), loaded for all the
    # updates of a page in one query.
    photos = relationship(
        "Attachment", viewonly=True, lazy="selectin",
        primaryjoin="and_(Attachment.progress_update_id == ProgressUpdate.id, "
                    "Attachment.kind == 'photo', Attachment.hidden_at.is_(None), "
                    "Attachment.state == 'ready')",
        foreign_keys="Attachment.progress_update_id",
        order_by="(Attachment.position, Attachment.id)")

    note = Localized()
