"""Supports: services and policies, without HTTP."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.participation import policies, queries
from roadmap.participation.models import Follow, Vote
from roadmap.participation.services import (AlreadyDone, NotDone, Refused, cast_vote,
                                            withdraw_vote)


def _votes(proposal) -> int:
    return db.session.scalar(select(func.count(Vote.id)).where(Vote.proposal_id == proposal.id))


def test_a_support_is_recorded_counted_and_followed(scene):
    vote = cast_vote(scene.proposal, scene.citizen)
    assert vote.id and vote.user_id == scene.citizen.id
    assert scene.proposal.supports_count == 1 == _votes(scene.proposal)
    assert queries.has_supported(scene.citizen, scene.proposal)
    assert queries.is_following(scene.citizen, scene.proposal)
    assert queries.counters_agree()


def test_a_second_support_is_refused_and_changes_nothing(scene):
    cast_vote(scene.proposal, scene.citizen)
    with pytest.raises(AlreadyDone) as refused:
        cast_vote(scene.proposal, scene.citizen)
    assert refused.value.code == "already"
    assert "already support" in str(refused.value)
    db.session.expire_all()
    assert scene.proposal.supports_count == 1 == _votes(scene.proposal)


def test_an_author_may_support_their_own_proposal(scene):
    cast_vote(scene.proposal, scene.author)
    assert scene.proposal.supports_count == 1


@pytest.mark.parametrize("phase", ["diagnosis", "proposals", "evaluation", "roadmap", None])
def test_supporting_outside_the_voting_phase_is_refused(factory, phase):
    consultation = factory.consultation(phase)
    commune = factory.commune()
    proposal = factory.proposal(consultation, commune)
    user = factory.user(home_commune=commune)
    assert policies.vote_refusal(user, proposal).code == "phase"
    assert not policies.can_vote(user, proposal)
    with pytest.raises(Refused) as refused:
        cast_vote(proposal, user)
    assert refused.value.code == "phase"
    assert _votes(proposal) == 0 and proposal.supports_count == 0


def test_voting_during_proposals_when_the_organiser_says_so(factory):
    consultation = factory.consultation("proposals", voting_during_proposals=True)
    proposal = factory.proposal(consultation, factory.commune())
    cast_vote(proposal, factory.user())
    assert proposal.supports_count == 1


@pytest.mark.parametrize("fields, code", [
    ({"status": "withdrawn"}, "withdrawn"),
    ({"status": "pending"}, "not_public"),
    ({"status": "rejected"}, "not_public"),
])
def test_proposals_that_are_not_public_cannot_be_supported(factory, scene, fields, code):
    proposal = factory.proposal(scene.consultation, scene.commune, **fields)
    with pytest.raises(Refused) as refused:
        cast_vote(proposal, scene.citizen)
    assert refused.value.code == code
    assert _votes(proposal) == 0


def test_a_hidden_proposal_cannot_be_supported(factory, scene):
    from roadmap.core.models import utcnow

    proposal = factory.proposal(scene.consultation, scene.commune, hidden_at=utcnow())
    assert policies.why_not_vote(scene.citizen, proposal) == \
        "This proposal was hidden by a moderator."
    with pytest.raises(Refused):
        cast_vote(proposal, scene.citizen)
    assert _votes(proposal) == 0


def test_visitors_are_asked_to_log_in(scene):
    from flask_login import AnonymousUserMixin

    refusal = policies.vote_refusal(AnonymousUserMixin(), scene.proposal)
    assert refusal.code == "login"
    assert policies.vote_refusal(None, scene.proposal).code == "login"


def test_the_vote_limit_counts_the_users_supports_in_the_consultation(factory, scene):
    scene.consultation.vote_limit = 2
    others = [factory.proposal(scene.consultation, scene.commune) for _ in range(3)]
    elsewhere = factory.proposal(factory.consultation("voting", vote_limit=1), scene.commune)
    cast_vote(elsewhere, scene.citizen)  # another consultation: does not count
    cast_vote(others[0], scene.citizen)
    cast_vote(others[1], scene.citizen)
    assert policies.why_not_vote(scene.citizen, others[2]).startswith(
        "You have already given all your 2 supports")
    with pytest.raises(Refused) as refused:
        cast_vote(others[2], scene.citizen)
    assert refused.value.code == "limit"
    assert _votes(others[2]) == 0
    withdraw_vote(others[0], scene.citizen)
    cast_vote(others[2], scene.citizen)
    assert queries.votes_used(scene.citizen.id, scene.consultation.id, fresh=True) == 2


def test_supports_of_a_withdrawn_proposal_are_given_back(factory, scene):
    scene.consultation.vote_limit = 1
    cast_vote(scene.proposal, scene.citizen)
    other = factory.proposal(scene.consultation, scene.commune)
    assert not policies.can_vote(scene.citizen, other)
    scene.proposal.status = "withdrawn"
    db.session.flush()
    cast_vote(other, scene.citizen)
    assert other.supports_count == 1


def test_home_commune_rule(factory, scene):
    scene.consultation.votes_home_commune_only = True
    stranger = factory.user(home_commune=factory.commune(name_fr="Ailleurs"))
    homeless = factory.user()
    with pytest.raises(Refused) as refused:
        cast_vote(scene.proposal, stranger)
    assert refused.value.code == "home_commune"
    assert scene.commune.name_fr in policies.why_not_vote(stranger, scene.proposal) or \
        scene.commune.name_ar in policies.why_not_vote(stranger, scene.proposal)
    assert "home commune" in policies.why_not_vote(homeless, scene.proposal)
    with pytest.raises(Refused):
        cast_vote(scene.proposal, homeless)
    cast_vote(scene.proposal, scene.citizen)
    assert scene.proposal.supports_count == 1 == _votes(scene.proposal)


def test_withdrawing_a_support(scene):
    cast_vote(scene.proposal, scene.citizen)
    withdraw_vote(scene.proposal, scene.citizen)
    assert scene.proposal.supports_count == 0 == _votes(scene.proposal)
    assert queries.is_following(scene.citizen, scene.proposal)  # still follows
    with pytest.raises(NotDone):
        withdraw_vote(scene.proposal, scene.citizen)
    assert scene.proposal.supports_count == 0
    assert queries.counters_agree()


def test_withdrawing_only_while_voting_is_open(factory, scene):
    cast_vote(scene.proposal, scene.citizen)
    for phase in scene.consultation.phases:  # move every phase a year back: voting is over
        phase.starts_on -= timedelta(days=365)
        phase.ends_on -= timedelta(days=365)
    db.session.flush()
    assert not policies.can_unvote(scene.citizen, scene.proposal)
    with pytest.raises(Refused) as refused:
        withdraw_vote(scene.proposal, scene.citizen)
    assert refused.value.code == "phase"
    assert _votes(scene.proposal) == 1


def test_supported_ids_answers_in_one_query(factory, scene, app):
    from tests.participation.helpers import count_statements

    proposals = [factory.proposal(scene.consultation, scene.commune) for _ in range(5)]
    cast_vote(proposals[1], scene.citizen)
    cast_vote(proposals[3], scene.citizen)
    with count_statements() as statements:
        found = queries.supported_ids(scene.citizen, proposals)
    assert found == {proposals[1].id, proposals[3].id}
    assert len(statements) == 1
    assert queries.supported_ids(None, proposals) == set()


def test_counters_that_disagree_with_the_rows_are_found(scene):
    cast_vote(scene.proposal, scene.citizen)
    assert not [m for m in queries.recount_supports() if m.record_id == scene.proposal.id]
    scene.proposal.supports_count = 5
    db.session.flush()
    [mismatch] = [m for m in queries.recount_supports() if m.record_id == scene.proposal.id]
    assert (mismatch.stored, mismatch.actual) == (5, 1)
    assert not queries.counters_agree()


def test_the_follow_is_kept_once(scene):
    from roadmap.participation.services import follow, unfollow

    follow(scene.proposal, scene.citizen)
    follow(scene.proposal, scene.citizen)
    cast_vote(scene.proposal, scene.citizen)
    assert db.session.scalar(select(func.count(Follow.id)).where(
        Follow.user_id == scene.citizen.id)) == 1
    unfollow(scene.proposal, scene.citizen)
    assert not queries.is_following(scene.citizen, scene.proposal)


def test_the_demo_counters_agree_with_its_rows(app):
    from roadmap.demo import load_demo

    load_demo(echo=lambda *_: None)
    assert queries.counter_mismatches() == []
