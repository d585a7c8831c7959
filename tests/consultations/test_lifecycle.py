"""A consultation's lifecycle: a draft leaks nowhere, an archived one is read-only, and the
home page lists them in sections with their figures.

One published consultation (proposals phase, voting open too) and one draft (proposals phase) share the test
prefecture; the draft is the more recent, so anything "most recent" would pick it if it leaked.
"""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from roadmap.consultations.models import Workshop
from roadmap.consultations.policies import can_view_consultation, lifecycle_refusal
from roadmap.exports.services import build_export
from roadmap.extensions import db
from roadmap.moderation.models import Report
from roadmap.participation.models import Comment, CommentLike, Follow, Vote
from roadmap.participation.services import post_comment
from roadmap.proposals.models import Proposal
from tests.conftest import login

DRAFT_TITLE = "Draft-only proposal about a secret well"
PUBLIC_TITLE = "Published proposal about the public garden"


@pytest.fixture
def world(app, factory):
    """The published consultation, the draft, their proposals, and one user per role."""
    commune = factory.commune(code="test-lifecycle-commune")
    published = factory.consultation("proposals", slug="published-one",
                                     voting_during_proposals=True)
    public_proposal = factory.proposal(published, commune, factory.user(), title=PUBLIC_TITLE,
                                       latitude=31.63, longitude=-7.99)
    draft = factory.consultation("proposals", slug="draft-one", status="draft")
    draft_proposal = factory.proposal(draft, commune, factory.user(), title=DRAFT_TITLE,
                                      latitude=31.63, longitude=-7.99)
    workshop = Workshop(consultation=draft, title="Draft workshop", held_on=draft.phases[0]
                        .starts_on, place="Town hall")
    db.session.add(workshop)
    db.session.flush()
    users = {role: factory.user(role) for role in ("participant", "moderator", "organiser",
                                                   "admin")}
    users["blocked"] = factory.user(blocked_at=func.now())
    db.session.commit()  # a savepoint: a refused request's rollback keeps the scene
    return {"published": published, "draft": draft, "commune": commune,
            "public_proposal": public_proposal, "draft_proposal": draft_proposal,
            "workshop": workshop, "users": users}


def _as(client, world, role):
    if role != "anonymous":
        login(client, world["users"][role])
    return client


# --- the rule ----------------------------------------------------------------------------------

def test_only_organisers_and_admins_see_a_draft(world):
    draft, published, users = world["draft"], world["published"], world["users"]
    for role in ("participant", "moderator", "blocked"):
        assert not can_view_consultation(users[role], draft)
        assert can_view_consultation(users[role], published)
    assert not can_view_consultation(None, draft)
    assert can_view_consultation(users["organiser"], draft)
    assert can_view_consultation(users["admin"], draft)


def _draft_urls(app, world) -> list[tuple[str, str]]:
    """(method, url) of every route under /c/<slug>, pointed at the draft's records."""
    values = {"slug": world["draft"].slug, "proposal_id": world["draft_proposal"].id,
              "workshop_id": world["workshop"].id, "code": world["commune"].code,
              "item_id": 1, "run_id": 1, "name": "proposals", "ext": "csv", "job_id": "x"}
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/c/<slug>"):
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", str(values[argument]))
            url = url.replace(f"<int:{argument}>", str(values[argument]))
        for method in sorted(rule.methods & {"GET", "POST"}):
            found.append((method, url))
    assert len(found) > 30  # every domain's pages are there
    return found


@pytest.mark.parametrize("role", ["anonymous", "participant", "blocked", "moderator"])
def test_every_url_of_a_draft_is_not_found_for_everyone_else(app, client, world, role):
    _as(client, world, role)
    before = (db.session.scalar(select(func.count(Proposal.id))),
              db.session.scalar(select(func.count(Vote.id))),
              db.session.scalar(select(func.count(Comment.id))))
    for method, url in _draft_urls(app, world):
        response = client.open(url, method=method, data={"comment-body": "Hello there"})
        assert response.status_code == 404, (method, url, response.status_code)
        assert DRAFT_TITLE not in response.get_data(as_text=True)
    db.session.expire_all()
    assert before == (db.session.scalar(select(func.count(Proposal.id))),
                      db.session.scalar(select(func.count(Vote.id))),
                      db.session.scalar(select(func.count(Comment.id))))


PREVIEWED = ["", "/proposals", "/proposals/{proposal}", "/communes/{commune}", "/map",
             "/workshops", "/workshops/{workshop}", "/exports", "/dashboard", "/need"]


@pytest.mark.parametrize("role", ["organiser", "admin"])
def test_organisers_and_admins_preview_a_draft_with_its_banner(client, world, role):
    _as(client, world, role)
    base = f"/c/{world['draft'].slug}"
    for path in PREVIEWED:
        url = base + path.format(proposal=world["draft_proposal"].id,
                                 commune=world["commune"].code, workshop=world["workshop"].id)
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'data-lifecycle="draft"' in response.get_data(as_text=True), url
    published = client.get(f"/c/{world['published'].slug}").get_data(as_text=True)
    assert "data-lifecycle" not in published


def test_a_draft_page_previewed_is_never_served_to_a_visitor_from_the_page_cache(app, world):
    app.config["ROADMAP_PAGE_CACHE_SECONDS"] = 30
    try:
        organiser, visitor = app.test_client(), app.test_client()
        login(organiser, world["users"]["organiser"])
        url = f"/c/{world['draft'].slug}"
        for _ in range(2):
            assert organiser.get(url).status_code == 200
            assert visitor.get(url).status_code == 404
        world["draft"].status = "published"  # as publish_consultation does
        db.session.flush()
        page = visitor.get(url)
        assert page.status_code == 200 and "data-lifecycle" not in page.get_data(as_text=True)
    finally:
        app.config["ROADMAP_PAGE_CACHE_SECONDS"] = 0


# --- lists, API, layers, exports -------------------------------------------------------------

@pytest.mark.parametrize("role", ["anonymous", "participant", "moderator"])
def test_the_home_page_lists_only_public_consultations(client, world, role):
    _as(client, world, role)
    page = client.get("/").get_data(as_text=True)
    assert 'data-consultation="published-one"' in page
    assert "draft-one" not in page
    assert 'data-section="consultations-drafts"' not in page


def test_organisers_see_their_drafts_apart_on_the_home_page(client, world):
    _as(client, world, "organiser")
    page = client.get("/").get_data(as_text=True)
    drafts = page.index('data-section="consultations-drafts"')
    assert page.index('data-consultation="published-one"') < drafts
    assert page.index('data-consultation="draft-one"') > drafts


def test_the_api_knows_nothing_of_a_draft(client, world):
    client.application.config["SERVER_NAME"] = None
    listed = client.get("/api/v1/consultations?per_page=100").get_json()
    assert [c["slug"] for c in listed["data"]] == ["published-one"]
    assert listed["meta"]["total"] == 1
    for url in ("/api/v1/consultations/draft-one", "/api/v1/consultations/draft-one/axes",
                "/api/v1/roadmaps/draft-one", "/api/v1/proposals?consultation=draft-one",
                f"/api/v1/proposals/{world['draft_proposal'].id}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["status"] == 404
    proposals = client.get("/api/v1/proposals?per_page=100").get_json()["data"]
    assert [p["title"] for p in proposals] == [PUBLIC_TITLE]
    # Organisers read open data as everyone does: no draft there either.
    _as(client, world, "organiser")
    assert client.get("/api/v1/consultations/draft-one").status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "moderator"])
def test_the_geojson_layers_know_nothing_of_a_draft(client, world, role):
    _as(client, world, role)
    for url in ("/api/v1/communes.geojson?consultation=draft-one",
                "/api/v1/proposals.geojson?consultation=draft-one",
                "/api/v1/roadmaps/draft-one.geojson"):
        response = client.get(url)
        assert response.status_code == 404, url
    # Without a slug the layers show the most recent public consultation, not the draft.
    communes = client.get("/api/v1/communes.geojson").get_json()
    assert {f["properties"]["consultation"] for f in communes["features"]} == {"published-one"}
    points = client.get("/api/v1/proposals.geojson").get_json()["features"]
    assert [f["id"] for f in points] == [world["public_proposal"].id]


def test_organisers_preview_a_drafts_layers_privately(client, world):
    _as(client, world, "organiser")
    response = client.get("/api/v1/proposals.geojson?consultation=draft-one")
    assert response.status_code == 200
    assert [f["id"] for f in response.get_json()["features"]] == [world["draft_proposal"].id]
    assert response.cache_control.private and not response.cache_control.public
    public = client.get("/api/v1/proposals.geojson?consultation=published-one")
    assert public.cache_control.public


def test_the_exports_of_a_published_consultation_hold_none_of_the_draft(app, client, world):
    published = world["published"]
    with app.test_request_context("/?lang=en"):
        for fmt, part in (("csv", "proposals"), ("geojson", "proposals"), ("xlsx", None),
                          ("csv", None)):
            built = build_export(published, fmt, part=part)
            assert DRAFT_TITLE.encode() not in built.body, fmt
    csv = client.get("/c/published-one/exports/proposals.csv")
    assert csv.status_code == 200 and PUBLIC_TITLE in csv.get_data(as_text=True)
    for name in ("proposals.csv", "consultation.xlsx", "tables.zip", "proposals.geojson",
                 "consultation.gpkg"):
        assert client.get(f"/c/draft-one/exports/{name}").status_code == 404, name
    assert client.post("/c/draft-one/exports/jobs", data={"format": "csv"}).status_code == 404


def test_the_moderation_queue_leaves_out_a_drafts_items_for_moderators(client, world):
    world["draft_proposal"].status = "pending"
    world["public_proposal"].status = "pending"
    db.session.flush()
    _as(client, world, "moderator")
    page = client.get("/moderation").get_data(as_text=True)
    assert PUBLIC_TITLE in page and DRAFT_TITLE not in page
    assert client.post(f"/moderation/proposal/{world['draft_proposal'].id}/approve",
                       data={"reason": ""}).status_code == 404
    db.session.refresh(world["draft_proposal"])
    assert world["draft_proposal"].status == "pending"
    client.get("/logout")
    _as(client, world, "organiser")
    assert DRAFT_TITLE in client.get("/moderation").get_data(as_text=True)


# --- archived ----------------------------------------------------------------------------------

@pytest.fixture
def archived(world, factory):
    """The published consultation, archived while proposals and votes were open, with
    comments and a support."""
    consultation, proposal = world["published"], world["public_proposal"]
    other = factory.user()
    comment = post_comment(proposal, other, "A comment before the archive")
    mine = post_comment(proposal, world["users"]["participant"], "My own comment")
    db.session.add(Vote(proposal_id=proposal.id, user_id=world["users"]["participant"].id))
    proposal.supports_count += 1
    consultation.status = "archived"
    db.session.commit()
    return {**world, "comment": comment, "mine": mine}


def _counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Proposal, Vote, Comment, CommentLike, Report))


def test_every_contribution_to_an_archived_consultation_is_refused(client, archived):
    participant = archived["users"]["participant"]
    proposal, comment, mine = archived["public_proposal"], archived["comment"], archived["mine"]
    own = Proposal(consultation=archived["published"], commune=archived["commune"],
                   author=participant, title="My own proposal, archived", body="Body text.",
                   status="published")
    db.session.add(own)
    db.session.commit()
    login(client, participant)
    base = f"/c/published-one/proposals/{proposal.id}"
    before, title = _counts(), own.title
    posts = [
        ("/c/published-one/proposals/new", {"title": "A proposal after the archive",
                                            "body": "It should not be saved at all.",
                                            "commune_id": archived["commune"].id,
                                            "axis_id": proposal.axis_id}),
        (f"/c/published-one/proposals/{own.id}/vote", {}), (f"{base}/unvote", {}),
        (f"{base}/comments", {"comment-body": "A comment after the archive",
                              "comment-stance": "for"}),
        (f"/comments/{comment.id}/like", {}),
        (f"/comments/{mine.id}/edit", {f"edit-{mine.id}-body": "Edited after the archive"}),
        (f"/report/comment/{comment.id}", {"reason": "spam"}),
        (f"/report/proposal/{proposal.id}", {"reason": "spam"}),
        (f"/c/published-one/proposals/{own.id}/edit", {"title": "A new title after archive",
                                                        "body": "Body text."}),
        (f"/c/published-one/proposals/{own.id}/withdraw", {}),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code in (303, 302, 403, 409, 422), (url, response.status_code)
    db.session.expire_all()
    assert _counts() == before
    assert db.session.get(Proposal, own.id).status == "published"
    assert db.session.get(Proposal, own.id).title == title
    assert db.session.get(Comment, mine.id).body == "My own comment"


def test_the_archived_pages_show_the_notice_and_no_form(client, archived):
    participant = archived["users"]["participant"]
    login(client, participant)
    proposal = archived["public_proposal"]
    page = client.get(f"/c/published-one/proposals/{proposal.id}").get_data(as_text=True)
    assert 'data-lifecycle="archived"' in page
    assert f'action="/c/published-one/proposals/{proposal.id}/vote"' not in page
    assert f'action="/c/published-one/proposals/{proposal.id}/unvote"' not in page
    assert f'action="/c/published-one/proposals/{proposal.id}/comments"' not in page
    assert f"/report/proposal/{proposal.id}" not in page
    assert f"/comments/{archived['comment'].id}/like" not in page
    overview = client.get("/c/published-one").get_data(as_text=True)
    assert 'data-lifecycle="archived"' in overview
    assert "/c/published-one/proposals/new" not in overview


def test_the_refusals_say_why_in_the_readers_language(app, archived):
    proposal = archived["public_proposal"]
    from roadmap.participation.policies import vote_refusal
    from roadmap.proposals.policies import why_not_enter_workshop_proposals, why_not_submit

    with app.test_request_context("/"), force_locale("en"):
        expected = "This consultation is archived: it is read-only."
        assert str(lifecycle_refusal(archived["published"])) == expected
        assert vote_refusal(archived["users"]["participant"], proposal).message == expected
        assert vote_refusal(archived["users"]["participant"], proposal).code == "archived"
        assert why_not_submit(archived["users"]["participant"], archived["published"]) == \
            expected
        workshop = Workshop(consultation=archived["published"], title="Archived workshop",
                            held_on=archived["published"].phases[0].starts_on, place="Hall")
        assert why_not_enter_workshop_proposals(archived["users"]["organiser"], workshop) == \
            expected
        draft_workshop = archived["workshop"]  # a draft takes its workshops' proposals
        assert why_not_enter_workshop_proposals(archived["users"]["organiser"],
                                                draft_workshop) is None


def test_an_archived_consultation_stays_public_and_listed_last(client, archived, factory):
    factory.consultation("voting", slug="running-one")
    factory.consultation(None, slug="upcoming-one")
    page = client.get("/").get_data(as_text=True)
    assert page.index('data-consultation="running-one"') \
        < page.index('data-consultation="upcoming-one"') \
        < page.index('data-consultation="published-one"')
    assert page.index('data-section="consultations-archived"') \
        < page.index('data-consultation="published-one"')
    assert client.get("/api/v1/consultations/published-one").status_code == 200
    assert client.get(f"/c/published-one/proposals/{archived['public_proposal'].id}") \
        .status_code == 200


def test_following_an_archived_proposal_stays_possible(client, archived):
    login(client, archived["users"]["participant"])
    proposal = archived["public_proposal"]
    client.post(f"/c/published-one/proposals/{proposal.id}/follow")
    assert db.session.scalar(select(func.count(Follow.id)).where(
        Follow.proposal_id == proposal.id,
        Follow.user_id == archived["users"]["participant"].id)) == 1


# --- the home page's figures -----------------------------------------------------------------

def test_the_home_page_shows_each_consultations_territory_phase_and_figures(app, client,
                                                                            world, factory):
    proposal = world["public_proposal"]
    voter = factory.user()
    db.session.add(Vote(proposal_id=proposal.id, user_id=voter.id))
    proposal.supports_count = 1
    post_comment(proposal, factory.user(), "A comment for the figures")
    db.session.flush()
    app.config["ROADMAP_HOME_FIGURES_SECONDS"] = 0
    try:
        page = client.get("/").get_data(as_text=True)
    finally:
        app.config.pop("ROADMAP_HOME_FIGURES_SECONDS")
    card = page[page.index('data-consultation="published-one"'):]
    card = card[:card.index("</li>")]
    assert world["published"].prefecture.name_fr in card or \
        world["published"].prefecture.name_ar in card
    assert 'data-figure="proposals">1<' in card
    assert 'data-figure="supports">1<' in card
    # The author, the supporter and the commenter.
    assert 'data-figure="participants">3<' in card


def test_the_home_page_runs_the_same_statements_for_one_or_many_consultations(app, client,
                                                                              factory):
    from tests.proposals.helpers import count_statements

    app.config["ROADMAP_HOME_FIGURES_SECONDS"] = 0
    try:
        factory.consultation("voting")
        client.get("/")
        with count_statements() as few:
            assert client.get("/").status_code == 200
        for phase in ("proposals", "evaluation", None, "implementation"):
            factory.consultation(phase)
        with count_statements() as many:
            assert client.get("/").status_code == 200
    finally:
        app.config.pop("ROADMAP_HOME_FIGURES_SECONDS")
    assert len(many) == len(few), "\n".join(many)


def test_commune_pages_search_notifications_and_evaluations_leave_out_a_draft(client, world):
    from roadmap.participation.models import Notification
    from roadmap.ranking.models import EvaluatorAssignment

    moderator = world["users"]["moderator"]
    for proposal in (world["public_proposal"], world["draft_proposal"]):
        db.session.add(Notification(user_id=moderator.id, kind="status", proposal_id=proposal.id,
                                    payload={"new_status": "published"}))
        db.session.add(EvaluatorAssignment(proposal_id=proposal.id, evaluator_id=moderator.id))
    db.session.commit()
    for url in ("/communes", f"/communes/{world['commune'].code}",
                "/c/published-one/proposals?q=well", "/c/published-one/proposals?q=garden"):
        assert DRAFT_TITLE not in client.get(url).get_data(as_text=True), url
    assert PUBLIC_TITLE in client.get("/c/published-one/proposals").get_data(as_text=True)
    login(client, moderator)
    for url in ("/notifications", "/evaluations"):
        page = client.get(url).get_data(as_text=True)
        assert PUBLIC_TITLE in page and DRAFT_TITLE not in page, url
