"""Files as phones, scanners and attackers send them, made in the tests (nothing invented is
presented as real: these are synthetic pictures and documents)."""
from __future__ import annotations

import struct
import zlib

from tests.media.helpers import jpeg_bytes, pdf_bytes, png_bytes  # noqa: F401 - re-exported


def phone_jpeg(width: int = 1200, height: int = 900, *, orientation: int | None = 6,
               gps: tuple[float, float] | None = None) -> bytes:
    """A JPEG as a phone writes it: landscape pixels with an EXIF orientation tag (6: turn it
    upright by 90 degrees), a camera model and, optionally, the GPS position of the shot."""
    return jpeg_bytes(width, height, exif_orientation=orientation, gps=gps)


def truncated(data: bytes) -> bytes:
    """The first half of a file, as a connection that dropped sends it."""
    return data[: len(data) // 2]


def png_bomb(side: int = 60_000) -> bytes:
    """A tiny PNG whose header claims ``side`` x ``side`` pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


SVG_WITH_SCRIPT = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
