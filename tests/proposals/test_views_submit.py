"""Submitting, checking similar proposals, locating, editing, withdrawing, through HTTP."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from roadmap.consultations.models import Workshop
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from tests.conftest import login
from tests.proposals.conftest import CASABLANCA, HX, JEMAA_EL_FNA, valid_fields


def _count(consultation) -> int:
    return db.session.scalar(select(func.count(Proposal.id)).where(
        Proposal.consultation_id == consultation.id))


def _new_url(consultation) -> str:
    return f"/c/{consultation.slug}/proposals/new"


def test_the_form_shows_every_field_and_the_map_picker(client, consultation, commune, citizen):
    login(client, citizen)
    response = client.get(_new_url(consultation))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for label in ("Title", "Description", "Commune", "Strategic axis", "Estimated cost (MAD)",
                  "Beneficiaries", "Sustainable Development Goals", "Quality education",
                  "Partnerships for the goals"):
        assert label in html
    assert html.count('name="sdg_goals"') == 17
    assert 'name="organisation"' not in html          # a citizen speaks for themself
    assert "data-map-picker" in html and 'data-geojson-url="/api/v1/communes.geojson"' in html
    assert f'data-locate-url="/c/{consultation.slug}/proposals/locate"' in html
    assert "vendor/leaflet-1.9.4/images/" in html and "js/proposal-form.js" in html
    assert 'hx-trigger="input changed delay:500ms"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"


def test_an_association_gets_the_organisation_prefilled(client, consultation, factory):
    member = factory.user(stakeholder_type="association", organisation="Association Amal")
    login(client, member)
    html = client.get(_new_url(consultation)).get_data(as_text=True)
    assert re.search(r'name="organisation"[^>]*value="Association Amal"', html)


def test_visitors_are_sent_to_the_login_page(client, consultation):
    response = client.get(_new_url(consultation))
    assert response.status_code == 302 and "/login" in response.location


def test_a_valid_proposal_is_published_and_shown(client, consultation, commune, citizen):
    login(client, citizen)
    response = client.post(_new_url(consultation), data=valid_fields(
        consultation, commune, estimated_cost_mad="1 250 000", sdg_goals=["4", "10"],
        beneficiaries="Two hundred pupils"))
    proposal = db.session.scalar(select(Proposal).where(Proposal.author_id == citizen.id))
    assert response.status_code == 302
    assert response.location.endswith(f"/c/{consultation.slug}/proposals/{proposal.id}")
    assert proposal.status == "published" and proposal.commune_id == commune.id
    assert proposal.search_text == "build a school in the douar the children walk six " \
                                   "kilometres to the nearest school every day"
    assert proposal.estimated_cost_mad == 1_250_000 and proposal.sdg_goals == [4, 10]
    html = client.get(response.location).get_data(as_text=True)
    assert "Thank you. Your proposal is published." in html
    assert "1,250,000 MAD" in html
    assert "Quality education" in html and "Reduced inequalities" in html
    assert "Two hundred pupils" in html and "Citizen" in html


def test_similar_proposals_are_shown_once_before_publishing(client, consultation, commune,
                                                           citizen, factory):
    existing = factory.proposal(consultation, commune, factory.user(),
                                title="بناء مدرسة في الدوار")
    login(client, citizen)
    data = valid_fields(consultation, commune, title="بناء المدرسـة بالدوار")
    response = client.post(_new_url(consultation), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _count(consultation) == 1
    assert "Similar proposals already made" in html and existing.title in html
    assert "Support this one instead" in html
    assert f'href="/c/{consultation.slug}/proposals/{existing.id}#proposal-{existing.id}-' \
           f'participation"' in html
    assert 'name="confirmed" type="hidden" value="1"' in html and "Publish my proposal" in html
    assert "بناء المدرسـة بالدوار" in html                       # what was typed is kept
    response = client.post(_new_url(consultation), data=data | {"confirmed": "1"})
    assert response.status_code == 302 and _count(consultation) == 2


def test_an_invalid_proposal_is_shown_again_with_errors_and_values(client, consultation,
                                                                  commune, citizen):
    login(client, citizen)
    response = client.post(_new_url(consultation), data=valid_fields(
        consultation, commune, title="Short", estimated_cost_mad="lots", axis_id=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _count(consultation) == 0
    assert re.search(r'id="title-error">\s*<li>Field must be between 10 and 140', html)
    assert 'id="axis_id-error"><li>Choose the strategic axis.' in html
    assert 'id="estimated_cost_mad-error"' in html
    assert 'value="Short"' in html and "six kilometres to the nearest school" in html
    assert 'aria-invalid="true"' in html


def test_a_point_outside_the_prefecture_is_refused(client, marrakech, factory):
    from roadmap.territory.queries import commune_by_code

    login(client, factory.user())
    gueliz = commune_by_code("marrakech-gueliz")
    response = client.post(_new_url(marrakech), data=valid_fields(
        marrakech, gueliz, latitude=str(CASABLANCA[0]), longitude=str(CASABLANCA[1])))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _count(marrakech) == 0
    assert 'id="latitude-error"' in html and "This point is outside the prefecture." in html


def test_a_point_in_the_medina_sets_the_commune(client, marrakech, factory):
    from roadmap.territory.queries import commune_by_code

    login(client, factory.user())
    gueliz = commune_by_code("marrakech-gueliz")
    response = client.post(_new_url(marrakech), data=valid_fields(
        marrakech, gueliz, latitude=str(JEMAA_EL_FNA[0]), longitude=str(JEMAA_EL_FNA[1])))
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal).where(
        Proposal.consultation_id == marrakech.id))
    assert proposal.commune.code == "marrakech-medina"
    assert (proposal.latitude, proposal.longitude) == JEMAA_EL_FNA
    html = client.get(response.location).get_data(as_text=True)
    assert "data-proposal-map" in html and 'data-code="marrakech-medina"' in html


def test_locate_answers_the_commune_or_422(client, marrakech):
    url = f"/c/{marrakech.slug}/proposals/locate"
    found = client.get(f"{url}?lat={JEMAA_EL_FNA[0]}&lon={JEMAA_EL_FNA[1]}")
    assert found.status_code == 200
    assert found.json["code"] == "marrakech-medina" and found.json["name"] == "Marrakech-Médina"
    outside = client.get(f"{url}?lat={CASABLANCA[0]}&lon={CASABLANCA[1]}")
    assert outside.status_code == 422 and "outside the prefecture" in outside.json["error"]
    assert client.get(f"{url}?lat=abc").status_code == 422


def test_locate_answers_in_the_users_language(client, marrakech):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ar"
    found = client.get(f"/c/{marrakech.slug}/proposals/locate?lat={JEMAA_EL_FNA[0]}"
                       f"&lon={JEMAA_EL_FNA[1]}")
    assert found.json["name"] == "مراكش المدينة"


def test_submitting_in_a_closed_phase_is_refused_and_changes_nothing(client, factory, commune,
                                                                    citizen):
    consultation = factory.consultation("voting")
    login(client, citizen)
    response = client.post(_new_url(consultation), data=valid_fields(consultation, commune))
    assert response.status_code == 302 and response.location.endswith(f"/c/{consultation.slug}")
    assert _count(consultation) == 0
    html = client.get(response.location).get_data(as_text=True)
    assert "Proposals can only be made during the proposals phase." in html
    refused = client.post(_new_url(consultation), data=valid_fields(consultation, commune),
                          headers=HX)
    assert refused.status_code == 409 and "proposals phase" in refused.get_data(as_text=True)
    assert _count(consultation) == 0


def test_the_similar_fragment_follows_the_title(client, consultation, commune, factory):
    factory.proposal(consultation, commune, factory.user(), title="Éclairage public du quartier")
    url = f"/c/{consultation.slug}/proposals/similar"
    fragment = client.get(f"{url}?title=eclairage+publique&commune_id={commune.id}", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="similar-proposals"')
    assert "Éclairage public du quartier" in html
    other = factory.commune()
    html = client.get(f"{url}?title=eclairage+public&commune_id={other.id}",
                      headers=HX).get_data(as_text=True)
    assert "Éclairage public du quartier" not in html and "No similar proposal" in html
    page = client.get(f"{url}?title=eclairage+public")
    assert "<html" in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]


def test_the_author_edits_the_proposal(client, consultation, commune, citizen, factory):
    proposal = factory.proposal(consultation, commune, citizen, title="The first title here",
                                body="A body long enough to be a valid proposal text.")
    url = f"/c/{consultation.slug}/proposals/{proposal.id}/edit"
    login(client, citizen)
    html = client.get(url).get_data(as_text=True)
    assert 'value="The first title here"' in html
    response = client.post(url, data=valid_fields(consultation, commune,
                                                  title="A better title for it"))
    assert response.status_code == 302
    assert proposal.title == "A better title for it"
    assert proposal.search_text.startswith("a better title for it")


def test_someone_elses_proposal_cannot_be_edited(client, consultation, commune, citizen,
                                                 factory):
    proposal = factory.proposal(consultation, commune, citizen, title="The original title")
    login(client, factory.user())
    url = f"/c/{consultation.slug}/proposals/{proposal.id}/edit"
    assert client.get(url).status_code == 403
    response = client.post(url, data=valid_fields(consultation, commune, title="Hijacked title"))
    assert response.status_code == 403
    db.session.refresh(proposal)
    assert proposal.title == "The original title"


def test_a_supported_proposal_is_locked(client, consultation, commune, citizen, factory):
    proposal = factory.proposal(consultation, commune, citizen, title="The original title",
                                supports_count=1)
    login(client, citizen)
    url = f"/c/{consultation.slug}/proposals/{proposal.id}/edit"
    response = client.post(url, data=valid_fields(consultation, commune, title="Changed title"))
    assert response.status_code == 302
    assert "supports or comments" in client.get(response.location).get_data(as_text=True)
    assert client.post(url, data=valid_fields(consultation, commune), headers=HX).status_code == 409
    db.session.refresh(proposal)
    assert proposal.title == "The original title"


def test_the_author_withdraws_and_the_proposal_stays_readable(client, consultation, commune,
                                                             citizen, factory):
    proposal = factory.proposal(consultation, commune, citizen)
    url = f"/c/{consultation.slug}/proposals/{proposal.id}"
    login(client, factory.user())
    assert client.post(f"{url}/withdraw").status_code == 403
    assert proposal.status == "published"
    login(client, citizen)
    assert "Withdraw this proposal" in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/withdraw")
    assert response.status_code == 302 and proposal.status == "withdrawn"
    login(client, factory.user())
    page = client.get(url)
    assert page.status_code == 200
    assert "was withdrawn by its author" in page.get_data(as_text=True)


def _workshop(consultation, commune) -> Workshop:
    workshop = Workshop(consultation=consultation, title="Atelier de Tassoultante",
                        held_on=date(2026, 3, 14), place="Maison des jeunes")
    workshop.communes.append(commune)
    db.session.add(workshop)
    db.session.flush()
    return workshop


def test_an_organiser_enters_a_workshop_proposal(client, consultation, commune, factory):
    workshop = _workshop(consultation, commune)
    url = f"/c/{consultation.slug}/workshops/{workshop.id}/proposals/new"
    login(client, factory.user())
    assert client.get(url).status_code == 403
    login(client, factory.user("organiser"))
    html = client.get(url).get_data(as_text=True)
    assert "Hands raised at the workshop" in html and "diagnosis, proposals and voting" in html
    assert f'<option selected value="{commune.id}">' in html
    response = client.post(url, data=valid_fields(consultation, commune, show_of_hands="42"))
    assert response.status_code == 302
    assert response.location.endswith(f"/c/{consultation.slug}/workshops/{workshop.id}")
    workshop_page = client.get(response.location).get_data(as_text=True)
    assert "Proposals from this workshop" in workshop_page
    assert "Build a school in the douar" in workshop_page
    proposal = db.session.scalar(select(Proposal).where(
        Proposal.consultation_id == consultation.id))
    assert (proposal.origin, proposal.workshop_id, proposal.show_of_hands) == (
        "workshop", workshop.id, 42)
    assert proposal.supports_count == 0
    html = client.get(f"/c/{consultation.slug}/proposals/{proposal.id}").get_data(as_text=True)
    assert "Workshop: Atelier de Tassoultante, March 14, 2026" in html
    assert "(counted apart from the online supports)" in html


def test_the_workshop_fragment_lists_its_proposals(app, consultation, commune, factory):
    from flask import render_template

    workshop = _workshop(consultation, commune)
    factory.proposal(consultation, commune, factory.user("organiser"), origin="workshop",
                     workshop=workshop, show_of_hands=12, title="Salle de sport au douar")
    factory.proposal(consultation, commune, factory.user(), title="An online one, not listed")
    html = render_template("proposals/_workshop_proposals.html", workshop=workshop)
    assert "Salle de sport au douar" in html and ">12<" in html
    assert "An online one" not in html
