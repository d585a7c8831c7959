"""Merge translations written beside the code into the ar and fr catalogues.

Work done in parallel writes its new messages' translations to
``roadmap/translations/incoming/<name>.json`` instead of editing the catalogues (which would
collide): ``{"English message id": {"ar": "...", "fr": "..."}}``. After `make extract-messages`
has added the ids to the catalogues, this fills every empty or fuzzy entry found there, and
reports the ids still untranslated. Plural messages take a list per language.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "roadmap" / "translations"


def incoming() -> dict:
    merged: dict = {}
    for path in sorted((ROOT / "incoming").glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def apply(language: str, translations: dict) -> list[str]:
    path = ROOT / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        empty = not message.string or (isinstance(message.string, (tuple, list))
                                       and not all(message.string))
        if not empty and "fuzzy" not in message.flags:
            continue
        given = translations.get(key, {}).get(language)
        if given:
            message.string = tuple(given) if isinstance(given, list) else given
            message.flags.discard("fuzzy")
        else:
            missing.append(key)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return missing


if __name__ == "__main__":
    translations = incoming()
    status = 0
    for language in ("ar", "fr"):
        missing = apply(language, translations)
        for key in missing:
            print(f"{language}: untranslated: {key!r}", file=sys.stderr)
        status = status or bool(missing)
    sys.exit(1 if status and "--strict" in sys.argv else 0)
