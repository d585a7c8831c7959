"""The requirement levels refuse and accept as the consultation says (confirmed, verified,
resident of the commune concerned), for proposing, supporting and commenting; the home-commune
rule uses the verified commune (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadmap.core.keys import keyed_hash
from roadmap.extensions import db
from roadmap.participation.models import Vote
from roadmap.participation.policies import comment_refusal, vote_refusal
from roadmap.proposals import services as proposal_services
from roadmap.proposals.models import Proposal
from roadmap.proposals.policies import why_not_submit
from roadmap.verification.services import verify_account
from tests.conftest import login

in_english = pytest.mark.usefixtures("english_request")


def verified(factory, commune=None, method="code", **fields):
    """A confirmed user verified by ``method`` (with ``commune`` as their verified commune)."""
    user = factory.user(**fields)
    verify_account(user, method=method, identity_hash=keyed_hash(method, f"person-{user.id}"),
                   commune_id=commune.id if commune else None)
    return user


@pytest.fixture
def places(factory):
    """Two communes of the prefecture: here (the proposal's) and there."""
    return factory.commune(), factory.commune()


def refusals(user, consultation, proposal):
    """The refusal codes of proposing (for the proposal's commune), supporting, commenting."""
    support = vote_refusal(user, proposal)
    comment = comment_refusal(user, proposal)
    return (why_not_submit(user, consultation, proposal.commune) is not None,
            support.code if support else None, comment.code if comment else None)


@pytest.mark.parametrize("level, who, expected", [
    ("confirmed", "unconfirmed", "unconfirmed"),
    ("confirmed", "confirmed", None),
    ("verified", "unconfirmed", "unconfirmed"),
    ("verified", "confirmed", "unverified"),
    ("verified", "verified_without_commune", None),
    ("verified", "verified_there", None),
    ("resident", "confirmed", "unverified"),
    ("resident", "verified_without_commune", "resident"),
    ("resident", "verified_there", "resident"),
    ("resident", "verified_here", None),
])
@in_english
def test_each_level_refuses_and_accepts(factory, places, level, who, expected):
    here, there = places
    # Proposals and voting open together, so that the three actions can be tried at once.
    consultation = factory.consultation("proposals", voting_during_proposals=True,
                                        propose_requirement=level, support_requirement=level,
                                        comment_requirement=level)
    proposal = factory.proposal(consultation, here)
    user = {"unconfirmed": lambda: factory.user(email_confirmed_at=None),
            "confirmed": lambda: factory.user(),
            "verified_without_commune": lambda: verified(factory, method="sms"),
            "verified_there": lambda: verified(factory, there),
            "verified_here": lambda: verified(factory, here)}[who]()
    assert refusals(user, consultation, proposal) == (expected is not None, expected, expected)


@in_english
def test_a_refusal_names_what_is_missing_and_links_to_it(factory, places):
    here, there = places
    consultation = factory.consultation("voting", support_requirement="resident")
    proposal = factory.proposal(consultation, here)
    unverified = vote_refusal(factory.user(), proposal)
    assert unverified.link_url.startswith("/verify") and "verified residents" in str(unverified.message)
    elsewhere = vote_refusal(verified(factory, there), proposal)
    assert here.name in str(elsewhere.message)
    assert vote_refusal(factory.user(email_confirmed_at=None), proposal).code == "unconfirmed"


def test_support_refused_over_http_changes_no_count(client, factory, places):
    here, there = places
    consultation = factory.consultation("voting", support_requirement="resident")
    proposal = factory.proposal(consultation, here)
    users = (factory.user(), verified(factory, there), verified(factory, method="sms"))
    resident = verified(factory, here)
    db.session.commit()  # the savepoint of the test: the views read the consultation fresh
    for user in users:
        login(client, user)
        response = client.post(f"/c/{consultation.slug}/proposals/{proposal.id}/vote?lang=en",
                               headers={"HX-Request": "true"})
        assert response.status_code == 422
        assert "verified residents" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    login(client, resident)
    response = client.post(f"/c/{consultation.slug}/proposals/{proposal.id}/vote?lang=en")
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert proposal.supports_count == 1


def _fields(consultation, commune):
    return {"title": "Build a school in the douar",
            "body": "The children walk six kilometres to the nearest school every day.",
            "commune_id": commune.id, "axis_id": consultation.axes[0].id}


@in_english
def test_the_proposal_service_checks_the_chosen_commune(factory, places):
    here, there = places
    consultation = factory.consultation("proposals", propose_requirement="resident")
    resident = verified(factory, here)
    with pytest.raises(proposal_services.InvalidProposal) as refused:
        proposal_services.submit_proposal(consultation, resident,
                                          **_fields(consultation, there))
    assert refused.value.field == "commune_id" and there.name in str(refused.value)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    made = proposal_services.submit_proposal(consultation, resident,
                                             **_fields(consultation, here))
    assert made.commune_id == here.id
    # Nor can an edit move it to another commune.
    with pytest.raises(proposal_services.InvalidProposal):
        proposal_services.edit_proposal(made, resident, **_fields(consultation, there))


def test_the_proposal_form_starts_on_the_verified_commune(client, factory, places):
    here, there = places
    consultation = factory.consultation("proposals", propose_requirement="resident")
    login(client, verified(factory, there))
    page = client.get(f"/c/{consultation.slug}/proposals/new?lang=en").get_data(as_text=True)
    assert f'<option selected value="{there.id}">' in page
    response = client.post(f"/c/{consultation.slug}/proposals/new?lang=en",
                           data={k: str(v) for k, v in _fields(consultation, here).items()})
    assert response.status_code == 422
    assert f"Only verified residents of {here.name}" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


@in_english
def test_the_home_commune_rule_uses_the_verified_commune(factory, places):
    declared, checked = places
    consultation = factory.consultation("voting", votes_home_commune_only=True)
    on_declared = factory.proposal(consultation, declared)
    on_checked = factory.proposal(consultation, checked)
    user = factory.user(home_commune_id=declared.id)
    assert vote_refusal(user, on_declared) is None
    assert vote_refusal(user, on_checked).code == "home_commune"
    verify_account(user, method="residents_list", identity_hash=keyed_hash("cnie", "X1"),
                   commune_id=checked.id)
    assert user.residence_commune_id == checked.id
    assert vote_refusal(user, on_declared).code == "home_commune"
    assert vote_refusal(user, on_checked) is None
    # Verified without a commune (SMS): the declared commune still counts.
    texted = factory.user(home_commune_id=declared.id)
    verify_account(texted, method="sms", identity_hash=keyed_hash("phone", "+212600000001"))
    assert vote_refusal(texted, on_declared) is None
