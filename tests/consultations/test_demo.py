"""The demo consultation: real communes, synthetic participation marked as such, idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.consultations.models import Consultation
from roadmap.demo import ACCOUNTS, SLUG, load_demo
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal
from roadmap.territory.models import Commune


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_loads_the_consultation_with_real_communes(app):
    consultation = load_demo(echo=lambda *_: None)
    assert consultation.title_i18n["fr"].startswith("Programme de développement territorial")
    assert set(consultation.title_i18n) == {"ar", "fr", "en"}
    assert [axis.code for axis in consultation.axes] == [
        "employment", "social-services", "water", "territorial-upgrading"]
    assert all(set(axis.title_i18n) == {"ar", "fr", "en"} for axis in consultation.axes)
    assert _count(Commune) == 19
    medina = db.session.scalar(select(Commune).where(Commune.code == "marrakech-medina"))
    assert (medina.name_ar, medina.population_2024) == ("مراكش المدينة", 81103)


def test_demo_participation_is_synthetic_and_spread_over_the_communes(app):
    consultation = load_demo(echo=lambda *_: None)
    proposals = list(db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation.id)))
    assert len(proposals) >= 19
    assert all(p.is_demo for p in proposals)
    assert len({p.commune_id for p in proposals}) == 19
    assert _count(Vote) > 0 and _count(Vote, Vote.is_demo.is_(False)) == 0
    assert _count(Comment) > 0 and _count(Comment, Comment.is_demo.is_(False)) == 0
    assert _count(User, User.is_demo.is_(False)) == 0
    for proposal in proposals:
        assert proposal.supports_count == _count(Vote, Vote.proposal_id == proposal.id)
        assert proposal.comments_count == _count(Comment, Comment.proposal_id == proposal.id)
    # Located proposals lie inside their own commune.
    from roadmap import territory

    located = [p for p in proposals if p.latitude is not None]
    assert located
    for proposal in located:
        assert territory.lookup(proposal.latitude, proposal.longitude).id == proposal.commune_id


def test_demo_is_idempotent(app):
    load_demo(echo=lambda *_: None)
    before = [_count(m) for m in (Consultation, Proposal, Vote, Comment, User, Commune)]
    load_demo(echo=lambda *_: None)
    assert [_count(m) for m in (Consultation, Proposal, Vote, Comment, User, Commune)] == before


def test_demo_command_prints_one_account_per_role(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for account in ACCOUNTS:
        assert account.email in result.output and account.password in result.output
    assert {a.role for a in ACCOUNTS} == {"participant", "moderator", "organiser", "admin",
                                            "helpdesk"}
    assert _count(Consultation, Consultation.slug == SLUG) == 1


def test_demo_accounts_can_log_in(client):
    load_demo(echo=lambda *_: None)
    db.session.commit()
    admin = ACCOUNTS[0]
    response = client.post("/login", data={"email": admin.email, "password": admin.password})
    assert response.status_code == 302
    assert client.get("/admin/outbox").status_code == 200


def test_the_demo_fills_no_suspicious_activity_view(app):
    from roadmap.moderation.queries import account_bursts, support_bursts

    load_demo(echo=lambda *_: None)
    # Its participants joined before they supported: a moderator opening the view in the demo
    # sees it empty, as it should be when nothing is suspicious.
    assert _count(Vote) > 100
    assert support_bursts() == [] and account_bursts() == []
