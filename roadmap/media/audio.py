"""Voice notes read by their content with PyAV (FFmpeg) and re-encoded to AAC in MP4.

:func:`probe_voice` is what the upload runs at once (a refusal is shown to the uploader with
the form): the file must open with one of the demuxers of :data:`DEMUXERS` (a phone's recorder
or a browser's MediaRecorder write WebM/Opus, Ogg, MP4/M4A/3GP, AMR, WAV, MP3 or AAC), hold an
audio stream, and decode to at least some sound, no longer than the limit. The duration is
*measured* by decoding: a container may declare none (MediaRecorder's WebM) or lie.

:func:`encode_voice` is what the task queue runs: the same decoding, resampled to mono, encoded
to AAC-LC at a modest bitrate in an MP4 (``.m4a``, ``audio/mp4``) that every phone plays, iOS
included, with its index first (playback starts before the download ends) and no metadata: no
tag of the upload is copied and the muxer writes no encoder string (``bitexact``).

Both are pure functions of the bytes (no database, no request); they raise
:class:`~roadmap.media.checks.UploadRefused` with a message in the uploader's language.
"""
from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass

import av
from flask_babel import format_decimal
from flask_babel import gettext as _

from roadmap.media.checks import UploadRefused

# FFmpeg demuxers allowed to read an upload (never a playlist, a concat list or an image).
DEMUXERS = ("matroska", "webm", "ogg", "mov", "mp4", "m4a", "3gp", "wav", "mp3", "aac",
            "amr", "flac")
SAMPLE_RATE = 32_000  # Hz: plenty for a voice
BITRATE = 40_000  # bits per second: 3 minutes are about 900 KB
CONTENT_TYPE = "audio/mp4"
EXTENSION = "m4a"
# Shorter than this is no recording (a tap on record and stop).
MIN_SECONDS = 0.2


@dataclass(frozen=True)
class VoiceProbe:
    """What a voice note holds: its measured duration and the codec it came in."""

    duration: float
    codec: str


@dataclass(frozen=True)
class EncodedVoice:
    """A re-encoded voice note: the bytes of the ``.m4a`` file and its duration."""

    data: bytes
    duration: float


def _not_audio() -> UploadRefused:
    return UploadRefused(_("This file is not a sound recording. Record your voice note again, "
                           "or choose the file your phone's recorder made."))


def duration_label(seconds: float | None) -> str:
    """A duration as the reader says it: ``3 min``, ``1 min 5 s``, ``42 s``."""
    minutes, seconds = divmod(int(round(seconds or 0)), 60)
    if not minutes:
        return _("%(seconds)s s", seconds=format_decimal(seconds))
    if not seconds:
        return _("%(minutes)s min", minutes=format_decimal(minutes))
    return _("%(minutes)s min %(seconds)s s", minutes=format_decimal(minutes),
             seconds=format_decimal(seconds))


def _too_long(max_seconds: float) -> UploadRefused:
    return UploadRefused(_("This recording is too long: a voice note lasts %(limit)s at most.",
                           limit=duration_label(max_seconds)))


def _empty() -> UploadRefused:
    return UploadRefused(_("This recording holds no sound. Record your voice note again."))


def _open(data: bytes):
    """The demuxer of ``data`` among :data:`DEMUXERS`, and its first audio stream."""
    if not data:
        raise _empty()
    try:
        container = av.open(io.BytesIO(data), mode="r",
                            options={"format_whitelist": ",".join(DEMUXERS)})
    except (av.FFmpegError, ValueError, OSError, UnicodeDecodeError):
        raise _not_audio() from None
    if not container.streams.audio:
        container.close()
        raise _not_audio()
    return container, container.streams.audio[0]


def _declared_seconds(container, stream) -> float | None:
    """The duration the container declares (not trusted to be short: only to refuse early)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _frames(container, stream, max_seconds: float):
    """Decode ``stream`` frame by frame, counting the seconds of sound; refuses beyond
    ``max_seconds`` (measured, whatever the container says) and undecodable data."""
    declared = _declared_seconds(container, stream)
    if declared is not None and declared > max_seconds + 1:
        raise _too_long(max_seconds)
    seconds = 0.0
    try:
        for frame in container.decode(stream):
            if not frame.samples or not frame.sample_rate:
                continue
            seconds += frame.samples / frame.sample_rate
            if seconds > max_seconds + 0.5:  # a recorder stopped at the limit runs a bit over
                raise _too_long(max_seconds)
            yield frame, seconds
    except (av.FFmpegError, ValueError, OSError):
        raise _not_audio() from None


def probe_voice(data: bytes, max_seconds: float) -> VoiceProbe:
    """Check that ``data`` is a playable recording of at most ``max_seconds``; raises
    :class:`UploadRefused` (not audio, no sound, too long)."""
    container, stream = _open(data)
    try:
        codec = stream.codec_context.name
        seconds = 0.0
        for _frame, seconds in _frames(container, stream, max_seconds):
            pass
    finally:
        container.close()
    if seconds < MIN_SECONDS:
        raise _empty()
    return VoiceProbe(duration=round(seconds, 2), codec=codec)


def encode_voice(data: bytes, max_seconds: float) -> EncodedVoice:
    """Re-encode ``data`` (checked again as :func:`probe_voice` does) to mono AAC in MP4 with
    no metadata; raises :class:`UploadRefused`."""
    container, stream = _open(data)
    folder = tempfile.mkdtemp(prefix="roadmap-voice-")
    path = os.path.join(folder, f"voice.{EXTENSION}")
    seconds = 0.0
    try:
        # A real file: the MP4 muxer rewrites it to put its index first (faststart).
        output = av.open(path, mode="w", format="mp4",
                         options={"movflags": "+faststart", "fflags": "+bitexact"})
        try:
            encoder = output.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
            encoder.bit_rate = BITRATE
            encoder.codec_context.flags |= av.codec.context.Flags.bitexact
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=SAMPLE_RATE,
                                          frame_size=encoder.codec_context.frame_size or 1024)
            for frame, seconds in _frames(container, stream, max_seconds):
                frame.pts = None
                for piece in resampler.resample(frame):
                    output.mux(encoder.encode(piece))
            for piece in resampler.resample(None):
                output.mux(encoder.encode(piece))
            output.mux(encoder.encode(None))
        finally:
            output.close()
        if seconds < MIN_SECONDS:
            raise _empty()
        with open(path, "rb") as file:
            encoded = file.read()
    finally:
        container.close()
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)
    return EncodedVoice(data=encoded, duration=round(seconds, 2))
