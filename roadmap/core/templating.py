"""Values and helpers every template can use."""
from __future__ import annotations

from functools import lru_cache

from babel import numbers
from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_percent
from markupsafe import Markup, escape

from roadmap.core.fragments import init_fragment_cache
from roadmap.core.htmx import dom_id
from roadmap.core.admin import admin_sections
from roadmap.core.i18n import (current_language, current_locale, languages, localized,
                               text_direction)

LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}


def register_template_helpers(app: Flask) -> None:
    """Expose language, direction and formatting helpers to Jinja."""
    init_fragment_cache(app)

    @app.context_processor
    def _inject():
        language = current_language()
        return {
            "lang": language,
            "dir": text_direction(language),
            "languages": languages(),
            "language_names": LANGUAGE_NAMES,
            "tile_url": current_app.config.get("ROADMAP_TILE_URL"),
            "dom_id": dom_id,
            "localized": localized,
            "paragraphs": paragraphs,
            "admin_sections": admin_sections,
        }

    from roadmap.core import sdg

    # The SDG vocabulary (labels in the reader's language) for pages and macros alike.
    app.jinja_env.globals.update(sdg_target_label=sdg.target_label,
                                 sdg_goal_label=sdg.goal_label, sdg_source=sdg.source)
    app.jinja_env.filters.update(
        number=lambda value, fmt=None: "" if value is None else formatted_number(
            value, fmt, current_locale()),
        percent=lambda value, fmt=None: "" if value is None else format_percent(value, fmt),
        date=lambda value, fmt="medium": "" if value is None else format_date(value, fmt),
        datetime=lambda value, fmt="medium": "" if value is None else format_datetime(value, fmt),
    )


@lru_cache(maxsize=8192)
def formatted_number(value, fmt, locale) -> str:
    """``value`` written for ``locale`` (Babel's format_decimal, remembered: lists write the
    same few counters again and again)."""
    return numbers.format_decimal(value, fmt, locale=locale)


def paragraphs(text: str | None) -> Markup:
    """Plain text with line breaks, escaped: blank lines make paragraphs, single breaks <br>."""
    text = (text or "").replace("\r\n", "\n")
    blocks = [block.strip("\n") for block in text.split("\n\n") if block.strip()]
    return Markup("").join(
        Markup("<p>") + Markup("<br>").join(escape(line) for line in block.split("\n"))
        + Markup("</p>") for block in blocks)
