"""Consultations and their strategic axes; organiser-written texts are stored per language."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Integer, String,
                        Table, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.i18n import Localized
from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db


# A consultation's lifecycle: a draft is seen by organisers and admins only; a published one by
# everyone; an archived one stays public and read-only (its roadmap tracking stays editable).
STATUSES = ("draft", "published", "archived")
# The least a participant must be to propose, support or comment (roadmap.verification):
# a confirmed email, verified by any method, or a verified resident of the commune concerned.
REQUIREMENTS = ("confirmed", "verified", "resident")
REQUIREMENT_ACTIONS = ("propose", "support", "comment")
# Below this women's share of participants (percent) a commune is flagged to the organisers
# on the monitoring page and the dashboard (Consultation.women_share_threshold).
DEFAULT_WOMEN_SHARE_THRESHOLD = 35
# The licences an organiser may choose for the contributions' open data (proposals, supports,
# comments, the roadmap): SPDX identifier -> (name, URI). The communes' boundaries stay ODbL
# (OpenStreetMap-derived) and the census figures HCP's, whatever is chosen here.
DATA_LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International",
                  "http://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0 International",
                     "http://creativecommons.org/licenses/by-sa/4.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License 1.0",
                 "http://opendatacommons.org/licenses/odbl/1-0/"),
    "CC0-1.0": ("Creative Commons Zero 1.0 Universal (public domain)",
                "http://creativecommons.org/publicdomain/zero/1.0/"),
}
DEFAULT_DATA_LICENCE = "CC-BY-4.0"

consultation_commune = Table(
    "consultation_commune", db.metadata,
    Column("consultation_id", ForeignKey("consultation.id", ondelete="CASCADE"),
           primary_key=True),
    Column("commune_id", ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)


class Consultation(db.Model):
    """A participatory consultation of a prefecture, ending in a roadmap.

    ``communes`` are the communes of the prefecture that take part; none listed means all.
    """

    __tablename__ = "consultation"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
        *(CheckConstraint(f"{action}_requirement IN ('confirmed', 'verified', 'resident')",
                          name=f"{action}_requirement") for action in REQUIREMENT_ACTIONS),
        CheckConstraint("women_share_threshold BETWEEN 0 AND 100", name="women_share_threshold"),
        CheckConstraint("data_licence IN ('CC-BY-4.0', 'CC-BY-SA-4.0', 'ODbL-1.0', 'CC0-1.0')",
                        name="data_licence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    prefecture_id: Mapped[int] = mapped_column(ForeignKey("prefecture.id"), index=True)
    title_i18n: Mapped[dict] = mapped_column(JSON)
    description_i18n: Mapped[dict] = mapped_column(JSON, default=dict)
    # Participation rules the organiser sets (issue: citizens' journey).
    vote_limit: Mapped[int | None] = mapped_column(Integer)  # supports per user; None: unlimited
    votes_home_commune_only: Mapped[bool] = mapped_column(Boolean, default=False)
    voting_during_proposals: Mapped[bool] = mapped_column(Boolean, default=False)
    # Moderation settings (issue: officials' moderation).
    premoderation: Mapped[bool] = mapped_column(Boolean, default=False)
    report_threshold: Mapped[int] = mapped_column(Integer, default=3)
    # Who may take part (issue: one person, one voice): one of REQUIREMENTS per action.
    propose_requirement: Mapped[str] = mapped_column(String(12), default="confirmed",
                                                     server_default="confirmed")
    support_requirement: Mapped[str] = mapped_column(String(12), default="confirmed",
                                                     server_default="confirmed")
    comment_requirement: Mapped[str] = mapped_column(String(12), default="confirmed",
                                                     server_default="confirmed")
    # Gender monitoring: communes where women are under this share (percent) are flagged.
    women_share_threshold: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_WOMEN_SHARE_THRESHOLD,
        server_default=str(DEFAULT_WOMEN_SHARE_THRESHOLD))
    # The licence of the contributions' open data (one of DATA_LICENCES).
    data_licence: Mapped[str] = mapped_column(String(20), default=DEFAULT_DATA_LICENCE,
                                              server_default=DEFAULT_DATA_LICENCE)
    status: Mapped[str] = mapped_column(String(12), default="draft", server_default="published")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prefecture = relationship("Prefecture")
    communes = relationship("Commune", secondary=consultation_commune,
                            order_by="Commune.name_fr")
    axes: Mapped[list[StrategicAxis]] = relationship(
        back_populates="consultation", order_by="StrategicAxis.position",
        cascade="all, delete-orphan")
    phases: Mapped[list[ConsultationPhase]] = relationship(
        back_populates="consultation", order_by="ConsultationPhase.starts_on",
        cascade="all, delete-orphan")

    title = Localized()

    description = Localized()

    def requirement(self, action: str) -> str:
        """The requirement (one of REQUIREMENTS) for ``action`` (propose, support, comment)."""
        return getattr(self, f"{action}_requirement") or "confirmed"

    @property
    def is_draft(self) -> bool:
        """True while only organisers and admins may see the consultation."""
        return self.status == "draft"

    @property
    def is_archived(self) -> bool:
        """True once the consultation is closed: public and read-only."""
        return self.status == "archived"


class StrategicAxis(db.Model):
    """A strategic intervention axis of a consultation (e.g. water management)."""

    __tablename__ = "strategic_axis"
    __table_args__ = (UniqueConstraint("consultation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title_i18n: Mapped[dict] = mapped_column(JSON)
    description_i18n: Mapped[dict] = mapped_column(JSON, default=dict)
    color: Mapped[str | None] = mapped_column(String(7))  # "#rrggbb" on the maps; None: palette

    consultation: Mapped[Consultation] = relationship(back_populates="axes")

    title = Localized()

    description = Localized()


# The phases of a consultation, in their order.
PHASES = ("diagnosis", "proposals", "voting", "evaluation", "roadmap", "implementation")


class ConsultationPhase(db.Model):
    """A dated phase of a consultation; dates are inclusive days in Morocco's time zone."""

    __tablename__ = "consultation_phase"
    __table_args__ = (
        UniqueConstraint("consultation_id", "kind"),
        CheckConstraint("kind IN ('diagnosis', 'proposals', 'voting', 'evaluation', 'roadmap', "
                        "'implementation')", name="kind"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    consultation: Mapped[Consultation] = relationship(back_populates="phases")


workshop_commune = Table(
    "workshop_commune", db.metadata,
    Column("workshop_id", ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)


class Workshop(db.Model):
    """An in-person consultation meeting held by the prefecture, with its attendance and minutes.

    ``attendance_by_stakeholder`` maps a stakeholder type to a head count and
    ``attendance_by_gender`` maps ``woman``, ``man`` and ``not_recorded`` to head counts.
    """

    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[str] = mapped_column(Text, default="")
    attendance_by_stakeholder: Mapped[dict] = mapped_column(JSON, default=dict)
    attendance_by_gender: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    communes = relationship("Commune", secondary=workshop_commune, order_by="Commune.name_fr")

    @property
    def attendance_total(self) -> int:
        """Everyone who attended, from the gender counts (or the stakeholder counts)."""
        counts = self.attendance_by_gender or self.attendance_by_stakeholder or {}
        return sum(int(v or 0) for v in counts.values())
