"""The demo's synthetic residents' list: loaded once, usable with the documented pairs, and
gone with ``flask demo --remove`` (with the verifications it vouched for)."""
from __future__ import annotations

from sqlalchemy import func, select

from roadmap.consultations.models import Consultation
from roadmap.demo import (RESIDENTS_COUNT, RESIDENTS_LABEL, SLUG, demo_residents, load_demo,
                          resident_communes)
from roadmap.extensions import db
from roadmap.verification.models import ResidentEntry, ResidentList
from roadmap.verification.residents import verify_with_resident_list


def _lists() -> int:
    return db.session.scalar(select(func.count()).select_from(ResidentList).where(
        ResidentList.label == RESIDENTS_LABEL))


def test_the_demo_list_verifies_testers_and_goes_with_the_demo(runner, factory):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "ZZ900001" in result.output
    load_demo(echo=lambda *_: None)  # again: nothing added
    assert _lists() == 1
    demo_list = db.session.scalar(select(ResidentList).where(ResidentList.label ==
                                                             RESIDENTS_LABEL))
    assert demo_list.entries_count == RESIDENTS_COUNT
    demo = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    cnie, born_on, commune = demo_residents(resident_communes(demo.prefecture_id))[0]
    tester = factory.user()
    verification = verify_with_resident_list(tester, cnie, born_on.strftime("%d/%m/%Y"))
    assert verification.commune_id == commune.id
    db.session.commit()

    removed = runner.invoke(args=["demo", "--remove", "--yes"])
    assert removed.exit_code == 0, removed.output
    assert "resident_list" in removed.output
    db.session.expire_all()
    assert _lists() == 0
    assert db.session.scalar(select(func.count()).select_from(ResidentEntry)) == 0
    assert tester.verified_at is None and tester.verification_method is None
