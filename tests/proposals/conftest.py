"""Fixtures of the proposal tests: English requests, a consultation open for proposals,
real communes of Marrakech for the map tests, and a client that forgets per-request state."""
from __future__ import annotations

import pytest
from flask import g
from flask.testing import FlaskClient

from roadmap.extensions import db


@pytest.fixture(autouse=True)
def _english_request(request):
    """Tests on the ``app`` run inside an English request (services translate messages)."""
    if "app" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("app").test_request_context("/?lang=en"):
        yield


class FreshClient(FlaskClient):
    """A test client that forgets the user and locale cached on ``g`` before each request.

    The test's application context is shared by every request of a test, and Flask-Login and
    Flask-Babel cache the user and the locale on its ``g``; a real server starts afresh.
    """

    def open(self, *args, **kwargs):
        for key in ("_login_user", "_flask_babel"):
            g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    """A test client reading pages in English."""
    client = FreshClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def consultation(factory):
    """A consultation in its proposals phase."""
    return factory.consultation("proposals")


@pytest.fixture
def commune(factory):
    """A small square commune of the test prefecture."""
    return factory.commune(name_fr="Douar Test", population=15_000)


@pytest.fixture
def citizen(factory, commune):
    """A participant living in the commune."""
    return factory.user(home_commune=commune, display_name="Citizen")


@pytest.fixture
def marrakech(factory):
    """The 19 real communes of the Prefecture of Marrakech and a consultation on them."""
    from roadmap.territory.queries import commune_by_code
    from roadmap.territory.services import import_bundled_communes

    import_bundled_communes()
    medina = commune_by_code("marrakech-medina")
    consultation = factory.consultation("proposals")
    consultation.prefecture_id = medina.prefecture_id
    db.session.flush()
    return consultation


HX = {"HX-Request": "true"}
JEMAA_EL_FNA = (31.6258, -7.9891)   # in the arrondissement of Marrakech-Médina
CASABLANCA = (33.57, -7.59)        # outside the prefecture


def valid_fields(consultation, commune, **changes) -> dict:
    """Form data for a valid proposal."""
    data = {"title": "Build a school in the douar",
            "body": "The children walk six kilometres to the nearest school every day.",
            "commune_id": str(commune.id), "axis_id": str(consultation.axes[0].id)}
    data.update(changes)
    return data
