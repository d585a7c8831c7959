"""The demo roadmap: drafted from the demo consolidation run, two proposals grouped into one
item, gender equality markers, SDG targets and estimated beneficiaries (synthetic: a share of
the communes' census population), an indicator measured by sex, version 1 published with a
change log, and a few progress updates, all marked as demo.

Called by the demo loader after the consolidation run exists; running it again changes nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.consultations.phases import today
from roadmap.extensions import db
from roadmap.roadmaps import services
from roadmap.roadmaps.queries import roadmap_of

DEMO_ORGANISER = "organiser@demo.roadmap.test"
CHANGELOG = {"ar": "النسخة الأولى من خارطة الطريق (تجريبي).",
             "fr": "Première version de la feuille de route (démo).",
             "en": "First version of the roadmap (demo)."}
# Per axis code: (gender marker, SDG targets, justification); the first item of the axis gets
# the marker, the others 0 (not targeted). Synthetic choices for the demo, not official ones.
MARKERS = {
    "employment": (1, ["8.5", "5.5"], {
        "ar": "نصف المقاعد في التكوين مخصصة للنساء (تجريبي).",
        "fr": "La moitié des places de formation est réservée aux femmes (démo).",
        "en": "Half of the training places are kept for women (demo)."}),
    "social-services": (2, ["4.6", "5.1"], {
        "ar": "يستهدف المشروع محو أمية النساء في المقام الأول (تجريبي).",
        "fr": "Le projet vise d'abord l'alphabétisation des femmes (démo).",
        "en": "The project's main aim is women's literacy (demo)."}),
    "water": (1, ["6.1", "6.2"], {
        "ar": "يخفف الربط بالماء عبء جلب الماء عن النساء والفتيات (تجريبي).",
        "fr": "Le raccordement allège la corvée d'eau des femmes et des filles (démo).",
        "en": "The connection spares women and girls the water fetching (demo)."}),
    "territorial-upgrading": (0, ["11.2", "9.1"], None),
}
# Synthetic beneficiaries: this share of the communes' population, split by group.
BENEFICIARY_SHARE = 0.04
BENEFICIARY_SPLIT = {"women": 0.31, "men": 0.29, "girls": 0.21, "boys": 0.19}
INDICATOR = {"ar": "المستفيدون الذين تم الوصول إليهم (تجريبي)",
             "fr": "Bénéficiaires atteints (démo)", "en": "Beneficiaries reached (demo)"}
UPDATES = [  # (days ago, progress, status, share of the cost spent, note)
    (40, 10, "in_progress", 0.05, {"ar": "انطلاق الأشغال (تجريبي)",
                                   "fr": "Début des travaux (démo)",
                                   "en": "Works started (demo)"}),
    (10, 35, "in_progress", 0.3, {"ar": "تقدم الأشغال حسب البرنامج (تجريبي)",
                                  "fr": "Les travaux avancent comme prévu (démo)",
                                  "en": "Works on schedule (demo)"}),
]


def publish_demo_roadmap(consultation, run):
    """Draft, group, publish v1 and post progress for the demo; returns the roadmap."""
    roadmap = roadmap_of(consultation)
    if roadmap is not None and roadmap.versions:
        return roadmap
    by = db.session.scalar(select(User).where(User.email == DEMO_ORGANISER))
    roadmap = services.draft_from_run(consultation, run, by)
    for item in roadmap.items:
        item.is_demo = True
    _group_two(roadmap, by)
    _mark(roadmap, by)
    services.publish(roadmap, by, CHANGELOG)
    _post_updates(roadmap, by)
    return roadmap


def _group_two(roadmap, by) -> None:
    """Group the second item of the first axis with two or more items into its first item."""
    for _axis, items in _by_axis(roadmap):
        if len(items) >= 2:
            first, second = items[0], items[1]
            services.group_proposals(roadmap, first, [p.id for p in second.proposals], by)
            return


def _by_axis(roadmap) -> list[list]:
    groups: dict = {}
    for item in sorted(roadmap.items, key=lambda i: (i.axis_id or 0, i.rank)):
        groups.setdefault(item.axis_id, []).append(item)
    return list(groups.items())


def _mark(roadmap, by) -> None:
    """Markers, targets and synthetic beneficiaries on every item; on the first item of each
    axis, an indicator of the beneficiaries reached, measured by sex."""
    for _axis, items in _by_axis(roadmap):
        for position, item in enumerate(items):
            marker, targets, why = MARKERS.get(item.axis.code if item.axis else "", (0, [], None))
            population = services.item_population(item) or 0
            services.set_markers(
                item, by, gender_marker=marker if position == 0 else 0,
                gender_justification=(why or {}).get("ar") if position == 0 else None,
                beneficiaries={group: int(population * BENEFICIARY_SHARE * share)
                               for group, share in BENEFICIARY_SPLIT.items()} if population
                else {},
                sdg_goals=item.sdg_goals, sdg_targets=targets)
        first = items[0]
        reached = int((services.item_population(first) or 0) * BENEFICIARY_SHARE)
        if reached:
            services.add_indicator(first, by, INDICATOR, baseline=0,
                                   target=reached, by_sex=True,
                                   baseline_by_sex={"women": 0, "men": 0},
                                   target_by_sex={"women": reached // 2,
                                                  "men": reached - reached // 2})


def _post_updates(roadmap, by) -> None:
    """Two dated updates on the first item of each axis (the indicator's values by sex too)."""
    for _axis, items in _by_axis(roadmap):
        item = items[0]
        indicator = item.indicators[0] if item.indicators else None
        for days, progress, status, spent_share, note in UPDATES:
            spent = int((item.estimated_cost_mad or 0) * spent_share) or None
            values, by_sex = {}, {}
            if indicator is not None:
                reached = (indicator.target or 0) * progress / 100
                values = {indicator.id: round(reached)}
                by_sex = {indicator.id: {"women": round(reached * 0.45),
                                         "men": round(reached * 0.55)}}
            services.post_progress(item, by, today() - timedelta(days=days), progress, status,
                                   spent=spent, indicator_values=values, note_i18n=note,
                                   is_demo=True, values_by_sex=by_sex)
