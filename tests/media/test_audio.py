"""Voice notes read by content and re-encoded (pure functions, no database)."""
from __future__ import annotations

import io

import av
import pytest

from roadmap.media.audio import CONTENT_TYPE, EXTENSION, encode_voice, probe_voice
from roadmap.media.checks import UploadRefused
from tests.media import sounds

MAX = 180


@pytest.fixture(autouse=True)
def _english(app):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize("container, codec", [
    ("webm", "libopus"), ("ogg", "libopus"), ("wav", "pcm_s16le"), ("mp4", "aac")])
def test_the_recordings_phones_and_browsers_make_are_accepted_and_measured(container, codec):
    probe = probe_voice(sounds.tone(1.5, container, codec), MAX)
    assert probe.duration == pytest.approx(1.5, abs=0.05)


def test_the_duration_is_measured_when_the_container_declares_none():
    data = sounds.tone(1.0, "webm", "libopus", seekable=False)
    assert av.open(io.BytesIO(data)).duration is None  # as a live MediaRecorder's WebM
    assert probe_voice(data, MAX).duration == pytest.approx(1.0, abs=0.05)


def test_a_recording_without_declared_duration_is_refused_once_decoding_passes_the_limit():
    data = sounds.tone(8, "webm", "libopus", rate=8_000, seekable=False)
    with pytest.raises(UploadRefused, match="too long"):
        probe_voice(data, 5)


def test_the_re_encoded_note_is_mono_aac_in_mp4_with_no_metadata(webm_voice):
    assert "Secret title" in str(av.open(io.BytesIO(webm_voice)).metadata)  # tags were there
    encoded = encode_voice(webm_voice, MAX)
    assert (CONTENT_TYPE, EXTENSION) == ("audio/mp4", "m4a")
    assert encoded.duration == pytest.approx(2.0, abs=0.05)
    with av.open(io.BytesIO(encoded.data)) as container:
        assert "mp4" in container.format.name
        (stream,) = container.streams
        assert stream.type == "audio" and stream.codec_context.name == "aac"
        assert stream.codec_context.layout.nb_channels == 1
        assert stream.bit_rate < 64_000
        # Only what the MP4 muxer itself writes: brands, the track's handler and language.
        assert set(container.metadata) <= {"major_brand", "minor_version", "compatible_brands"}
        assert set(stream.metadata) <= {"language", "handler_name", "vendor_id"}
        assert float(container.duration / av.time_base) == pytest.approx(2.0, abs=0.1)
    for secret in (b"Secret", b"Someone", b"GPS", b"Lavf", b"Lavc"):
        assert secret not in encoded.data
    assert encoded.data[4:8] == b"ftyp" and encoded.data.index(b"moov") < encoded.data.index(
        b"mdat")  # the index first: playback starts before the download ends


def test_text_renamed_as_a_recording_is_refused():
    with pytest.raises(UploadRefused, match="not a sound recording"):
        probe_voice(b"Bonjour, ceci n'est pas un enregistrement.\n" * 40, MAX)


def test_an_empty_file_is_refused():
    with pytest.raises(UploadRefused, match="no sound"):
        probe_voice(b"", MAX)


def test_a_ten_minute_recording_is_refused(ten_minute_voice):
    with pytest.raises(UploadRefused, match="too long: a voice note lasts 3 min at most"):
        probe_voice(ten_minute_voice, MAX)
    with pytest.raises(UploadRefused, match="too long"):
        encode_voice(ten_minute_voice, MAX)


def test_a_truncated_recording_is_refused_or_measured_short(webm_voice):
    try:
        probe = probe_voice(webm_voice[:200], MAX)
    except UploadRefused:
        return
    assert probe.duration < 2


def test_a_picture_is_not_a_recording():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buffer, "PNG")
    with pytest.raises(UploadRefused, match="not a sound recording"):
        probe_voice(buffer.getvalue(), MAX)


def test_only_the_listed_demuxers_read_an_upload():
    playlist = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n"
    with pytest.raises(UploadRefused, match="not a sound recording"):
        probe_voice(playlist, MAX)
