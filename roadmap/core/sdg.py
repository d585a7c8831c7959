"""The UN Sustainable Development Goals: 17 goals and their 169 targets, in ar, fr and en.

Roadmap items carry SDG *targets* ("5.5", "6.b", "17.19"). The vocabulary is the UN's own SDG
SKOS vocabulary (http://metadata.un.org/sdg), with the Arabic texts that it lacks taken from
Open SDG's copy of the UN texts. ``data/sdg/sdg.json`` is built from the sources beside it by
``scripts/build-sdg-vocabulary.py``; ``data/sdg/README.md`` says where each came from.

The JSON is read once, on first use (no Flask app needed). Labels fall back to English, then
French, when the reader's language has none (the sources have no Arabic for 8.10, 16.1, 17.1).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "sdg" / "sdg.json"

GOALS: tuple[int, ...] = tuple(range(1, 18))

# After the reader's language: the UN's working languages of the app, English first.
_FALLBACK = ("en", "fr")


@lru_cache(maxsize=1)
def _vocabulary() -> dict:
    with open(DATA_FILE, encoding="utf-8") as f:
        return json.load(f)


def targets() -> dict[str, dict]:
    """All 169 targets, code -> {"uri", "goal", "labels"}, in the official order."""
    return _vocabulary()["targets"]


def goals() -> dict[str, dict]:
    """The 17 goals, "1".."17" -> {"uri", "labels"}."""
    return _vocabulary()["goals"]


def source() -> dict:
    """Where the vocabulary comes from (title, publisher, url, licence, retrieved,
    obtained_from), for the pages that credit it."""
    return _vocabulary()["source"]


def is_target(code: str) -> bool:
    """Whether ``code`` is one of the 169 targets ("5.5", "6.b"; not "5.10" nor "18.1")."""
    return isinstance(code, str) and code in targets()


def goal_of(code: str) -> int:
    """The goal number of a target code: ``goal_of("17.19") == 17``. ValueError if unknown."""
    entry = targets().get(code) if isinstance(code, str) else None
    if entry is None:
        raise ValueError(f"not an SDG target: {code!r}")
    return entry["goal"]


def sort_key(code: str) -> tuple:
    """Sorts target codes officially: "1.9" < "1.10" < "1.a" < "1.b" < "2.1".

    Codes that are not of the form goal.target sort last, by their text.
    """
    goal, _, rest = str(code).partition(".")
    if not goal.isdigit() or not rest:
        return (1, 0, 0, 0, str(code))
    if rest.isdigit():
        return (0, int(goal), 0, int(rest), "")
    return (0, int(goal), 1, 0, rest)


def _language(language: str | None) -> str:
    if language:
        return language[:2]
    from roadmap.core.i18n import current_language  # imports Flask only when asked

    return current_language()


def _pick(labels: dict[str, str], language: str | None) -> str | None:
    for lang in (_language(language), *_FALLBACK):
        text = labels.get(lang)
        if text:
            return text
    return None


def target_label(code: str, language: str | None = None) -> str:
    """The text of a target in ``language`` (default: the reader's), falling back to English
    then French. An unknown code is returned as it is."""
    entry = targets().get(code) if isinstance(code, str) else None
    if entry is None:
        return str(code)
    return _pick(entry["labels"], language) or code


def goal_label(goal: int, language: str | None = None) -> str:
    """The text of a goal (1..17) in ``language``, falling back like :func:`target_label`.
    An unknown goal is returned as its number."""
    entry = goals().get(str(goal))
    if entry is None:
        return str(goal)
    return _pick(entry["labels"], language) or str(goal)


def target_choices(language: str | None = None) -> list[tuple[str, str]]:
    """[(code, "code label")] for every target, in the official order, for form selects."""
    language = _language(language)
    return [(code, f"{code} {target_label(code, language)}") for code in targets()]
