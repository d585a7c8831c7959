"""Recordings made for the tests with PyAV: a sine tone in the containers phones and browsers
write (WebM/Opus as MediaRecorder, Ogg/Opus, WAV, MP4/AAC as iPhones), with tags to strip."""
from __future__ import annotations

import io

import av
import numpy as np

TAGS = {"title": "Secret title", "artist": "Someone's name", "comment": "GPS 31.63 -7.99"}


class _Unseekable(io.RawIOBase):
    """A file PyAV cannot seek in: the muxer writes no duration (as a live MediaRecorder)."""

    def __init__(self):
        super().__init__()
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        return len(data)


def tone(seconds: float = 2.0, container: str = "webm", codec: str = "libopus", *,
         rate: int = 48_000, tags: dict | None = None, seekable: bool = True,
         frequency: float = 440.0) -> bytes:
    """``seconds`` of a sine tone encoded with ``codec`` in ``container``."""
    target = io.BytesIO() if seekable else _Unseekable()
    with av.open(target, "w", format=container) as output:
        output.metadata.update(tags or {})
        stream = output.add_stream(codec, rate=rate, layout="mono")
        total, done = int(seconds * rate), 0
        chunk = rate // 10
        while done < total:
            count = min(chunk, total - done)
            times = np.arange(done, done + count) / rate
            samples = (0.3 * np.sin(2 * np.pi * frequency * times)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt",
                                               layout="mono")
            frame.sample_rate, frame.pts = rate, done
            output.mux(stream.encode(frame))
            done += count
        output.mux(stream.encode(None))
    return target.getvalue() if seekable else bytes(target.buffer)


def ten_minutes() -> bytes:
    """A 10-minute recording, small and quick to make: Opus at 8 kHz in Ogg (about 5 MB)."""
    return tone(600, "ogg", "libopus", rate=8_000)
