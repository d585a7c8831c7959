"""Files for the attachments' tests, made here: photos by Pillow, PDFs by pypdf."""
from __future__ import annotations

import io
from fractions import Fraction

from PIL import Image
from werkzeug.datastructures import FileStorage

_ORIENTATION = 0x0112
_GPS_IFD = 0x8825


def _rational(value: float) -> tuple:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (Fraction(degrees), Fraction(minutes), Fraction(seconds).limit_denominator(10000))


def jpeg_bytes(width: int = 640, height: int = 480, exif_orientation: int | None = None,
               gps: tuple[float, float] | None = None, color=(200, 80, 40)) -> bytes:
    """A JPEG of ``width`` x ``height`` pixels with, if asked, an EXIF orientation and a GPS
    position ``(latitude, longitude)`` (and always a camera model, to see that it goes)."""
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 16):  # some content, so that the encoders have work to do
        image.putpixel((x, (x * 7) % height), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0110] = "Test camera"  # Model
    if exif_orientation is not None:
        exif[_ORIENTATION] = exif_orientation
    if gps is not None:
        latitude, longitude = gps
        exif.get_ifd(_GPS_IFD).update({
            1: "N" if latitude >= 0 else "S", 2: _rational(abs(latitude)),
            3: "E" if longitude >= 0 else "W", 4: _rational(abs(longitude))})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png_bytes(width: int = 320, height: int = 240) -> bytes:
    """A plain PNG."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    """A plain PDF of ``pages`` blank A4 pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(data: bytes, filename: str = "photo.jpg", content_type: str = "image/jpeg"
           ) -> FileStorage:
    """``data`` as a form's uploaded file, for services tested without HTTP."""
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def attach_photo(subject_column: str, subject_id: int, by, alt_text: str = "A photo of the site",
                 **jpeg):
    """A photo uploaded by ``by`` through the shared store and attached to one subject."""
    from roadmap.media.services import attach, stage_photo

    photo = stage_photo(upload(jpeg_bytes(**jpeg)), by, alt_text)
    attach([photo], subject_column, subject_id)
    return photo


def attach_document(subject_column: str, subject_id: int, by, name: str = "study.pdf"):
    """A PDF uploaded by ``by`` and attached to one subject."""
    from roadmap.media.services import attach, stage_document

    document = stage_document(upload(pdf_bytes(), name, "application/pdf"), by)
    attach([document], subject_column, subject_id)
    return document
