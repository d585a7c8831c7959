"""``flask demo --remove``: every demo row goes, every real row stays exactly as it was."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.audit.log import verify_chain
from roadmap.audit.models import AuditEntry
from roadmap.consultations.models import Consultation
from roadmap.demo import SLUG, load_demo
from roadmap.extensions import db
from roadmap.moderation.services import report
from roadmap.participation import services as participation
from roadmap.participation.models import Comment, Vote
from roadmap.participation.queries import counter_mismatches
from roadmap.proposals.models import Proposal

DEMO_PARTICIPANT = "participant@demo.roadmap.test"


def _snapshot(*, without=("audit_entry",)) -> dict[str, list[dict]]:
    """Every row of every table, as dicts, in primary-key order."""
    db.session.flush()
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in without:
            continue
        query = select(table).order_by(*table.primary_key.columns)
        rows[table.name] = [dict(row._mapping) for row in db.session.execute(query)]
    return rows


def _demo_rows() -> dict[str, int]:
    """How many rows marked ``is_demo`` each table holds."""
    counts = {}
    for table in db.metadata.sorted_tables:
        if "is_demo" in table.c:
            counts[table.name] = db.session.scalar(
                select(func.count()).select_from(table).where(table.c.is_demo.is_(True)))
    return counts


def _real_consultation(factory):
    """A real consultation in its voting phase: two real users, two proposals, a comment.

    The real communes are imported first, as on a real installation (the demo uses them).
    """
    from roadmap.territory.services import import_bundled_communes

    import_bundled_communes()
    consultation = factory.consultation("voting", slug="real-consultation")
    commune = factory.commune()
    alice, bilal = factory.user(), factory.user()
    first = factory.proposal(consultation, commune, alice)
    second = factory.proposal(consultation, commune, bilal)
    participation.cast_vote(first, bilal)
    participation.cast_vote(second, alice)
    comment = participation.post_comment(first, bilal, "A real comment on a real proposal.")
    participation.like_comment(comment, alice)
    db.session.flush()
    return consultation, (alice, bilal), (first, second), comment


def _demo(name: str = DEMO_PARTICIPANT) -> User:
    return db.session.scalar(select(User).where(User.email == name))


def _cross_participation(people, proposals) -> None:
    """Demo accounts act in the real consultation, real users act in the demo one."""
    alice, bilal = people
    first, _second = proposals
    demo_user = _demo()
    participation.cast_vote(first, demo_user)  # a demo vote on a real proposal
    report(proposals[1], demo_user, "spam")  # a demo report of a real proposal
    demo_comment = participation.post_comment(first, demo_user, "A demo comment, real proposal.")
    participation.like_comment(demo_comment, alice)
    demo_proposal = db.session.scalar(select(Proposal).where(Proposal.is_demo.is_(True))
                                      .order_by(Proposal.id))
    participation.cast_vote(demo_proposal, bilal)  # a real vote on a demo proposal
    participation.follow(demo_proposal, alice)
    shown = db.session.scalar(select(Comment).where(Comment.is_demo.is_(True))
                              .order_by(Comment.id))
    participation.like_comment(shown, bilal)
    db.session.flush()


def test_removing_the_demo_leaves_every_real_row_as_it_was(runner, factory):
    _consultation, people, proposals, _comment = _real_consultation(factory)
    db.session.commit()
    before = _snapshot()
    entries_before = db.session.scalar(select(func.count(AuditEntry.id)))
    load_demo(echo=lambda *_: None)
    _cross_participation(people, proposals)
    db.session.commit()
    assert proposals[0].supports_count == 2 and proposals[0].comments_count == 2

    result = runner.invoke(args=["demo", "--remove", "--yes"])

    assert result.exit_code == 0, result.output
    assert "proposal" in result.output and "vote" in result.output
    db.session.expire_all()
    after = _snapshot()
    # Territory, real consultation, real users and their rows: unchanged, except the change
    # time of the real proposal demo accounts supported and commented (its counters moved
    # back, so the map's and the pages' caches must see a change).
    touched = {("proposal", proposals[0].id, "updated_at")}
    for table in before:
        changed = [(table, old.get("id"), k) for old, new in zip(before[table], after[table])
                   for k, v in old.items() if new[k] != v]
        assert set(changed) <= touched and len(after[table]) == len(before[table]), table
    assert not any(_demo_rows().values())
    assert counter_mismatches() == []
    assert db.session.scalar(select(func.count(Consultation.id))
                             .where(Consultation.slug == SLUG)) == 0
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert len(entries) > entries_before + 1  # the demo's entries stay, with their labels
    assert entries[-1].action == "demo.remove"
    assert entries[-1].after["removed"]["proposal"] == 50
    assert entries[-1].after["removed"]["user_account"] == 45  # with the help-desk account
    assert verify_chain() == (True, None)
    check = runner.invoke(args=["check"])
    assert check.exit_code == 0, check.output

    again = runner.invoke(args=["demo"])  # the demo can be loaded again afterwards
    assert again.exit_code == 0, again.output
    assert _demo_rows()["proposal"] == 50
    assert runner.invoke(args=["check"]).exit_code == 0


def test_real_rows_that_name_a_demo_row_stay_with_the_link_cleared(runner, factory):
    from datetime import date

    from roadmap.consultations.models import Workshop

    consultation, people, proposals, _comment = _real_consultation(factory)
    load_demo(echo=lambda *_: None)
    workshop = Workshop(consultation=consultation, title="A real workshop", place="Town hall",
                        held_on=date(2026, 11, 3), created_by_id=_demo(
                            "organiser@demo.roadmap.test").id)
    db.session.add(workshop)
    demo_comment = participation.post_comment(proposals[0], _demo(), "Demo words.")
    reply = participation.post_comment(proposals[0], people[0], "A real reply.",
                                       parent=demo_comment)
    db.session.commit()
    reply_id, workshop_id = reply.id, workshop.id

    result = runner.invoke(args=["demo", "--remove", "--yes"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    kept = db.session.get(Comment, reply_id)  # a real reply stays, as a top-level comment
    assert kept is not None and kept.parent_id is None and kept.body == "A real reply."
    assert db.session.get(Proposal, proposals[0].id).comments_count == 2
    kept_workshop = db.session.get(Workshop, workshop_id)
    assert kept_workshop.title == "A real workshop" and kept_workshop.created_by_id is None
    assert counter_mismatches() == []
    assert "comment.parent_id" in result.output and "workshop.created_by_id" in result.output


def test_remove_asks_for_confirmation(runner):
    load_demo(echo=lambda *_: None)
    db.session.commit()
    refused = runner.invoke(args=["demo", "--remove"], input="n\n")
    assert refused.exit_code != 0 and "Nothing removed" in refused.output
    assert _demo_rows()["proposal"] == 50
    accepted = runner.invoke(args=["demo", "--remove"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert not any(_demo_rows().values())


def test_remove_without_a_demo_fails_clearly(runner, factory):
    _real_consultation(factory)
    db.session.commit()
    before = _snapshot(without=())
    result = runner.invoke(args=["demo", "--remove", "--yes"])
    assert result.exit_code != 0
    assert "no demo content" in result.output
    assert _snapshot(without=()) == before


def test_remove_is_all_or_nothing(runner, factory, monkeypatch):
    _consultation, people, proposals, _comment = _real_consultation(factory)
    load_demo(echo=lambda *_: None)
    _cross_participation(people, proposals)
    db.session.commit()
    before = _snapshot(without=())

    def fail(*_args):
        raise RuntimeError("disk full")

    # A failure after the deletes ran (the counters are recomputed last) keeps everything.
    monkeypatch.setattr("roadmap.demo_removal._recount", fail)
    result = runner.invoke(args=["demo", "--remove", "--yes"])
    assert result.exit_code != 0
    db.session.expire_all()
    assert _snapshot(without=()) == before


def test_the_audit_page_shows_the_removal_and_the_entries_it_kept(runner, client, factory):
    from tests.conftest import login

    load_demo(echo=lambda *_: None)
    admin = factory.user("admin")
    db.session.commit()
    assert runner.invoke(args=["demo", "--remove", "--yes"]).exit_code == 0
    login(client, admin)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "demo.remove" in html and "roadmap.publish" in html
    assert "Organisatrice (démo)" in html  # the actor's label outlives the account


def test_the_chain_still_catches_a_change_to_an_entry_whose_links_were_cleared(runner):
    load_demo(echo=lambda *_: None)
    db.session.commit()
    assert runner.invoke(args=["demo", "--remove", "--yes"]).exit_code == 0
    cleared = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roadmap.publish"))
    assert cleared.actor_id is None and cleared.consultation_id is None
    assert verify_chain() == (True, None)
    db.session.execute(AuditEntry.__table__.update().where(AuditEntry.id == cleared.id)
                       .values(actor_label="someone else"))
    assert verify_chain() == (False, cleared.id)


def test_what_demo_admins_granted_is_flagged_and_their_invitations_go(runner, factory):
    from datetime import datetime, timedelta, timezone

    from roadmap.accounts.models import Invitation
    from roadmap.accounts.services import set_role

    load_demo(echo=lambda *_: None)
    real = factory.user()
    demo_admin = _demo("admin@demo.roadmap.test")
    set_role(real, "moderator", by=demo_admin)
    db.session.add(Invitation(email="someone@example.org", role="organiser", token_hash="f" * 64,
                              invited_by_id=demo_admin.id,
                              expires_at=datetime.now(timezone.utc) + timedelta(days=7)))
    db.session.commit()

    result = runner.invoke(args=["demo", "--remove", "--yes"])

    assert result.exit_code == 0, result.output
    assert "Warning: 1 audit entries record demo accounts acting outside" in result.output
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    db.session.expire_all()
    assert db.session.get(User, real.id).role == "moderator"  # reported, not undone


def test_yes_goes_with_remove(runner):
    result = runner.invoke(args=["demo", "--yes"])
    assert result.exit_code == 2 and "--yes goes with --remove" in result.output


def test_the_files_of_removed_attachments_go_and_real_ones_stay(runner, factory):
    from roadmap.media import storage
    from roadmap.media.models import Attachment
    from tests.media.helpers import attach_photo

    _consultation, people, proposals, _comment = _real_consultation(factory)
    load_demo(echo=lambda *_: None)
    demo_proposal = db.session.scalar(select(Proposal).join(Consultation).where(
        Consultation.slug == SLUG).order_by(Proposal.id))
    on_demo = attach_photo("proposal_id", demo_proposal.id, people[0])  # a real user's, on demo
    by_demo = attach_photo("proposal_id", proposals[0].id, _demo())  # a demo account's, on real
    real = attach_photo("proposal_id", proposals[0].id, people[1])
    db.session.commit()
    tokens = {"on_demo": on_demo.token, "by_demo": by_demo.token, "real": real.token}
    ids = [on_demo.id, by_demo.id]

    result = runner.invoke(args=["demo", "--remove", "--yes"])

    assert result.exit_code == 0, result.output
    assert storage.files_of(tokens["on_demo"]) == storage.files_of(tokens["by_demo"]) == []
    assert len(storage.files_of(tokens["real"])) == 2
    assert db.session.scalar(select(func.count(Attachment.id)).where(
        Attachment.id.in_(ids))) == 0
