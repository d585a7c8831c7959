#!/usr/bin/env python3
"""Build roadmap/core/data/sdg/sdg.json from the SDG sources shipped beside it.

Inputs, all in ``roadmap/core/data/sdg/`` (see the README there for where they came from):

- ``sdg-kos-goals-targets.ttl``: the goals and targets of the UN's SDG SKOS vocabulary
  (metadata.un.org/sdg), labelled in English, French and Spanish;
- ``open-sdg-ar-global_targets.yml`` and ``open-sdg-ar-global_goals.yml``: the Arabic texts,
  which that vocabulary does not carry;
- ``corrections.json``: the source's known defects, fixed by name.

Usage: ``python scripts/build-sdg-vocabulary.py [OUTPUT]`` (default: ``sdg.json`` beside the
sources). Needs rdflib and PyYAML (the ``test`` extra); the app itself reads only the JSON.
The build is deterministic, and a test checks that the shipped JSON is what it writes.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import rdflib
import yaml
from rdflib.namespace import RDF, SKOS

DATA = Path(__file__).resolve().parent.parent / "roadmap" / "core" / "data" / "sdg"
SDG = "http://metadata.un.org/sdg/"
SDGO = rdflib.Namespace("http://metadata.un.org/sdg/ontology#")
UN_LANGUAGES = ("ar", "fr", "en", "es", "ru", "zh")  # order of the labels in the JSON
TARGET_CODE = re.compile(r"^(\d{1,2})\.(\d{1,2}|[a-z])$")

SOURCE = {
    "title": "Sustainable Development Goals: the 17 goals and 169 targets",
    "publisher": "United Nations (Statistics Division, DESA; Dag Hammarskjöld Library)",
    "url": "http://metadata.un.org/sdg",
    "text": "United Nations General Assembly resolution A/RES/70/1 (2015)",
    "licence": (
        "No licence file in the source repositories. The texts are those of UN resolution "
        "A/RES/70/1, used under the United Nations terms of use "
        "(https://www.un.org/en/about-us/terms-of-use) with credit to the UN; the Open SDG "
        "copy of the Arabic texts is MIT-licensed (© 2019 Open SDG)."
    ),
    "retrieved": "2026-12-04",
    "obtained_from": [
        {
            "what": "SKOS vocabulary (URIs; English, French and Spanish labels)",
            "repository": "UNStats/LOD4Stats",
            "path": "sdg-data/sdg-kos-goals-targets-indicators.ttl",
            "commit": "8a67ce650e62beb127cf08734160b2eb525ef2e5",
        },
        {
            "what": "Arabic texts of the goals and targets (Open SDG's copy of the UN texts)",
            "repository": "open-sdg/sdg-translations",
            "path": "translations/ar/global_targets.yml, translations/ar/global_goals.yml",
            "commit": "2d69c99626e058e3c3509e97fb9ee4fbcf881b88 (targets), "
            "61fd8ee4c62f29b69e852322bde537de4551b6a7 (goals)",
        },
        {
            "what": "French text of target 17.13 (the SKOS label is defective)",
            "repository": "open-sdg/sdg-translations",
            "path": "translations/fr/global_targets.yml",
            "commit": "0b6388ab9521004b3ce42e1b5f17d6627db22295",
        },
    ],
}


def sort_key(code: str) -> tuple[int, int, int | str]:
    """Official order: goal, then numbered targets (1.9 before 1.10), then lettered ones."""
    goal, _, rest = code.partition(".")
    if rest.isdigit():
        return (int(goal), 0, int(rest))
    return (int(goal), 1, rest)


def _code(uri: rdflib.term.Node) -> str:
    text = str(uri)
    if not text.startswith(SDG):
        raise ValueError(f"not an SDG URI: {text}")
    return text[len(SDG):]


def _clean(label: str) -> str:
    """Labels are kept word for word; only the spaces at either end are dropped."""
    return label.strip()


def read_skos(path: Path, corrections: dict) -> tuple[dict, dict]:
    """Goals and targets of the SKOS file: {code: {"uri", "labels"}}, corrections applied."""
    graph = rdflib.Graph()
    graph.parse(path, format="turtle")
    labels: dict[str, dict[str, list[str]]] = {}
    for subject, label in graph.subject_objects(SKOS.prefLabel):
        if str(subject).rstrip("/") == SDG.rstrip("/"):
            continue  # the concept scheme itself
        code = _code(subject)
        labels.setdefault(code, {}).setdefault(label.language, []).append(str(label))

    for fix in corrections["drop_labels"]:
        found = labels.get(fix["concept"], {}).get(fix["lang"], [])
        if fix["label"] not in found:
            raise SystemExit(f"correction no longer applies (drop): {fix}")
        found.remove(fix["label"])
    for fix in corrections["replace_labels"]:
        found = labels.get(fix["concept"], {}).get(fix["lang"], [])
        if found != [fix["source_label"]]:
            raise SystemExit(f"correction no longer applies (replace): {fix}")
        found[:] = [fix["label"]]

    goals, targets = {}, {}
    for subject in graph.subjects(RDF.type, SDGO.Goal):
        code = _code(subject)
        goals[code] = {"uri": str(subject)}
    for subject in graph.subjects(RDF.type, SDGO.Target):
        code = _code(subject)
        match = TARGET_CODE.match(code)
        if not match:
            raise SystemExit(f"unexpected target code: {code}")
        broader = {_code(o) for o in graph.objects(subject, SKOS.broader)}
        if broader != {match.group(1)}:
            raise SystemExit(f"target {code} is under {broader}, not goal {match.group(1)}")
        targets[code] = {"uri": str(subject), "goal": int(match.group(1))}

    for code, entry in [*goals.items(), *targets.items()]:
        entry["labels"] = {}
        for lang, texts in labels.get(code, {}).items():
            if len(texts) != 1:
                raise SystemExit(f"{code} has {len(texts)} labels in {lang!r}: {texts}")
            entry["labels"][lang] = _clean(texts[0])
    return goals, targets


KASHIDA = "\u0640"  # the tatweel the resolution's PDF added to justify its lines


def _arabic(text: str) -> str:
    """An Arabic text as read: without the kashida that stretched it to the PDF's justified
    lines (a presentation character: the letters and words are unchanged)."""
    return _clean(text.replace(KASHIDA, ""))


def read_open_sdg_arabic(targets_path: Path, goals_path: Path) -> tuple[dict, dict]:
    """Arabic texts by code; Open SDG writes target 6.b as "6-b" and leaves some empty."""
    with open(targets_path, encoding="utf-8") as f:
        raw_targets = yaml.safe_load(f)
    with open(goals_path, encoding="utf-8") as f:
        raw_goals = yaml.safe_load(f)
    targets = {}
    for key, value in raw_targets.items():
        text = _arabic(value["title"] or "")
        if text:
            targets[str(key).replace("-", ".")] = text
    goals = {}
    for key, value in raw_goals.items():
        number, _, field = str(key).partition(".")
        if field == "title" and _arabic(value or ""):
            goals[number] = _arabic(value)
    return goals, targets


def _ordered(labels: dict[str, str]) -> dict[str, str]:
    return {lang: labels[lang] for lang in UN_LANGUAGES if lang in labels}


def build() -> dict:
    """The vocabulary as the app reads it (see roadmap/core/sdg.py)."""
    corrections = json.loads((DATA / "corrections.json").read_text(encoding="utf-8"))
    goals, targets = read_skos(DATA / "sdg-kos-goals-targets.ttl", corrections)
    ar_goals, ar_targets = read_open_sdg_arabic(
        DATA / "open-sdg-ar-global_targets.yml", DATA / "open-sdg-ar-global_goals.yml"
    )
    unknown = (set(ar_targets) - set(targets)) | (set(ar_goals) - set(goals))
    if unknown:
        raise SystemExit(f"Arabic texts for codes the vocabulary lacks: {sorted(unknown)}")
    for code, text in ar_goals.items():
        goals[code]["labels"]["ar"] = text
    for code, text in ar_targets.items():
        targets[code]["labels"]["ar"] = text

    if sorted(goals, key=int) != [str(n) for n in range(1, 18)]:
        raise SystemExit(f"expected goals 1..17, got {sorted(goals, key=int)}")
    if len(targets) != 169:
        raise SystemExit(f"expected 169 targets, got {len(targets)}")

    missing = {
        lang: sorted((c for c, t in targets.items() if lang not in t["labels"]), key=sort_key)
        for lang in ("ar", "fr", "en")
    }
    source = dict(SOURCE, missing_target_labels={k: v for k, v in missing.items() if v})
    return {
        "source": source,
        "goals": {
            code: {"uri": goals[code]["uri"], "labels": _ordered(goals[code]["labels"])}
            for code in sorted(goals, key=int)
        },
        "targets": {
            code: {
                "uri": targets[code]["uri"],
                "goal": targets[code]["goal"],
                "labels": _ordered(targets[code]["labels"]),
            }
            for code in sorted(targets, key=sort_key)
        },
    }


def write(vocabulary: dict, path: Path) -> None:
    text = json.dumps(vocabulary, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DATA / "sdg.json"
    vocabulary = build()
    write(vocabulary, output)
    missing = vocabulary["source"]["missing_target_labels"]
    print(f"{output}: {len(vocabulary['goals'])} goals, {len(vocabulary['targets'])} targets")
    for lang, codes in missing.items():
        print(f"  no {lang} text in the sources for: {', '.join(codes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
