"""The proposal list: filters, search, sorts, pagination, htmx fragments, statement count."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.proposals.queries import ProposalFilters, filtered_proposals
from roadmap.proposals.text import fold
from tests.proposals.conftest import HX
from tests.proposals.helpers import count_statements


def _proposal(factory, consultation, commune, title, **fields):
    """A proposal with its folded search text, as the services would store it."""
    body = fields.pop("body", "A proposal made for the tests of the list.")
    axis = fields.pop("axis", consultation.axes[0])
    proposal = factory.proposal(consultation, commune, fields.pop("author", None), title=title,
                                body=body, search_text=fold(f"{title}\n{body}"), **fields)
    proposal.axis = axis
    db.session.flush()
    return proposal


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', html)


def _list(client, consultation, query: str = "", **headers) -> str:
    response = client.get(f"/c/{consultation.slug}/proposals{query}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def catalogue(factory, consultation, commune):
    """Six proposals differing in commune, axis, status, author type, origin and counters."""
    other = factory.commune(name_fr="Autre commune")
    association = factory.user(stakeholder_type="association")
    axes = consultation.axes
    rows = {
        "school": _proposal(factory, consultation, commune, "المدرسة الجديدة للدوار",
                            supports_count=9, comments_count=1, author_stakeholder_type="citizen"),
        "water": _proposal(factory, consultation, other, "Eau potable pour le douar",
                           axis=axes[2], supports_count=3, comments_count=7,
                           author=association, author_stakeholder_type="association"),
        "road": _proposal(factory, consultation, commune, "Goudronner la piste",
                          axis=axes[3], supports_count=5, author_stakeholder_type="citizen"),
        "workshop": _proposal(factory, consultation, other, "Salle de sport", origin="workshop",
                              supports_count=1),
        "withdrawn": _proposal(factory, consultation, commune, "Retirée par son auteur",
                               status="withdrawn", withdrawn_at=utcnow()),
        "pending": _proposal(factory, consultation, commune, "En attente de modération",
                             status="pending"),
        "hidden": _proposal(factory, consultation, commune, "Cachée par un modérateur",
                            hidden_at=utcnow()),
    }
    for age, key in enumerate(("school", "water", "road", "workshop")):
        rows[key].created_at = utcnow() - timedelta(days=age)
    db.session.flush()
    return rows


def test_the_list_shows_public_proposals_only(client, consultation, catalogue):
    titles = set(_titles(_list(client, consultation)))
    assert titles == {"المدرسة الجديدة للدوار", "Eau potable pour le douar", "Goudronner la piste",
                      "Salle de sport"}


@pytest.mark.parametrize(("query", "expected"), [
    ("?commune={commune}", {"المدرسة الجديدة للدوار", "Goudronner la piste"}),
    ("?axis=water", {"Eau potable pour le douar"}),
    ("?status=withdrawn", {"Retirée par son auteur"}),
    ("?stakeholder=association", {"Eau potable pour le douar"}),
    ("?origin=workshop", {"Salle de sport"}),
    ("?origin=online&commune={commune}&axis=territorial-upgrading", {"Goudronner la piste"}),
    ("?q=eau+POTABLE", {"Eau potable pour le douar"}),
    ("?q=douar", {"Eau potable pour le douar"}),
    ("?q=الدوار", {"المدرسة الجديدة للدوار"}),
    ("?status=pending", {"المدرسة الجديدة للدوار", "Eau potable pour le douar",
                         "Goudronner la piste", "Salle de sport"}),   # not a listed status
    ("?axis=no-such-axis", {"المدرسة الجديدة للدوار", "Eau potable pour le douar",
                            "Goudronner la piste", "Salle de sport"}),
])
def test_each_filter(client, consultation, commune, catalogue, query, expected):
    html = _list(client, consultation, query.format(commune=commune.code))
    assert set(_titles(html)) == expected


@pytest.mark.parametrize("query", ["المدرسه", "المدرسة", "مدرسة", "المَدْرَسَة", "المدرســة",
                                   "الجديده مدرسه"])
def test_arabic_search_ignores_spelling_variants(client, consultation, catalogue, query):
    html = _list(client, consultation, f"?q={query}")
    assert _titles(html) == ["المدرسة الجديدة للدوار"]


def test_search_needs_every_word(client, consultation, catalogue):
    assert _titles(_list(client, consultation, "?q=douar+potable")) == ["Eau potable pour le douar"]
    assert _titles(_list(client, consultation, "?q=douar+piste")) == []


@pytest.mark.parametrize(("sort", "expected"), [
    ("supported", ["المدرسة الجديدة للدوار", "Goudronner la piste", "Eau potable pour le douar",
                   "Salle de sport"]),
    ("discussed", ["Eau potable pour le douar", "المدرسة الجديدة للدوار"]),
    ("newest", ["المدرسة الجديدة للدوار", "Eau potable pour le douar", "Goudronner la piste",
                "Salle de sport"]),
])
def test_sorts(client, consultation, catalogue, sort, expected):
    titles = _titles(_list(client, consultation, f"?sort={sort}"))
    assert titles[:len(expected)] == expected


def test_the_random_order_is_stable_for_a_visitor_and_differs_between_seeds(
        client, factory, consultation, commune):
    for n in range(30):
        factory.proposal(consultation, commune, title=f"Proposal number {n:02d}")
    first = _titles(_list(client, consultation, "?sort=random"))
    assert _titles(_list(client, consultation, "?sort=random")) == first
    assert _titles(_list(client, consultation)) == first          # random is the default
    assert len(first) == 20
    orders = {tuple(p.id for p in filtered_proposals(
        consultation, ProposalFilters(), "random", seed, per_page=30).items)
        for seed in (1, 2, 12345, 2**31 - 2)}
    assert len(orders) == 4
    assert all(sorted(order) == sorted(next(iter(orders))) for order in orders)


def test_pages_of_twenty_with_links_that_keep_the_filters(client, factory, consultation,
                                                          commune):
    for n in range(25):
        _proposal(factory, consultation, commune, f"Proposal number {n:02d}",
                  axis=consultation.axes[1])
    html = _list(client, consultation, "?axis=social-services&sort=newest")
    assert len(_titles(html)) == 20 and "25 proposals" in html
    links = re.findall(r'<a href="([^"]+)" hx-get="[^"]+"[^>]*rel="next"', html)
    assert links and "axis=social-services" in links[0] and "sort=newest" in links[0]
    assert "page=2" in links[0]
    second = _list(client, consultation, links[0].replace("&amp;", "&").split("/proposals")[1])
    assert len(_titles(second)) == 5
    assert set(_titles(second)).isdisjoint(_titles(html))
    assert len(_titles(_list(client, consultation, "?axis=social-services&page=99"))) == 5


def test_htmx_gets_the_results_fragment_and_others_the_page(client, consultation, catalogue):
    fragment = _list(client, consultation, "?q=piste", **HX)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="proposal-results"')
    assert _titles(fragment) == ["Goudronner la piste"]
    page = client.get(f"/c/{consultation.slug}/proposals?q=piste")
    html = page.get_data(as_text=True)
    assert "<html" in html and 'id="proposal-results"' in html and 'role="search"' in html
    assert "HX-Request" in page.headers["Vary"]
    assert 'hx-push-url="true"' in html and 'method="get"' in html
    restored = _list(client, consultation, "?q=piste", **HX, **{"HX-History-Restore-Request":
                                                                 "true"})
    assert "<html" in restored


def test_the_filters_keep_their_values(client, consultation, commune, catalogue):
    html = _list(client, consultation, f"?q=piste&commune={commune.code}&sort=newest")
    assert 'value="piste"' in html
    assert f'<option selected value="{commune.code}">' in html
    assert '<option selected value="newest">' in html


def test_the_page_costs_the_same_statements_for_5_or_20_rows(client, factory, consultation,
                                                             commune, citizen):
    from tests.conftest import login

    login(client, citizen)
    for n in range(5):
        _proposal(factory, consultation, factory.commune(), f"Proposal number {n:02d}",
                  axis=consultation.axes[n % 4])
    url = f"/c/{consultation.slug}/proposals?sort=newest"
    client.get(url)                                   # warm caches (session seed, locale)
    with count_statements() as five:
        html = client.get(url).get_data(as_text=True)
    assert len(_titles(html)) == 5
    for n in range(5, 25):
        _proposal(factory, consultation, factory.commune(), f"Proposal number {n:02d}",
                  axis=consultation.axes[n % 4])
    with count_statements() as twenty:
        html = client.get(url).get_data(as_text=True)
    assert len(_titles(html)) == 20
    assert len(twenty) == len(five), "\n".join(twenty)


def test_the_commune_page_lists_its_proposals_figures_and_participation(
        client, factory, consultation, commune, catalogue):
    from roadmap.participation.models import Comment, Vote

    voter, commenter = factory.user(), factory.user()
    school = catalogue["school"]
    author = factory.user()
    school.author = author
    for user in (voter, commenter, author):           # the author supports their own too
        db.session.add(Vote(proposal_id=school.id, user_id=user.id))
    db.session.add(Comment(proposal_id=school.id, author_id=commenter.id, body="Oui."))
    db.session.flush()
    response = client.get(f"/c/{consultation.slug}/communes/{commune.code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Douar Test</h1>" in html and "15,000" in html
    assert set(_titles(html)) == {"المدرسة الجديدة للدوار", "Goudronner la piste"}
    figures = dict(re.findall(r"<dt>([^<]+)</dt>\s*<dd>([^<]+)</dd>", html))
    assert figures["Proposals"] == "2" and figures["Supports"] == "14"
    assert figures["Participants"] == "3"                      # author, voter, commenter
    assert figures["Participants per 1,000 inhabitants"] == "0.2"  # 3 of 15,000
    fragment = client.get(f"/c/{consultation.slug}/communes/{commune.code}?q=piste",
                          headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and _titles(fragment) == ["Goudronner la piste"]
    assert client.get(f"/c/{consultation.slug}/communes/nowhere").status_code == 404


def test_the_commune_page_shows_census_indicators(client, marrakech):
    html = client.get(f"/c/{marrakech.slug}/communes/marrakech-medina").get_data(as_text=True)
    assert "Marrakech-Médina" in html
    assert "Unemployment rate" in html and "Census indicators" in html


def test_the_overview_links_to_the_list_the_form_and_the_communes(client, consultation,
                                                                  commune, catalogue):
    html = client.get(f"/c/{consultation.slug}").get_data(as_text=True)
    assert f'href="/c/{consultation.slug}/proposals"' in html
    assert f"/c/{consultation.slug}/proposals/new" in html       # through the login page
    assert f'href="/c/{consultation.slug}/communes/{commune.code}"' in html
    assert "Salle de sport" in html and "Cachée par un modérateur" not in html


def test_odd_query_strings_do_not_break_the_list(client, factory, consultation, commune):
    for n in range(21):
        factory.proposal(consultation, commune, title=f"Proposal number {n:02d}")
    for query in ("?slug=other&page=x", "?_external=1", "?sort=../../etc&status=hidden",
                  "?q=%25%5F%5C", "?page=-3", "?commune=nowhere"):
        html = _list(client, consultation, query)
        assert 'id="proposal-results"' in html, query
