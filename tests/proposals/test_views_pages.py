"""The proposal page: who sees which proposal, status notices, author actions, languages."""
from __future__ import annotations

import pytest

from roadmap.core.models import utcnow
from tests.conftest import login


def _url(proposal) -> str:
    return f"/c/{proposal.consultation.slug}/proposals/{proposal.id}"


def test_a_pending_proposal_is_seen_by_its_author_only(client, factory, consultation, commune,
                                                       citizen):
    proposal = factory.proposal(consultation, commune, citizen, status="pending")
    assert client.get(_url(proposal)).status_code == 404
    login(client, factory.user())
    assert client.get(_url(proposal)).status_code == 404
    login(client, citizen)
    response = client.get(_url(proposal))
    assert response.status_code == 200
    assert "awaits a moderator" in response.get_data(as_text=True)
    login(client, factory.user("moderator"))
    assert client.get(_url(proposal)).status_code == 200


def test_a_hidden_proposal_shows_its_reason_to_all_and_its_text_to_its_author(
        client, factory, consultation, commune, citizen):
    proposal = factory.proposal(consultation, commune, citizen, hidden_at=utcnow(),
                                hidden_reason="Contient des données personnelles.",
                                hidden_cause="moderator", body="Le texte caché.")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    public = client.get(_url(proposal))
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "Hidden by the moderators: Contient des données personnelles." in html
    assert "Le texte caché." not in html and proposal.title not in html
    login(client, citizen)
    html = client.get(_url(proposal)).get_data(as_text=True)
    assert "Hidden by the moderators: Contient des données personnelles." in html
    assert "Le texte caché." in html
    assert "/edit" not in html                       # hidden proposals are not edited


def test_the_author_sees_edit_and_withdraw_others_do_not(client, factory, consultation, commune,
                                                          citizen):
    proposal = factory.proposal(consultation, commune, citizen)
    edit = f'href="{_url(proposal)}/edit"'
    withdraw = f'action="{_url(proposal)}/withdraw"'
    html = client.get(_url(proposal)).get_data(as_text=True)
    assert edit not in html and withdraw not in html
    login(client, citizen)
    html = client.get(_url(proposal)).get_data(as_text=True)
    assert edit in html and withdraw in html
    proposal.comments_count = 1
    html = client.get(_url(proposal)).get_data(as_text=True)
    assert edit not in html and withdraw in html
    assert "can no longer be edited: it has received supports or comments" in html


def test_plain_text_is_escaped_and_keeps_its_line_breaks(client, factory, consultation, commune):
    proposal = factory.proposal(consultation, commune, body="First line\nsecond line\n\n"
                                "<script>alert(1)</script> & more")
    html = client.get(_url(proposal)).get_data(as_text=True)
    assert "<p>First line<br>second line</p>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<script>alert(1)" not in html


def test_a_workshop_proposal_is_attributed_to_the_workshop(client, factory, consultation,
                                                           commune):
    from datetime import date

    from roadmap.consultations.models import Workshop
    from roadmap.extensions import db

    workshop = Workshop(consultation=consultation, title="Atelier des femmes",
                        held_on=date(2026, 4, 2), place="Foyer féminin")
    db.session.add(workshop)
    organiser = factory.user("organiser", display_name="Organiser Name")
    proposal = factory.proposal(consultation, commune, organiser, origin="workshop",
                                workshop=workshop, show_of_hands=25)
    html = client.get(_url(proposal)).get_data(as_text=True)
    assert "Workshop: Atelier des femmes, April 2, 2026" in html
    assert "Organiser Name" not in html
    assert "Hands raised at the workshop" in html and ">25 <" in html


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_pages_render_in_each_language(client, factory, consultation, commune, citizen,
                                           lang):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    proposal = factory.proposal(consultation, commune, citizen, estimated_cost_mad=1_500_000,
                                sdg_goals=[6], latitude=31.63, longitude=-7.99)
    login(client, citizen)
    slug = consultation.slug
    for url in (f"/c/{slug}", f"/c/{slug}/proposals", f"/c/{slug}/proposals/new", _url(proposal),
                f"/c/{slug}/communes/{commune.code}", f"{_url(proposal)}/edit"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    assert "data-proposal-map" in client.get(_url(proposal)).get_data(as_text=True)
