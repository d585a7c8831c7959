"""Creating, copying, arranging the axes of, publishing and archiving consultations (services)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from roadmap.audit.models import AuditEntry
from roadmap.consultations import services
from roadmap.consultations.models import Consultation, StrategicAxis
from roadmap.extensions import db
from roadmap.ranking.models import DEFAULT_CRITERIA, EvaluationCriterion

TITLE = {"ar": "استشارة جديدة", "fr": "Nouvelle consultation"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def actions(subject_type=None) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


def create(factory, by, slug="new-one", **kwargs):
    return services.create_consultation(factory.prefecture(), by, slug=slug,
                                        title=kwargs.pop("title", TITLE), **kwargs)


def criteria(consultation) -> list[tuple]:
    return list(db.session.execute(
        select(EvaluationCriterion.code, EvaluationCriterion.weight)
        .where(EvaluationCriterion.consultation_id == consultation.id)
        .order_by(EvaluationCriterion.position)))


def test_create_makes_a_draft_with_the_national_axes_and_default_criteria(factory):
    organiser = factory.user("organiser")
    consultation = create(factory, organiser)
    assert consultation.status == "draft" and consultation.published_at is None
    assert [a.code for a in consultation.axes] == [code for code, _ in services.NATIONAL_AXES]
    assert consultation.axes[2].title_i18n["ar"] == "التدبير الاستباقي والمستدام للموارد المائية"
    assert consultation.title_i18n == TITLE and consultation.communes == []
    assert criteria(consultation) == list(DEFAULT_CRITERIA)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consultation.create"))
    assert entry.actor_id == organiser.id and entry.consultation_id == consultation.id
    assert entry.after["axes"] == "national"


def test_create_without_axes(factory):
    consultation = create(factory, factory.user("admin"), axes="none")
    assert consultation.axes == []


def test_create_with_chosen_communes_and_phases(factory):
    first, second = factory.commune(), factory.commune()
    factory.commune()
    phases = {"proposals": (date(2026, 2, 1), date(2026, 2, 28)),
              "voting": (date(2026, 3, 1), date(2026, 3, 31))}
    consultation = create(factory, None, commune_ids=[first.id, second.id], phases=phases)
    assert {c.id for c in consultation.communes} == {first.id, second.id}
    assert [p.kind for p in consultation.phases] == ["proposals", "voting"]


def test_choosing_every_commune_stores_none(factory):
    communes = [factory.commune(), factory.commune()]
    consultation = create(factory, None, commune_ids=[c.id for c in communes])
    assert consultation.communes == []


def test_copy_copies_axes_criteria_and_rules_but_no_content(factory):
    admin = factory.user("admin")
    source = factory.consultation(vote_limit=4, premoderation=True, report_threshold=7,
                                  votes_home_commune_only=True)
    source.axes[1].color = "#123456"
    from roadmap.ranking.services import ensure_criteria, set_criteria_weights

    ensure_criteria(source)
    set_criteria_weights(source, admin, {"impact": 40, "territorial_need": 20, "feasibility": 20,
                                         "cost_efficiency": 10, "sdg_gender": 10})
    factory.proposal(source, factory.commune())
    copy = create(factory, admin, slug="copy-of-it", axes="copy", copy_from=source)
    assert [(a.code, a.title_i18n, a.color) for a in copy.axes] == [
        (a.code, a.title_i18n, a.color) for a in source.axes]
    assert {a.id for a in copy.axes}.isdisjoint({a.id for a in source.axes})
    assert (copy.vote_limit, copy.premoderation, copy.report_threshold,
            copy.votes_home_commune_only) == (4, True, 7, True)
    assert criteria(copy) == criteria(source) and criteria(copy)[0] == ("impact", 40)
    assert copy.phases == [] and copy.status == "draft"
    from roadmap.proposals.models import Proposal

    assert db.session.scalar(select(func.count(Proposal.id))
                             .where(Proposal.consultation_id == copy.id)) == 0


@pytest.mark.parametrize("slug, fragment", [
    ("Marrakech-2026", "lowercase"), ("mar rakech", "lowercase"), ("-abc", "lowercase"),
    ("ab", "between"), ("a" * 81, "between"), ("مراكش-2026", "Arabic"), ("", "Enter"),
])
def test_bad_slugs_are_refused_and_nothing_is_written(factory, english_request, slug, fragment):
    factory.prefecture()
    before = (count(Consultation), count(StrategicAxis), count(AuditEntry))
    with pytest.raises(services.ConsultationError) as refused:
        create(factory, None, slug=slug)
    assert fragment in str(refused.value.errors["slug"])
    assert (count(Consultation), count(StrategicAxis), count(AuditEntry)) == before


def test_a_duplicate_slug_is_refused(factory, english_request):
    factory.consultation(slug="taken-one")
    with pytest.raises(services.ConsultationError) as refused:
        create(factory, None, slug="taken-one")
    assert "already" in str(refused.value.errors["slug"])


def test_other_bad_input_is_refused(factory, english_request):
    with pytest.raises(services.ConsultationError) as refused:
        create(factory, None, title={"ar": " ", "fr": ""},
               phases={"proposals": (date(2026, 3, 1), date(2026, 3, 31)),
                       "voting": (date(2026, 2, 1), date(2026, 2, 28))},
               rules={"vote_limit": 0, "report_threshold": 0}, axes="copy")
    assert set(refused.value.errors) >= {"title_ar", "voting_starts_on", "vote_limit",
                                         "report_threshold", "axes"}
    assert count(Consultation) == 0


def test_only_organisers_and_admins_create(factory):
    for role in ("participant", "moderator"):
        with pytest.raises(services.NotAllowed):
            create(factory, factory.user(role))
    assert count(Consultation) == 0


def test_update_changes_details_and_is_audited(factory):
    consultation = create(factory, None)
    commune = factory.commune()
    factory.commune()
    services.update_consultation(consultation, factory.user("organiser"),
                                 title={"en": "Renamed"}, description={"fr": "Desc"},
                                 commune_ids=[commune.id],
                                 rules={"vote_limit": 3, "premoderation": True})
    assert consultation.title_i18n == {"en": "Renamed"} and consultation.vote_limit == 3
    assert [c.id for c in consultation.communes] == [commune.id]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consultation.update"))
    assert entry.before["title"] == TITLE and entry.after["vote_limit"] == 3


def test_a_commune_of_another_prefecture_is_refused(factory, english_request):
    from roadmap.territory.models import Prefecture

    other = Prefecture(code="98.998", name_ar="أخرى", name_fr="Autre")
    db.session.add(other)
    consultation = create(factory, None)
    stranger = factory.commune()
    stranger.prefecture = other
    db.session.flush()
    with pytest.raises(services.ConsultationError) as refused:
        services.update_consultation(consultation, None, title=TITLE, commune_ids=[stranger.id])
    assert "communes" in refused.value.errors


# --- Lifecycle ---------------------------------------------------------------------------------

def test_publish_then_archive_and_refused_transitions(factory, english_request):
    organiser = factory.user("organiser")
    consultation = create(factory, organiser)
    with pytest.raises(services.ConsultationError):
        services.archive_consultation(consultation, organiser)
    services.publish_consultation(consultation, organiser)
    assert consultation.status == "published" and consultation.published_at is not None
    with pytest.raises(services.ConsultationError) as refused:
        services.publish_consultation(consultation, organiser)
    assert "draft" in str(refused.value.errors[""])
    services.archive_consultation(consultation, organiser)
    assert consultation.status == "archived" and consultation.archived_at is not None
    with pytest.raises(services.ConsultationError):
        services.archive_consultation(consultation, organiser)
    with pytest.raises(services.NotAllowed):
        services.publish_consultation(consultation, factory.user("moderator"))
    assert actions()[-2:] == ["consultation.publish", "consultation.archive"]


# --- Axes ----------------------------------------------------------------------------------------

def test_add_rename_colour_and_reorder_axes(factory, english_request):
    admin = factory.user("admin")
    consultation = create(factory, admin, axes="none")
    first = services.add_axis(consultation, admin, title={"fr": "Culture et sport"})
    second = services.add_axis(consultation, admin, title={"ar": "الفلاحة"}, color="#AABBCC")
    assert (first.code, second.code) == ("culture-et-sport", "axis")
    assert second.color == "#aabbcc" and [a.position for a in consultation.axes] == [1, 2]
    services.update_axis(first, admin, title={"ar": "الثقافة", "fr": "Culture"},
                         color="#00ff00")
    assert first.title_i18n == {"ar": "الثقافة", "fr": "Culture"} and first.color == "#00ff00"
    services.move_axis(second, admin, "up")
    assert [a.code for a in consultation.axes] == ["axis", "culture-et-sport"]
    services.move_axis(second, admin, "up")  # already first: nothing moves
    assert [a.code for a in consultation.axes] == ["axis", "culture-et-sport"]
    with pytest.raises(services.ConsultationError):
        services.update_axis(first, admin, title={}, color="green")
    assert first.title_i18n == {"ar": "الثقافة", "fr": "Culture"}
    services.remove_axis(second, admin)
    assert [(a.code, a.position) for a in consultation.axes] == [("culture-et-sport", 1)]
    assert actions()[-5:] == ["axis.add", "axis.add", "axis.update", "axis.move", "axis.remove"]


@pytest.mark.parametrize("used, fragment", [(1, "1 proposal uses"), (3, "3 proposals use")])
def test_an_axis_that_proposals_use_is_not_removed(factory, english_request, used, fragment):
    consultation = factory.consultation()
    commune = factory.commune()
    for _ in range(used):
        factory.proposal(consultation, commune)
    axis = consultation.axes[0]
    with pytest.raises(services.ConsultationError) as refused:
        services.remove_axis(axis, factory.user("organiser"))
    assert fragment in str(refused.value.errors[""])
    assert db.session.get(StrategicAxis, axis.id) is not None
    assert len(consultation.axes) == 4


def test_a_colour_set_on_an_axis_wins_on_the_maps(factory):
    from roadmap.maps.page import AXIS_COLOURS, axis_colours

    consultation = factory.consultation()
    services.update_axis(consultation.axes[1], None, title={"fr": "Axe"}, color="#123abc")
    assert axis_colours(consultation) == {
        "employment": AXIS_COLOURS[0], "social-services": "#123abc",
        "water": AXIS_COLOURS[2], "territorial-upgrading": AXIS_COLOURS[3]}


def test_an_axis_the_roadmap_uses_is_not_removed(factory, english_request):
    from roadmap.roadmaps.models import Roadmap, RoadmapItem

    consultation = factory.consultation()
    axis = consultation.axes[1]
    roadmap = Roadmap(consultation_id=consultation.id)
    roadmap.items.append(RoadmapItem(axis_id=axis.id, rank=1, title_i18n={"fr": "Action"}))
    db.session.add(roadmap)
    db.session.flush()
    with pytest.raises(services.ConsultationError) as refused:
        services.remove_axis(axis, None)
    assert "used" in str(refused.value.errors[""])
    assert db.session.get(StrategicAxis, axis.id) is not None
