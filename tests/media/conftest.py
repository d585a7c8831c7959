"""Recordings shared by the media tests (made once per run)."""
from __future__ import annotations

import pytest

from tests.media import sounds


@pytest.fixture(scope="session")
def webm_voice() -> bytes:
    """Two seconds of tone as Chromium's MediaRecorder writes it (WebM/Opus), with tags."""
    return sounds.tone(2, "webm", "libopus", tags=sounds.TAGS)


@pytest.fixture(scope="session")
def ten_minute_voice() -> bytes:
    return sounds.ten_minutes()


@pytest.fixture
def upload_folder(app, tmp_path):
    """A fresh ``ROADMAP_UPLOAD_PATH`` for the test; yields the folder of the media files."""
    previous = app.config.get("ROADMAP_UPLOAD_PATH")
    app.config["ROADMAP_UPLOAD_PATH"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads" / "media"
    app.config["ROADMAP_UPLOAD_PATH"] = previous
