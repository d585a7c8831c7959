"""The catalogues hold a translation of every message the code and the templates use.

Extraction reads babel.cfg, as `make extract-messages` does: a template whose tags Babel cannot
parse (a Jinja extension missing from babel.cfg) would drop its messages silently, and the
pages would fall back to English.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "lazy_pgettext": ((1, "c"), 2)}


@pytest.fixture(scope="module")
def extracted() -> set:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        key = message[0] if isinstance(message, (tuple, list)) else message
        if key:
            found.add((context, key))
    return found


def test_the_templates_messages_are_extracted(extracted):
    # Messages of templates that use the {% cache %} tag of roadmap.core.fragments.
    assert (None, "Show the proposals") in extracted
    assert (None, "Withdraw my support") in extracted


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_every_message_is_translated(extracted, language):
    path = ROOT / "roadmap" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {(m.context, m.id[0] if isinstance(m.id, (tuple, list)) else m.id)
                  for m in catalog if m.id and m.string and "fuzzy" not in m.flags
                  and (not isinstance(m.string, (tuple, list)) or all(m.string))}
    missing = sorted(key for context, key in extracted - translated)
    assert not missing, f"{len(missing)} messages without a {language} translation: {missing[:20]}"
