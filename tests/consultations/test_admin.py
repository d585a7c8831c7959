"""The consultations back office: pages, forms, refusals, and what each request wrote."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from roadmap.audit.models import AuditEntry
from roadmap.consultations.models import Consultation, StrategicAxis
from roadmap.extensions import db
from tests.conftest import login


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# What a browser sends for the text fields of the edit form left empty.
EMPTY_TEXTS = {f"{name}_{lang}": "" for name in ("title", "description")
               for lang in ("ar", "fr", "en")}


def written() -> tuple:
    return (count(Consultation), count(StrategicAxis), count(AuditEntry))


def form(factory, **fields) -> dict:
    data = {"slug": "agadir-2027", "title_ar": "استشارة أكادير", "title_fr": "",
            "title_en": "", "prefecture": str(factory.prefecture().id), "axes": "national",
            "report_threshold": "3"}
    data.update(fields)
    return data


@pytest.fixture
def organiser(factory, client):
    user = factory.user("organiser")
    login(client, user)
    return user


# --- Access ------------------------------------------------------------------------------------

ROUTES = [("get", "/admin/consultations"), ("get", "/admin/consultations/new"),
          ("post", "/admin/consultations/new"), ("get", "/admin/consultations/{slug}/edit"),
          ("post", "/admin/consultations/{slug}/publish"),
          ("post", "/admin/consultations/{slug}/archive"),
          ("get", "/admin/consultations/{slug}/axes"),
          ("post", "/admin/consultations/{slug}/axes/{axis}/remove")]


@pytest.mark.parametrize("role", ["participant", "moderator"])
def test_participants_and_moderators_are_refused(factory, client, role):
    consultation = factory.consultation(status="draft")
    login(client, factory.user(role))
    before = written()
    for method, path in ROUTES:
        url = path.format(slug=consultation.slug, axis=consultation.axes[-1].id)
        assert getattr(client, method)(url).status_code == 403, url
    assert written() == before


def test_anonymous_visitors_are_sent_to_login(factory, client):
    consultation = factory.consultation()
    for method, path in ROUTES:
        url = path.format(slug=consultation.slug, axis=consultation.axes[-1].id)
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login" in response.location, url


def test_the_list_shows_drafts_status_territory_and_links(factory, client, organiser):
    draft = factory.consultation(status="draft", slug="the-draft")
    factory.consultation(status="archived", slug="the-archived")
    page = client.get("/admin/consultations?lang=en").get_data(as_text=True)
    assert 'data-slug="the-draft" data-status="draft"' in page
    assert 'data-status="archived"' in page and "عمالة الاختبار" not in page  # English names
    assert "Préfecture test" in page
    assert f'href="/admin/consultations/{draft.slug}/axes"' in page
    assert f'href="/c/{draft.slug}"' in page and f'/c/{draft.slug}/settings' in page
    assert 'href="/admin/consultations"' in page  # the back office's navigation entry


def test_admins_see_the_back_office_too(factory, client):
    login(client, factory.user("admin"))
    assert client.get("/admin/consultations/new").status_code == 200


# --- Create ------------------------------------------------------------------------------------

def test_create_a_draft_from_the_form(factory, client, organiser):
    communes = [factory.commune(name_ar="جماعة أ"), factory.commune(name_ar="جماعة ب")]
    page = client.get("/admin/consultations/new").get_data(as_text=True)
    assert "جماعة أ" in page and 'name="slug"' in page and 'id="title_ar"' in page
    assert page.count('type="checkbox" name="communes"') == 2 and page.count(" checked>") >= 2
    response = client.post("/admin/consultations/new", data=form(
        factory, communes=[str(communes[0].id)], vote_limit="٥", report_threshold="١٢",
        proposals_starts_on="2026-02-01", proposals_ends_on="2026-02-28"))
    assert response.status_code == 302
    consultation = db.session.scalar(select(Consultation).where(
        Consultation.slug == "agadir-2027"))
    assert response.location.endswith("/admin/consultations/agadir-2027/edit")
    assert consultation.status == "draft" and consultation.title_i18n == {"ar": "استشارة أكادير"}
    assert (consultation.vote_limit, consultation.report_threshold) == (5, 12)
    assert [c.id for c in consultation.communes] == [communes[0].id]
    assert len(consultation.axes) == 4 and [p.kind for p in consultation.phases] == ["proposals"]
    edit = client.get(response.location).get_data(as_text=True)
    assert 'id="publish-button"' in edit and 'href="/c/agadir-2027"' in edit


def test_the_copy_link_prefills_the_rules_and_copies(factory, client, organiser):
    source = factory.consultation(slug="the-source", vote_limit=9, premoderation=True)
    commune = factory.commune()
    page = client.get("/admin/consultations/new?copy=the-source").get_data(as_text=True)
    assert re.search(r'<option selected value="copy:the-source">|'
                     r'<option value="copy:the-source" selected>', page)
    assert 'value="9"' in page
    response = client.post("/admin/consultations/new", data=form(
        factory, axes="copy:the-source", vote_limit="9", premoderation="y",
        communes=[str(commune.id)]))
    assert response.status_code == 302
    copy = db.session.scalar(select(Consultation).where(Consultation.slug == "agadir-2027"))
    assert [a.code for a in copy.axes] == [a.code for a in source.axes]
    assert copy.premoderation and copy.vote_limit == 9


@pytest.mark.parametrize("fields, field_id, message", [
    ({"slug": "مراكش"}, "slug", "Arabic letters cannot be used"),
    ({"slug": "Agadir 2027"}, "slug", "lowercase Latin letters"),
    ({"slug": "taken-slug"}, "slug", "already has this web address"),
    ({"title_ar": ""}, "title_ar", "at least one language"),
    ({"vote_limit": "خمسة"}, "vote_limit", "whole number"),
    ({"proposals_starts_on": "2026-03-01", "proposals_ends_on": "2026-03-31",
      "voting_starts_on": "2026-02-01", "voting_ends_on": "2026-02-28"},
     "voting_starts_on", "must start after the previous phase"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(factory, client, organiser,
                                                                  fields, field_id, message):
    factory.consultation(slug="taken-slug")
    factory.commune()
    before = written()
    response = client.post("/admin/consultations/new?lang=en", data=form(factory, **fields))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field_id}-error"' in page and message in page
    assert written() == before


def test_the_form_comes_back_as_a_fragment_for_htmx(factory, client, organiser):
    response = client.post("/admin/consultations/new", data=form(factory, slug="x"),
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith("<form")


# --- Edit and lifecycle ------------------------------------------------------------------------

def test_edit_saves_the_details(factory, client, organiser):
    consultation = factory.consultation(status="draft")
    commune = factory.commune()
    factory.commune()
    page = client.get(f"/admin/consultations/{consultation.slug}/edit").get_data(as_text=True)
    assert 'name="title_fr"' in page and 'name="communes"' in page
    response = client.post(f"/admin/consultations/{consultation.slug}/edit", data={
        **EMPTY_TEXTS, "title_fr": "Titre changé", "communes": [str(commune.id)], "report_threshold": "٤"})
    assert response.status_code == 302
    assert consultation.title_i18n == {"fr": "Titre changé"} and consultation.report_threshold == 4
    assert [c.id for c in consultation.communes] == [commune.id]


def test_edit_refuses_an_empty_title(factory, client, organiser):
    consultation = factory.consultation()
    commune = factory.commune()
    before = (written(), dict(consultation.title_i18n))
    response = client.post(f"/admin/consultations/{consultation.slug}/edit?lang=en",
                           data={**EMPTY_TEXTS, "communes": [str(commune.id)],
                                 "report_threshold": "3"})
    assert response.status_code == 422
    assert "at least one language" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (written(), dict(consultation.title_i18n)) == before


def test_publish_and_archive_buttons(factory, client, organiser):
    consultation = factory.consultation(status="draft")
    base = f"/admin/consultations/{consultation.slug}"
    assert client.post(f"{base}/archive").status_code == 302  # refused: still a draft
    assert consultation.status == "draft"
    assert client.post(f"{base}/publish").status_code == 302
    assert consultation.status == "published"
    page = client.get(f"{base}/edit").get_data(as_text=True)
    assert 'id="archive-button"' in page
    client.post(f"{base}/archive")
    assert consultation.status == "archived"
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["consultation.publish", "consultation.archive"]


# --- Axes ----------------------------------------------------------------------------------------

def test_axes_page_add_rename_move_remove(factory, client, organiser):
    consultation = factory.consultation(status="draft")
    base = f"/admin/consultations/{consultation.slug}/axes"
    page = client.get(base).get_data(as_text=True)
    assert page.count('type="color"') == 5 and 'name="direction" value="up"' in page
    assert client.post(base, data={"new-title_fr": "Culture", "new-color": "#ff0000"}
                       ).status_code == 302
    added = consultation.axes[-1]
    assert added.title_i18n == {"fr": "Culture"} and added.color == "#ff0000"
    assert client.post(f"{base}/{added.id}", data={
        f"axis-{added.id}-title_ar": "الثقافة", f"axis-{added.id}-color": "#00ff00",
        f"axis-{added.id}-palette_color": "y"}).status_code == 302
    assert added.title_i18n == {"ar": "الثقافة"} and added.color is None
    assert client.post(f"{base}/{added.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire(consultation, ["axes"])
    assert consultation.axes[3].id == added.id
    assert client.post(f"{base}/{added.id}/remove").status_code == 302
    assert db.session.get(StrategicAxis, added.id) is None


def test_axes_bad_input_is_refused(factory, client, organiser):
    consultation = factory.consultation()
    factory.proposal(consultation, factory.commune())
    factory.proposal(consultation, factory.commune())
    base = f"/admin/consultations/{consultation.slug}/axes"
    axis = consultation.axes[0]
    before = written()
    response = client.post(f"{base}/{axis.id}/remove?lang=en")
    assert response.status_code == 422
    assert "2 proposals use this axis" in response.get_data(as_text=True)
    assert client.post(f"{base}?lang=en", data={"new-color": "#ff0000"}).status_code == 422
    assert client.post(f"{base}/{axis.id}/move", data={"direction": "sideways"}
                       ).status_code == 422
    assert client.post(f"{base}/{axis.id}", data={f"axis-{axis.id}-color": "#ff0000"}
                       ).status_code == 422
    assert written() == before
    other = factory.consultation()
    assert client.post(f"{base}/{other.axes[0].id}/remove").status_code == 404


def test_communes_of_another_prefecture_do_not_count(factory, client, organiser):
    from roadmap.territory.models import Prefecture

    other = Prefecture(code="98.998", name_ar="عمالة أخرى", name_fr="Autre préfecture")
    db.session.add(other)
    own, stranger = factory.commune(), factory.commune()
    factory.commune()
    stranger.prefecture = other
    db.session.flush()
    page = client.get("/admin/consultations/new").get_data(as_text=True)
    assert 'data-prefecture="98.998"' in page and "عمالة أخرى" in page
    response = client.post("/admin/consultations/new", data=form(
        factory, communes=[str(own.id), str(stranger.id)]))
    assert response.status_code == 302
    created = db.session.scalar(select(Consultation).where(Consultation.slug == "agadir-2027"))
    assert [c.id for c in created.communes] == [own.id]
