"""A live server with the demo consultation, and Playwright pointed at Debian's Chromium."""
from __future__ import annotations


import pytest
from flask_migrate import upgrade

from roadmap.demo import load_demo
from roadmap.extensions import db
from tests.conftest import make_test_app, serve


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app of :func:`live_server`, with the demo loaded (tests read its outbox: the mails
    a user would open)."""
    folder = tmp_path_factory.mktemp("live")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}", folder / "instance",
                        WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        upgrade()
        load_demo(echo=lambda *_: None)
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app with the demo loaded, served on 127.0.0.1 in a thread; yields its base URL."""
    with serve(live_app) as base:
        yield base
