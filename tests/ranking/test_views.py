"""Evaluation, need, explanation and workbench pages: status, fragments, and what changed."""
from __future__ import annotations

from sqlalchemy import func, insert, select

from roadmap.extensions import db
from roadmap.ranking import services
from roadmap.ranking.models import (ConsolidationRun, EligibilityDecision, Evaluation,
                                    EvaluationCriterion, EvaluatorAssignment)
from tests.conftest import login

HX = {"HX-Request": "true"}
WEIGHTS = {"weight_impact": "30", "weight_territorial_need": "25", "weight_feasibility": "20",
           "weight_cost_efficiency": "15", "weight_sdg_gender": "10"}


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _run(scene, **values):
    run, _ = services.run_consolidation(scene.consultation, scene.organiser,
                                        services.parameters_for(scene.consultation, **values))
    return run


# --- need --------------------------------------------------------------------------------------

def _indicators(scene):
    from roadmap.territory.models import CommuneIndicator

    for commune, unemployment, water in ((scene.north, 20.0, 95.0), (scene.south, 10.0, 60.0)):
        for key, value in (("unemployment_rate", unemployment), ("running_water", water)):
            db.session.add(CommuneIndicator(commune_id=commune.id, key=key, year=2024,
                                            value=value, unit="percent", source="HCP"))
    db.session.flush()


def test_need_page_shows_index_and_figures(scene, client):
    _indicators(scene)
    response = client.get(scene.url("/need"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="need-north"' in page and "Unemployment rate" in page
    assert "Households without running water" in page


def test_commune_need_partial(scene, app):
    from flask import render_template

    _indicators(scene)
    html = render_template("ranking/_commune_need.html", commune=scene.north,
                           consultation=scene.consultation)
    assert "Territorial need" in html and "20" in html and "census 2024" in html


def _by_sex(scene):
    from roadmap.territory.models import CommuneIndicator

    for key, year, value in (("illiteracy_rate_women", 2014, 60.0),
                             ("illiteracy_rate_women", 2024, 51.8),
                             ("illiteracy_rate_men", 2024, 34.5),
                             ("activity_rate_women", 2024, 2.6),
                             ("activity_rate_men", 2024, 68.9), ("women_share", 2024, 48.3),
                             ("unemployment_rate_men", 2014, 11.2)):
        db.session.add(CommuneIndicator(commune_id=scene.north.id, key=key, year=year,
                                        value=value, unit="percent", source="HCP"))
    db.session.flush()


def test_need_page_shows_the_census_by_sex(scene, client):
    _indicators(scene)
    _by_sex(scene)
    page = client.get(scene.url("/need")).get_data(as_text=True)
    row = page[page.index('<tr data-commune="north">'):]
    row = row[:row.index("</tr>")]
    assert 'data-key="illiteracy_rate_women"><span dir="ltr">51.8%</span><' in row  # 2024 wins
    assert ('data-key="unemployment_rate_men"><span dir="ltr">11.2%</span> '
            '<span class="muted">(census 2014)</span>') in row  # only 2014: its year is said
    assert 'data-key="illiteracy_rate_men"><span dir="ltr">34.5%' in row
    assert 'data-key="activity_rate_women"><span dir="ltr">2.6%' in row
    assert 'data-key="women_share"><span dir="ltr">48.3%' in row
    assert 'data-key="unemployment_rate_women">—' in row  # not published
    assert "Census figures by sex" in page and 'id="census-by-sex"' in page


def test_need_page_by_sex_in_arabic(scene, client):
    _by_sex(scene)
    page = client.get(scene.url("/need") + "?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "51,8" in page


def test_commune_need_partial_shows_its_census_by_sex(scene, app):
    from flask import render_template

    _by_sex(scene)
    html = render_template("ranking/_commune_need.html", commune=scene.north,
                           consultation=scene.consultation)
    assert 'id="census-by-sex-north"' in html and "51.8%" in html and "68.9%" in html
    assert 'data-commune="south"' not in html


# --- explanation -------------------------------------------------------------------------------

def test_explanation_before_any_run(scene, client):
    response = client.get(scene.url(f"/proposals/{scene.proposals['kept'].id}/explanation"))
    assert response.status_code == 200
    assert 'id="not-consolidated"' in response.get_data(as_text=True)


def test_explanation_reads_latest_run_then_the_roadmaps_run(scene, client):
    first = _run(scene, slots_per_axis=1)
    second = _run(scene, slots_per_axis=3)
    url = scene.url(f"/proposals/{scene.proposals['kept'].id}/explanation")
    page = client.get(url).get_data(as_text=True)
    assert "provisional" in page and 'id="explanation-summary"' in page
    assert f"seed {second.seed}" in page
    db.session.execute(insert(__import__("roadmap.roadmaps.models", fromlist=["Roadmap"])
                              .Roadmap.__table__).values(consultation_id=scene.consultation.id,
                                                         run_id=first.id))
    page = client.get(url).get_data(as_text=True)
    assert "published roadmap was drawn from" in page
    assert ">5<" in page.replace(" ", "")  # five pooled supporters


def test_explanation_shows_the_public_reason(scene, client):
    _run(scene)
    page = client.get(scene.url(f"/proposals/{scene.proposals['ineligible'].id}/explanation"))
    assert "Outside the prefecture&#39;s competence." in page.get_data(as_text=True)


def test_explanation_of_hidden_proposal_is_404(scene, client):
    assert client.get(scene.url(
        f"/proposals/{scene.proposals['hidden'].id}/explanation")).status_code == 404


# --- criteria ----------------------------------------------------------------------------------

def test_criteria_page_and_update(scene, client):
    login(client, scene.organiser)
    assert client.get(scene.url("/criteria")).status_code == 200
    response = client.post(scene.url("/criteria"), data=WEIGHTS | {"weight_impact": "20",
                                                                    "weight_sdg_gender": "20"})
    assert response.status_code == 303
    assert services.criteria_weights(scene.consultation)["sdg_gender"] == 20


def test_criteria_refuse_bad_sum_with_422(scene, client):
    login(client, scene.organiser)
    response = client.post(scene.url("/criteria"), data=WEIGHTS | {"weight_impact": "90"},
                           headers=HX)
    assert response.status_code == 422
    assert "add up to 100" in response.get_data(as_text=True)
    assert services.criteria_weights(scene.consultation)["impact"] == 30
    response = client.post(scene.url("/criteria"), data=WEIGHTS | {"weight_impact": "x"})
    assert response.status_code == 422


def test_criteria_forbidden_to_moderators_and_visitors(scene, client):
    assert client.get(scene.url("/criteria")).status_code in (302, 401)
    login(client, scene.evaluator)
    assert client.post(scene.url("/criteria"), data=WEIGHTS).status_code == 403
    assert _count(EvaluationCriterion) == 0


# --- assignments and evaluation ----------------------------------------------------------------

def test_assign_and_unassign(scene, client):
    login(client, scene.organiser)
    kept = scene.proposals["kept"]
    assert client.get(scene.url("/evaluations/assign")).status_code == 200
    data = {"proposal_id": kept.id, "evaluator_id": scene.evaluator.id, "action": "assign"}
    assert client.post(scene.url("/evaluations/assign"), data=data).status_code == 303
    assert _count(EvaluatorAssignment) == 1
    data["action"] = "unassign"
    assert client.post(scene.url("/evaluations/assign"), data=data).status_code == 303
    assert _count(EvaluatorAssignment) == 0


def test_assign_refuses_participants_as_evaluators_and_moderators_as_assigners(scene, client):
    login(client, scene.organiser)
    data = {"proposal_id": scene.proposals["kept"].id, "evaluator_id": scene.citizens[0].id}
    assert client.post(scene.url("/evaluations/assign"), data=data).status_code == 422
    login(client, scene.evaluator)
    data["evaluator_id"] = scene.evaluator.id
    assert client.post(scene.url("/evaluations/assign"), data=data).status_code == 403
    assert _count(EvaluatorAssignment) == 0


def _scores(value="4"):
    codes = ("impact", "territorial_need", "feasibility", "cost_efficiency", "sdg_gender")
    return {f"score_{c}": value for c in codes} | {f"note_{c}": "ok" for c in codes}


def test_evaluator_scores_assigned_proposal(scene, client):
    kept = scene.proposals["kept"]
    services.assign_evaluator(kept, scene.evaluator, scene.organiser)
    login(client, scene.evaluator)
    listing = client.get("/evaluations").get_data(as_text=True)
    assert kept.title in listing
    url = scene.url(f"/proposals/{kept.id}/evaluate")
    assert client.get(url).status_code == 200
    response = client.post(url, data=_scores() | {"score_impact": "9"}, headers=HX)
    assert response.status_code == 422 and _count(Evaluation) == 0
    assert 'id="evaluation-form"' in response.get_data(as_text=True)
    assert client.post(url, data=_scores()).status_code == 303
    assert _count(Evaluation) == 5


def test_unassigned_moderator_cannot_evaluate(scene, client):
    login(client, scene.second_evaluator)
    url = scene.url(f"/proposals/{scene.proposals['kept'].id}/evaluate")
    assert client.get(url).status_code == 403
    assert client.post(url, data=_scores()).status_code == 403
    assert _count(Evaluation) == 0


def test_eligibility_needs_reason(scene, client):
    login(client, scene.organiser)
    url = scene.url(f"/proposals/{scene.proposals['south'].id}/eligibility")
    response = client.post(url, data={"verdict": "unfeasible", "reason": ""}, headers=HX)
    assert response.status_code == 422
    assert "public reason" in response.get_data(as_text=True)
    assert _count(EligibilityDecision) == 1  # the scene's own
    assert client.post(url, data={"verdict": "unfeasible", "reason": "No land."}).status_code == 303
    assert _count(EligibilityDecision) == 2


def test_eligibility_forbidden_to_evaluators(scene, client):
    login(client, scene.evaluator)
    url = scene.url(f"/proposals/{scene.proposals['south'].id}/eligibility")
    assert client.post(url, data={"verdict": "ineligible", "reason": "x"}).status_code == 403
    assert _count(EligibilityDecision) == 1


# --- workbench, runs, compare ------------------------------------------------------------------

RUN = {"support_weight": "0.5", "slots_per_axis": "2", "workshop_weight": "0.5", "seed": "abc",
       "label": "From the page"} | WEIGHTS


def test_workbench_runs_and_stores(scene, client):
    login(client, scene.organiser)
    assert client.get(scene.url("/consolidation")).status_code == 200
    response = client.post(scene.url("/consolidation"), data=RUN)
    assert response.status_code == 303
    run = db.session.scalar(select(ConsolidationRun))
    assert run.label == "From the page" and run.seed == "abc"
    assert response.headers["Location"].endswith(f"/consolidation/runs/{run.id}")
    page = client.get(scene.url(f"/consolidation/runs/{run.id}")).get_data(as_text=True)
    assert run.inputs_hash in page
    response = client.post(scene.url("/consolidation"), data=RUN, headers=HX)
    assert response.status_code == 204 and "HX-Redirect" in response.headers
    assert _count(ConsolidationRun) == 2


def test_workbench_refuses_bad_parameters(scene, client):
    login(client, scene.organiser)
    response = client.post(scene.url("/consolidation"), data=RUN | {"support_weight": "2"},
                           headers=HX)
    assert response.status_code == 422 and 'id="run-form"' in response.get_data(as_text=True)
    assert client.post(scene.url("/consolidation"),
                       data=RUN | {"weight_impact": "31"}).status_code == 422
    assert _count(ConsolidationRun) == 0


def test_workbench_forbidden_to_participants_and_moderators(scene, client):
    for user in (scene.citizens[0], scene.evaluator):
        login(client, user)
        assert client.get(scene.url("/consolidation")).status_code == 403
        assert client.post(scene.url("/consolidation"), data=RUN).status_code == 403
    assert _count(ConsolidationRun) == 0


def test_compare_two_runs(scene, client):
    one = _run(scene, slots_per_axis=1)
    two = _run(scene, slots_per_axis=2, support_weight=1.0)
    login(client, scene.organiser)
    response = client.get(scene.url(f"/consolidation/compare?a={one.id}&b={two.id}"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Run {one.id}" in page and f"Run {two.id}" in page
    axis = scene.consultation.axes[0].code
    assert f'id="compare-axis-{axis}"' in page
    assert client.get(scene.url(f"/consolidation/compare?a={one.id}&b=999999")).status_code == 404


def test_run_of_another_consultation_is_404(scene, client, factory):
    run = _run(scene)
    other = factory.consultation("evaluation")
    login(client, scene.organiser)
    assert client.get(f"/c/{other.slug}/consolidation/runs/{run.id}").status_code == 404


def test_every_page_renders_on_the_demo_in_each_language(app, factory):
    from roadmap.demo import load_demo
    from roadmap.ranking.demo import evaluate_demo

    consultation = load_demo(echo=lambda *_: None)
    run = evaluate_demo(consultation) or db.session.scalar(
        select(ConsolidationRun).where(ConsolidationRun.consultation_id == consultation.id))
    second = _run(type("S", (), {"consultation": consultation, "organiser": None})(),
                  budget=3_000_000, seed="other")
    organiser = factory.user("organiser")
    proposal_ids = [int(pid) for pid in __import__("json").loads(run.output)["proposals"]]
    base = f"/c/{consultation.slug}"
    for language in ("ar", "fr", "en"):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        login(client, organiser)
        pages = [f"{base}/need", f"{base}/criteria", f"{base}/evaluations/assign",
                 f"{base}/consolidation", f"{base}/consolidation/runs/{run.id}",
                 f"{base}/consolidation/runs/{second.id}",
                 f"{base}/consolidation/compare?a={run.id}&b={second.id}",
                 f"{base}/proposals/{proposal_ids[0]}/evaluate"]
        pages += [f"{base}/proposals/{pid}/explanation" for pid in proposal_ids[:: 3]]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (language, url)


def test_merged_proposal_explanation_points_to_its_target(scene, client):
    _run(scene)
    merged = scene.proposals["merged"]
    page = client.get(scene.url(f"/proposals/{merged.id}/explanation")).get_data(as_text=True)
    assert 'id="not-in-run"' in page
    assert f"/proposals/{scene.proposals['kept'].id}/explanation" in page


def test_explanation_link_partial(scene, app):
    from flask import render_template

    html = render_template("ranking/_explanation_link.html", consultation=scene.consultation,
                           proposal=scene.proposals["kept"])
    assert f"/proposals/{scene.proposals['kept'].id}/explanation" in html


def test_consultation_links_partial_shows_organiser_pages_to_organisers_only(scene, app):
    from flask import render_template
    from flask_login import login_user, logout_user

    context = {"consultation": scene.consultation}
    assert "/consolidation" not in render_template("ranking/_consultation_links.html", **context)
    login_user(scene.organiser)
    html = render_template("ranking/_consultation_links.html", **context)
    assert "/consolidation" in html and "/criteria" in html and "/need" in html
    logout_user()
