"""Documents: PDF files only, recognised by their header and parsed by pypdf.

A PDF that does not parse, has no page, is encrypted, or carries JavaScript, launch actions
or embedded files is refused. Accepted files are kept as sent (their text is the
association's study) and always served as a download (``Content-Disposition: attachment``).
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from roadmap.media.checks import UploadRefused

_ACTIVE_NAMES = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


@dataclass
class Document:
    data: bytes
    pages: int


def process_document(data: bytes) -> Document:
    """Check a PDF's bytes; raises :class:`UploadRefused`."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.startswith(b"%PDF-"):
        raise UploadRefused(_("This file is not a PDF document."))
    if _ACTIVE_NAMES.search(data):
        raise UploadRefused(_("This PDF contains scripts, actions or embedded files and cannot "
                              "be accepted. Save it again as a plain PDF."))
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRefused(_("This PDF is protected by a password. Send it without one."))
        pages = len(reader.pages)
        for page in reader.pages:  # names hidden in compressed object streams
            if any(key in page for key in ("/AA",)):
                raise UploadRefused(_("This PDF contains scripts, actions or embedded files "
                                      "and cannot be accepted. Save it again as a plain PDF."))
        root = reader.trailer["/Root"]
        names = root.get("/Names") or {}
        if any(key in names for key in ("/JavaScript", "/EmbeddedFiles")) or "/OpenAction" in root \
                and "/JavaScript" in str(root["/OpenAction"]):
            raise UploadRefused(_("This PDF contains scripts, actions or embedded files and "
                                  "cannot be accepted. Save it again as a plain PDF."))
    except UploadRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        raise UploadRefused(_("This PDF is damaged or incomplete: it could not be read."))
    if pages < 1:
        raise UploadRefused(_("This PDF has no page."))
    return Document(data=data, pages=pages)


def clean_name(name: str | None, extension: str) -> str:
    """A file name fit to show and to offer as the download's name (never a path)."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem[:120].strip() or _("document")
    return f"{stem}.{extension}"
