"""How long the server takes over what residents attach, and how big the results are.

    .venv/bin/python bench/media.py             # writes bench/results/<date>-media.md

Times (median of 5 runs, one process, wall clock) the checks and re-encodings of
:mod:`roadmap.media` on synthetic files made here: a 12-megapixel JPEG as hard to compress
as a photo (noise over a gradient) with EXIF orientation and GPS, the same as HEIC, a 40-page PDF, a 3-minute Opus voice note in WebM (as
MediaRecorder sends it). Also the peak memory of the process (``ru_maxrss``) and the sizes of
what is served. The load average is read before and after; a run that starts above 1.0 is
marked noisy.
"""
from __future__ import annotations

import io
import os
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 5


def _median_ms(action) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def _textured_jpeg() -> bytes:
    """A 4000 x 3000 JPEG with noise over a gradient (about as hard to compress as a photo of a
    stony track), EXIF orientation and GPS as a phone writes them."""
    from PIL import Image

    noise = Image.effect_noise((4000, 3000), 60).convert("RGB")
    gradient = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    picture = Image.blend(noise, gradient, 0.5)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 37.0, 33.0), 3: "W", 4: (7.0, 59.0, 21.0)})
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


def main() -> None:
    from pillow_heif import from_pillow
    from PIL import Image

    from roadmap import create_app
    from roadmap.media.audio import encode_voice, probe_voice
    from roadmap.media.documents import process_document
    from roadmap.media.images import process_photo
    from tests.media.helpers import pdf_bytes
    from tests.media.sounds import tone

    load_before = os.getloadavg()[0]
    app = create_app({"TESTING": True})
    rows = []
    with app.test_request_context():
        jpeg = _textured_jpeg()
        ms, photo = _median_ms(lambda: process_photo(jpeg))
        rows.append(("12 MP phone JPEG -> WebP screen + thumbnail", len(jpeg), ms,
                     f"screen {len(photo.screen):,} B, thumbnail {len(photo.thumb):,} B"))
        heic_out = io.BytesIO()
        from_pillow(Image.open(io.BytesIO(jpeg))).save(heic_out, quality=80)
        heic = heic_out.getvalue()
        ms, photo = _median_ms(lambda: process_photo(heic))
        rows.append(("12 MP HEIC -> WebP screen + thumbnail", len(heic), ms,
                     f"screen {len(photo.screen):,} B, thumbnail {len(photo.thumb):,} B"))
        pdf = pdf_bytes(40)
        ms, _ = _median_ms(lambda: process_document(pdf))
        rows.append(("40-page PDF checked (pypdf)", len(pdf), ms, "kept as sent"))
        voice = tone(180.0)
        ms, _ = _median_ms(lambda: probe_voice(voice, 180))
        rows.append(("3-min WebM/Opus probed (decoded to measure)", len(voice), ms, ""))
        ms, encoded = _median_ms(lambda: encode_voice(voice, 180))
        size = len(encoded.data)
        rows.append(("3-min voice note re-encoded to AAC/MP4 (the job)", len(voice), ms,
                     f"{size:,} B served"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_after = os.getloadavg()[0]
    noisy = load_before > 1.0
    lines = [f"# Media processing, {date.today().isoformat()}", "",
             f"`bench/media.py`, {os.cpu_count()} cores, load average {load_before:.2f} before, "
             f"{load_after:.2f} after{' (NOISY: the load was above 1.0 at the start)' if noisy else ''}.",
             f"Median of {RUNS} runs each; peak memory of the process {peak_mb:.0f} MB.", "",
             "| what | input | median ms | result |", "|---|---:|---:|---|"]
    lines += [f"| {what} | {size:,} B | {ms:,.0f} | {result} |" for what, size, ms, result in rows]
    report = "\n".join(lines) + "\n"
    out = ROOT / "bench" / "results" / f"{date.today().isoformat()}-media.md"
    out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
