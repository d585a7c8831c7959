"""Files as phones, scanners and attackers send them, made in the tests (nothing invented is
presented as real: these are synthetic pictures and documents)."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def _rational(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
    return (float(degrees), float(minutes), seconds)


def phone_jpeg(width: int = 1200, height: int = 900, *, orientation: int | None = 6,
               gps: tuple[float, float] | None = None, maker: str = "SyntheticPhone") -> bytes:
    """A JPEG as a phone writes it: landscape pixels with an EXIF orientation tag (6: turn it
    upright by 90 degrees), a camera maker and, optionally, the GPS position of the shot."""
    image = Image.new("RGB", (width, height), (190, 120, 60))
    for x in range(0, width, 40):  # some detail, so that sizes are realistic
        for y in range(0, height, 3):
            image.putpixel((x, y), (20, 60, 140))
    exif = Image.Exif()
    exif[0x010F] = maker
    if orientation:
        exif[0x0112] = orientation
    if gps:
        latitude, longitude = gps
        exif[0x8825] = {1: "N" if latitude >= 0 else "S", 2: _rational(abs(latitude)),
                        3: "E" if longitude >= 0 else "W", 4: _rational(abs(longitude))}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=88)
    return out.getvalue()


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 140, 90)).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    """A plain PDF of blank pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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
