"""The verification core: residents' lists stored as hashes, codes used once, one identity per
account, supports tied to the identity (on SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from roadmap.extensions import db
from roadmap.participation.models import Vote
from roadmap.participation.services import AlreadyDone, cast_vote
from roadmap.accounts.personal_data import delete_account
from roadmap.verification import codes, residents
from roadmap.verification.identity import InvalidIdentity
from roadmap.verification.services import VerificationError, active_verification

CSV = "cnie;birth_date;commune\nAB123456;25/03/1990;{code}\nK٤٥٦٧;1985-01-02;{code}\n"


@pytest.fixture
def place(factory):
    commune = factory.commune()
    consultation = factory.consultation("voting", support_requirement="verified")
    return consultation, commune


def _store(commune, organiser):
    rows = residents.read_resident_rows("list.csv", CSV.format(code=commune.code).encode())
    checked = residents.check_rows(rows)
    assert not residents.problems_of(checked)
    return residents.store_list(checked, label="Extract", filename="list.csv", by=organiser)


def test_a_list_entry_verifies_one_account_and_knows_its_commune(factory, place):
    consultation, commune = place
    resident_list = _store(commune, factory.user("organiser"))
    first, second = factory.user(), factory.user()
    verification = residents.verify_with_resident_list(first, " ab 123 456", "٢٥/٠٣/١٩٩٠")
    assert verification.commune_id == commune.id and first.verified_commune_id == commune.id
    with pytest.raises(VerificationError):
        residents.verify_with_resident_list(second, "AB123456", "1990-03-25")
    with pytest.raises(VerificationError):
        residents.verify_with_resident_list(second, "AB123456", "1990-03-26")
    with pytest.raises(InvalidIdentity):
        residents.verify_with_resident_list(second, "123456", "1990-03-25")
    assert residents.list_counts(resident_list) == (2, 1)


def test_a_code_is_used_once(factory, place):
    consultation, commune = place
    batch, plain = codes.create_batch(consultation, 3, commune=commune)
    first, second = factory.user(), factory.user()
    codes.verify_with_code(first, codes.format_code(plain[0]))
    with pytest.raises(VerificationError):
        codes.verify_with_code(second, plain[0])
    codes.revoke_batch(batch)
    with pytest.raises(VerificationError):
        codes.verify_with_code(second, plain[1])
    assert codes.batch_counts(batch) == (3, 1)


def test_a_deleted_and_reverified_resident_cannot_support_twice(factory, place):
    consultation, commune = place
    _store(commune, factory.user("organiser"))
    proposal = factory.proposal(consultation, commune)
    first = factory.user()
    residents.verify_with_resident_list(first, "AB123456", "25/03/1990")
    cast_vote(proposal, first)
    delete_account(first)
    assert active_verification(first) is None
    second = factory.user()
    residents.verify_with_resident_list(second, "AB123456", "25/03/1990")
    with pytest.raises(AlreadyDone):
        cast_vote(proposal, second)
    db.session.refresh(proposal)
    assert proposal.supports_count == 1
    assert db.session.query(Vote).filter_by(proposal_id=proposal.id).count() == 1
