"""Territory models. Shapes are stored as GeoJSON text so SQLite and PostgreSQL behave alike."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Float, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.i18n import current_language
from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db


class Prefecture(db.Model):
    """A prefecture or province (HCP code such as ``07.351``)."""

    __tablename__ = "prefecture"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    communes: Mapped[list[Commune]] = relationship(back_populates="prefecture",
                                                   order_by="Commune.name_fr")

    @property
    def name(self) -> str:
        """The name in the reader's language (French stands in for English)."""
        return self.name_ar if current_language() == "ar" else self.name_fr


class Commune(db.Model):
    """A commune or arrondissement with its boundary (GeoJSON, EPSG:4326) and census figures."""

    __tablename__ = "commune"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture_id: Mapped[int] = mapped_column(ForeignKey("prefecture.id"), index=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    hcp_code: Mapped[str | None] = mapped_column(String(20), index=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(80))
    population_2014: Mapped[int | None] = mapped_column(Integer)
    population_2024: Mapped[int | None] = mapped_column(Integer)
    area_km2: Mapped[float] = mapped_column(Float)
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    prefecture: Mapped[Prefecture] = relationship(back_populates="communes")
    indicators: Mapped[list[CommuneIndicator]] = relationship(
        back_populates="commune", cascade="all, delete-orphan", order_by="CommuneIndicator.key")

    @property
    def name(self) -> str:
        """The name in the reader's language (French stands in for English)."""
        return self.name_ar if current_language() == "ar" else self.name_fr

    def __repr__(self) -> str:
        return f"<Commune {self.code}>"


class CommuneIndicator(db.Model):
    """One census indicator of a commune (HCP RGPH), e.g. ``unemployment_rate`` for 2024."""

    __tablename__ = "commune_indicator"
    __table_args__ = (UniqueConstraint("commune_id", "key", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(200))

    commune: Mapped[Commune] = relationship(back_populates="indicators")


class TerritoryUpload(db.Model):
    """A boundaries file an admin uploaded, kept until it is imported (at most a day).

    The bytes are in the database so that every app server and worker can read the upload:
    each keeps a copy in its own instance folder, made from this row when missing.
    """

    __tablename__ = "territory_upload"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
