"""Consultations and their strategic axes; organiser-written texts are stored per language."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.i18n import localized
from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db


class Consultation(db.Model):
    """A participatory consultation of a prefecture, ending in a roadmap."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    prefecture_id: Mapped[int] = mapped_column(ForeignKey("prefecture.id"), index=True)
    title_i18n: Mapped[dict] = mapped_column(JSON)
    description_i18n: Mapped[dict] = mapped_column(JSON, default=dict)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prefecture = relationship("Prefecture")
    axes: Mapped[list[StrategicAxis]] = relationship(
        back_populates="consultation", order_by="StrategicAxis.position",
        cascade="all, delete-orphan")

    @property
    def title(self) -> str:
        """The title in the reader's language, with fallback."""
        return localized(self.title_i18n)

    @property
    def description(self) -> str:
        """The description in the reader's language, with fallback."""
        return localized(self.description_i18n)


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

    consultation: Mapped[Consultation] = relationship(back_populates="axes")

    @property
    def title(self) -> str:
        """The axis name in the reader's language, with fallback."""
        return localized(self.title_i18n)

    @property
    def description(self) -> str:
        """The axis description in the reader's language, with fallback."""
        return localized(self.description_i18n)
