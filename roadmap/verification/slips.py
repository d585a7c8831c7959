"""The printed slips of an in-person code batch: A4 pages of cut-out slips (WeasyPrint).

Each slip holds one code, in Arabic and in French: a title, the code in groups of four, the
commune it is bound to, its expiry, three short steps (open the address, sign in or register,
enter the code) and a QR code of the verification address (``site_base_url()`` +
``/verify/code``, as inline SVG drawn by segno). The plain codes exist only in the PDF: they
are given to :func:`slips_pdf` and never written anywhere else.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, format_date, gettext
from markupsafe import Markup

from roadmap.core.mail import site_base_url
from roadmap.verification.codes import format_code

LANGUAGES = ("ar", "fr")
SLIPS_PER_PAGE = 5


def verification_address() -> str:
    """Where a resident types their code (printed, and in the QR code)."""
    return site_base_url().rstrip("/") + "/verify/code"


def qr_svg(address: str) -> Markup:
    """The QR code of ``address`` as inline SVG (no XML declaration, sized in the CSS)."""
    import segno

    return Markup(segno.make(address, error="m").svg_inline(scale=4, border=2, omitsize=True))


def _texts(language: str, batch) -> dict:
    """The words of a slip in ``language``."""
    with force_locale(language):
        commune = batch.commune.name if batch.commune is not None else None
        return {
            "lang": language, "dir": "rtl" if language == "ar" else "ltr",
            "title": gettext("Your verification code"),
            "consultation": batch.consultation.title,
            "commune": gettext("For residents of %(commune)s", commune=commune)
            if commune else None,
            "expires": gettext("Valid until %(date)s", date=format_date(batch.expires_at, "long"))
            if batch.expires_at else gettext("No expiry date"),
            "steps": [gettext("Open the address printed under the square, or scan the square "
                              "with your phone."),
                      gettext("Sign in, or create an account and confirm your email."),
                      gettext("Enter this code: it verifies one account, once.")],
        }


def slips_html(batch, codes: list[str]) -> str:
    """The HTML of the slips of ``batch`` for the plain ``codes``."""
    address = verification_address()
    texts = [_texts(language, batch) for language in LANGUAGES]
    pages = [codes[i:i + SLIPS_PER_PAGE] for i in range(0, len(codes), SLIPS_PER_PAGE)]
    with force_locale("fr"):
        return render_template("verification/slips_pdf.html", batch=batch, texts=texts,
                               pages=[[format_code(code) for code in page] for page in pages],
                               qr=qr_svg(address), address=address)


def slips_css() -> Path:
    """The slips' print stylesheet."""
    return Path(current_app.static_folder) / "css" / "slips.css"


def slips_pdf(batch, codes: list[str]) -> bytes:
    """The slips of ``batch`` for the plain ``codes`` as PDF bytes."""
    from weasyprint import CSS, HTML

    document = HTML(string=slips_html(batch, codes), base_url=current_app.static_folder)
    return document.write_pdf(stylesheets=[CSS(filename=str(slips_css()))])
