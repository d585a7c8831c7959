"""What every upload is checked for before its content is even decoded."""
from __future__ import annotations

import re

from flask_babel import gettext as _

# Markup or code that a browser or a shell would act on, anywhere in a photo or a document:
# such a file is a polyglot (valid as an image and as something else) and is refused whole.
_ACTIVE = re.compile(rb"<script|<html|<!doctype\s+html|<\?php|<iframe|<body[\s>]|javascript:",
                     re.IGNORECASE)
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")
_ZIP_END = b"PK\x05\x06"


class UploadRefused(Exception):
    """The file cannot be accepted; ``message`` says why, in the uploader's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_common(data: bytes, limit: int) -> None:
    """Refuse empty files, files over ``limit`` bytes, executables and polyglots."""
    if not data:
        raise UploadRefused(_("The file is empty."))
    if len(data) > limit:
        raise UploadRefused(_("The file is too large (%(size)s at most).", size=human_size(limit)))
    if data.startswith(_EXECUTABLES):
        raise UploadRefused(_("This file is a program, not a photo, a document or a recording."))
    if _ACTIVE.search(data) or _ZIP_END in data[-(65536 + 22):]:
        raise UploadRefused(_("This file holds something else besides its content (a web page, "
                              "a script or an archive) and cannot be accepted."))


def human_size(size: int) -> str:
    """``size`` bytes as the reader writes it (``850 KB``, ``2.4 MB``)."""
    from flask_babel import format_decimal

    if size >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(round(size / 1024 / 1024, 1)))
    return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))
