"""Photos: decoded by Pillow from their content, re-encoded without metadata.

A photo is accepted when Pillow reads it as JPEG, PNG, WebP or HEIF/HEIC (phones), with at
most :data:`MAX_PIXELS` pixels (a decompression bomb is refused before it is decoded), and
decodes whole (a truncated file is refused). The orientation its EXIF data gives is applied,
then two WebP files are made, the screen size and the thumbnail; neither carries EXIF, XMP,
ICC or any other metadata. The position the photo carries (EXIF GPS) is read and returned, for
the form to offer, never written anywhere else.
"""
from __future__ import annotations

import io
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from roadmap.media.checks import UploadRefused

try:  # HEIC photos from phones (pillow-heif registers its opener with Pillow)
    from pillow_heif import register_heif_opener
    register_heif_opener()
    FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    FORMATS = ("JPEG", "PNG", "WEBP")

MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; bombs claim far more
SCREEN_SIDE, THUMB_SIDE = 1600, 480
THUMB_MAX_BYTES = 30 * 1024
_GPS_IFD = 0x8825
_STRICT = threading.Lock()


@contextmanager
def _strict_decoding():
    """Refuse truncated files while decoding, whatever the process says: WeasyPrint (the PDF
    exports) sets Pillow's global ``LOAD_TRUNCATED_IMAGES`` on import, which would let a photo
    cut short by a dropped connection through, grey at the bottom."""
    with _STRICT:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


@dataclass
class Photo:
    """A photo made safe: its two WebP files and what the form needs to know of it."""

    screen: bytes
    thumb: bytes
    width: int  # of the screen file
    height: int
    position: tuple[float, float] | None  # (latitude, longitude) from its EXIF, if any


def process_photo(data: bytes) -> Photo:
    """Check and re-encode a photo's bytes; raises :class:`UploadRefused`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise UploadRefused(_("This image is too large in pixels (50 megapixels at "
                                      "most)."))
            position = _position(image)
            with _strict_decoding():
                image.load()
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(_("This image is too large in pixels (50 megapixels at most)."))
    except UnidentifiedImageError:
        raise UploadRefused(_("This file is not a photo: choose a JPEG, PNG, WebP or HEIC "
                              "image."))
    except (OSError, SyntaxError, ValueError, EOFError):
        raise UploadRefused(_("This photo is damaged or incomplete: it could not be read. "
                              "Try sending it again."))
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    screen = _fit(image, SCREEN_SIDE)
    return Photo(screen=_webp(screen, 80), thumb=_thumbnail(image),
                 width=screen.width, height=screen.height, position=position)


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P"
                                                  and "transparency" in image.info)


def _fit(image, side: int):
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def _webp(image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, method=4)  # no exif=, icc_profile=, xmp=: none
    return out.getvalue()


def _thumbnail(image) -> bytes:
    """The card's thumbnail, under :data:`THUMB_MAX_BYTES` (smaller, then plainer, if need be)."""
    side = THUMB_SIDE
    while True:
        small = _fit(image, side)
        for quality in (70, 55, 40):
            data = _webp(small, quality)
            if len(data) <= THUMB_MAX_BYTES:
                return data
        side = int(side * 0.75)


def _position(image) -> tuple[float, float] | None:
    """The (latitude, longitude) of the photo's EXIF GPS tags, or ``None``."""
    try:
        gps = image.getexif().get_ifd(_GPS_IFD)
        latitude = _degrees(gps[2], gps.get(1, "N"), "S")
        longitude = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None
    return latitude, longitude


def _degrees(value, reference, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "replace")
    return -result if str(reference).strip().upper() == negative else result
