"""The roadmap side of the gender and SDG monitoring: budget shares by gender marker, goal and
target from hand-made items, the consolidation's outcomes by gender under the small-cell rule,
and the monitoring in the workbook and the PDF."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.roadmaps import services
from roadmap.roadmaps.models import Roadmap
from roadmap.roadmaps.queries import monitoring_of_roadmap
from tests.exports.conftest import publish_small_roadmap
from tests.exports.test_pdf import _pdftotext


@pytest.fixture
def published(fresh, factory):
    """Two items: 1,000 MAD in the west, marker 2, target 5.5; 3,000 MAD in both communes,
    marker 0, targets 6.1 and 5.1; beneficiaries on the first only."""
    organiser = factory.user("organiser")
    publish_small_roadmap(fresh, organiser)
    roadmap = db.session.scalar(select(Roadmap).where(Roadmap.consultation_id == fresh.id))
    first, second = sorted(roadmap.items, key=lambda i: i.rank)
    first.estimated_cost_mad, second.estimated_cost_mad = 1_000, 3_000
    west, east = sorted({c for i in roadmap.items for c in i.communes}, key=lambda c: c.code,
                        reverse=True)
    first.communes, second.communes = [west], [west, east]
    services.set_markers(first, organiser, gender_marker=2,
                         gender_justification="Literacy classes run by and for women.",
                         beneficiaries={"women": 60, "men": 20, "girls": 15, "boys": 5},
                         sdg_targets=["5.5"])
    services.set_markers(second, organiser, gender_marker=0, sdg_targets=["6.1", "5.1"])
    indicator = services.add_indicator(first, organiser, {"ar": "متعلمات"}, baseline=0,
                                       target=100, by_sex=True,
                                       baseline_by_sex={"women": 0, "men": 0},
                                       target_by_sex={"women": 80, "men": 20})
    from datetime import date

    services.post_progress(first, organiser, date(2026, 5, 1), 40, "in_progress",
                           indicator_values={indicator.id: 50},
                           values_by_sex={indicator.id: {"women": 40, "men": 10}})
    services.publish(roadmap, organiser, {"fr": "Marqueurs"})
    db.session.flush()
    return roadmap


def test_budget_shares_by_marker_goal_target_axis_and_commune(published):
    figures = monitoring_of_roadmap(published.published)
    assert figures["cost"] == 4_000 and figures["items"] == 2
    shares = {row["marker"]: row["share"] for row in figures["markers"]}
    assert shares == {2: 0.25, 1: 0.0, 0: 0.75, None: 0.0}  # one marker per item: adds to 1
    assert {row["marker"]: row["items"] for row in figures["markers"]} == {2: 1, 1: 0, 0: 1,
                                                                          None: 0}
    assert figures["gender_share"] == 0.25 and figures["principal_share"] == 0.25
    goals = {row["goal"]: row["share"] for row in figures["goals"]}
    assert goals == {5: 1.0, 6: 0.75}  # an item counts in full toward each goal it serves
    assert [(r["code"], r["share"]) for r in figures["targets"]] == [
        ("5.1", 0.75), ("5.5", 0.25), ("6.1", 0.75)]
    communes = {row["label"]: row for row in figures["communes"]}
    # the west has the first item and half the second: 1,000 + 1,500, of which 1,000 marker 2
    assert communes["الغرب"]["cost"] == 2_500 and communes["الغرب"]["principal_share"] == 0.4
    assert communes["الشرق"]["cost"] == 1_500 and communes["الشرق"]["gender_share"] == 0.0
    assert communes["الغرب"]["shares"] == {2: 0.4, 1: 0.0, 0: 0.6, None: 0.0}
    b = figures["beneficiaries"]
    assert b["items"] == 1 and b["total"] == 100 and b["female_share"] == 0.75
    [indicator] = figures["indicators"]
    assert indicator["sexes"]["women"]["current"] == 40
    assert indicator["sexes"]["women"]["progress"] == 0.5  # 40 of 80
    assert indicator["sexes"]["men"]["progress"] == 0.5 and indicator["all"]["progress"] == 0.5


def test_the_workbook_has_the_monitoring_sheets(fresh, published):
    from roadmap.exports.services import build_export

    book = load_workbook(io.BytesIO(build_export(fresh, "xlsx", language="fr").body))
    assert {"monitoring_gender_budget", "monitoring_sdg_budget", "monitoring_beneficiaries",
            "monitoring_indicators_by_sex"} <= set(book.sheetnames)
    rows = list(book["monitoring_gender_budget"].values)
    assert rows[0][:5] == ("scope", "name", "items", "estimated_cost_mad", "share_marker_2")
    assert rows[1][0] == "roadmap" and rows[1][4] == 0.25
    sdg_rows = {row[1]: row for row in book["monitoring_sdg_budget"].values}
    assert sdg_rows["5.5"][0] == "target" and "femmes" in sdg_rows["5.5"][2]


def test_the_pdf_has_the_monitoring_section(client, fresh, published, tmp_path):
    path = tmp_path / "roadmap-fr.pdf"
    response = client.get(f"/c/{fresh.slug}/exports/roadmap-fr.pdf")
    assert response.status_code == 200
    path.write_bytes(response.data)
    text = _pdftotext(path)
    assert "Le budget de la feuille de route" in text  # the section (its title may hyphenate)
    assert "Chaque projet porte le marqueur d'égalité femmes-hommes du CAD" in text
    assert "25 %" in text or "25%" in text  # marker 2's share of the budget
    assert "5.5" in text and "Literacy classes run by and for women." in text
    assert "Participation au regard de la population" in text


# --- the consolidation's outcomes by gender, for the public -----------------------------------

def _block(women, men, not_declared=0, workshop=0, retained=(0, 0), verdict="within_chance"):
    return {"eligible": {"woman": women, "man": men, "not_declared": not_declared,
                         "workshop": workshop, "total": women + men + not_declared + workshop},
            "retained": {"woman": retained[0], "man": retained[1], "not_declared": 0,
                         "workshop": 0, "total": sum(retained)},
            "women_share_eligible": women / (women + men), "women_share_retained": 0.5,
            "p_value": 0.4, "test": "fisher", "verdict": verdict}


def test_outcomes_are_suppressed_for_the_public_and_exact_for_organisers(fresh, published):
    from roadmap.exports.markers import outcomes_for_monitoring
    from roadmap.ranking.models import ConsolidationRun

    run = ConsolidationRun(consultation_id=fresh.id, method_version="roadmap-consolidation/1",
                           parameters={}, seed="s", inputs_hash="0" * 64, output="{}",
                           gender_outcomes={"version": "roadmap-gender-outcomes/1",
                                            "overall": _block(12, 9, 2, 6, (6, 5)),
                                            "axes": {"water": _block(3, 9, verdict="too_few",
                                                                     retained=(1, 4))}})
    db.session.add(run)
    db.session.flush()
    published.run_id = run.id
    shown = outcomes_for_monitoring(fresh)["outcomes"]
    water = shown["axes"]["water"]
    assert water["eligible_shown"] == {"woman": "<5", "man": "<5", "not_declared": "0",
                                       "workshop": "0"}  # 3 is small, so 9 goes too
    assert water["p_value"] is None and water["women_share_eligible"] is None
    overall = shown["overall"]
    assert overall["eligible_shown"]["woman"] == "12" and overall["eligible_shown"]["not_declared"] == "<5"
    assert overall["p_value"] == 0.4
    exact = outcomes_for_monitoring(fresh, exact=True)["outcomes"]["axes"]["water"]
    assert exact["eligible_shown"]["woman"] == "3" and exact["p_value"] == 0.4
