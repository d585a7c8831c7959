"""Locale selection and per-language content with a fallback."""
from __future__ import annotations

import flask_babel
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from roadmap.config import DEFAULT_LANGUAGE, LANGUAGES

RTL_LANGUAGES = frozenset({"ar"})
# When a text is missing in the reader's language, try these next.
FALLBACKS = {"ar": ("ar", "fr", "en"), "fr": ("fr", "ar", "en"), "en": ("en", "fr", "ar")}


# Formatting follows Moroccan conventions; the catalogues are found by language (ar_MA -> ar).
FORMAT_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en"}


def select_locale() -> str:
    """The Babel locale of the request: see :func:`select_language`."""
    return FORMAT_LOCALES[select_language()]


def select_language() -> str:
    """The user's choice, then ``?lang=``, then Accept-Language, then Arabic."""
    if not has_request_context():  # command line, digests: callers pass a language
        return DEFAULT_LANGUAGE
    if current_user and getattr(current_user, "is_authenticated", False):
        if current_user.preferred_language in LANGUAGES:
            return current_user.preferred_language
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of the current request, as a two-letter code."""
    return str(current_locale() or DEFAULT_LANGUAGE)[:2]


def current_locale():
    """The Babel locale of the current request (``flask_babel.get_locale``, found faster)."""
    return getattr(_babel_state(), "babel_locale", None) or get_locale()


# Flask-Babel's get_translations() and get_locale() look ``g`` up three to four times a call
# (about 25 us); a list page translates a few hundred strings. Its state, once set for the
# request (locale, domain), is read here directly, and the catalogues are kept per locale.

def _babel_state():
    """Flask-Babel's state of the current app context (its locale and domain), if any."""
    if not has_app_context():
        return None
    return g._get_current_object().__dict__.get("_flask_babel")


def translations():
    """The catalogue of the request's locale (what ``flask_babel.get_translations`` returns)."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None)
    domain = getattr(state, "babel_domain", None)
    if locale is None or domain is None:
        return flask_babel.get_translations()  # sets both for the next calls
    by_locale = domain.__dict__.setdefault("_roadmap_by_locale", {})
    found = by_locale.get(locale)
    if found is None:
        found = by_locale[locale] = domain.get_translations()
    return found


def install_template_gettext(app: Flask) -> None:
    """Templates translate through :func:`translations` (the same catalogues, found faster)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)


def text_direction(language: str | None = None) -> str:
    """``rtl`` for Arabic, ``ltr`` otherwise."""
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


def localized(values: dict | None, language: str | None = None) -> str:
    """Pick the text of a ``{"ar": .., "fr": .., "en": ..}`` mapping for the reader, with fallback."""
    if not values:
        return ""
    for lang in FALLBACKS.get(language or current_language(), LANGUAGES):
        if values.get(lang):
            return values[lang]
    return next((v for v in values.values() if v), "")


def languages() -> tuple[str, ...]:
    """The languages the platform is offered in."""
    return tuple(current_app.config["LANGUAGES"])


class Localized:
    """A model attribute that reads its ``<name>_i18n`` column in the reader's language.

    ``title = Localized()`` on a model with a ``title_i18n`` JSON column gives ``obj.title``,
    the text in the request's language with the fallback of :func:`localized`.
    """

    def __init__(self, column: str | None = None):
        self.column = column

    def __set_name__(self, owner, name: str) -> None:
        self.column = self.column or f"{name}_i18n"

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return localized(getattr(instance, self.column))
