"""Fixtures of the territory tests: the bundled communes, sources written to tmp_path, counts."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.territory.models import Commune, CommuneIndicator, Prefecture


def row_counts() -> dict[str, int]:
    """How many prefectures, communes and indicators the database holds."""
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Prefecture, Commune, CommuneIndicator)}


def commune(code: str) -> Commune | None:
    """The commune with this code, read from the database."""
    return db.session.scalar(select(Commune).where(Commune.code == code))


@pytest.fixture
def imported(app):
    """The bundled communes of the Prefecture of Marrakech, imported (flushed)."""
    from roadmap.territory.services import import_bundled_communes

    return import_bundled_communes()


@pytest.fixture
def communes_frame(marrakech_geojson):
    """The bundled communes as a GeoDataFrame, to write variants of the source from."""
    import geopandas

    return geopandas.read_file(marrakech_geojson)
