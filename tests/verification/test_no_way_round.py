"""No way round one support per person: deleting a verified account and verifying a new one
with the same identity (residents' list entry, phone number) gives no second support, nor does
verifying an account that supported first, nor merging proposals; verification data never
leaves in public exports, the API or the personal data export (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from roadmap.accounts.personal_data import delete_account, export_personal_data
from roadmap.core.keys import keyed_hash
from roadmap.core.phones import phone_hash
from roadmap.extensions import db
from roadmap.exports import tables
from roadmap.moderation import services as moderation
from roadmap.participation.models import Vote
from roadmap.participation.services import cast_vote
from roadmap.proposals.models import Proposal
from roadmap.verification import residents
from roadmap.verification.services import verify_account
from tests.conftest import login

PASSWORD = "a long test passphrase"
PHONE = "+212612345678"


@pytest.fixture
def scene(factory):
    """A consultation in its voting phase whose supports need a verified account, a commune
    with a residents' list, and one proposal there."""
    commune = factory.commune()
    consultation = factory.consultation("voting", support_requirement="verified")
    rows = residents.read_resident_rows(
        "list.csv", f"cnie;birth_date;commune\nAB123456;25/03/1990;{commune.code}\n".encode())
    residents.store_list(residents.check_rows(rows), label="Extract", filename="list.csv",
                         by=factory.user("organiser"))
    proposal = factory.proposal(consultation, commune)
    return consultation, commune, proposal


def supports_of(proposal) -> tuple[int, int]:
    """``(supports_count, rows in vote)`` of ``proposal`` as the database holds them."""
    db.session.expire_all()
    rows = db.session.scalar(select(func.count(Vote.id)).where(Vote.proposal_id == proposal.id))
    count = db.session.scalar(select(Proposal.supports_count).where(Proposal.id == proposal.id))
    return count, rows


def vote_url(proposal) -> str:
    return f"/c/{proposal.consultation.slug}/proposals/{proposal.id}/vote?lang=en"


def support_delete_and_come_back(client, factory, proposal, verify):
    """A verified account supports, deletes itself; a new account verifies with the same
    identity (``verify(user)``) and tries to support again. Returns the second answer."""
    first = factory.user()
    verify(first)
    db.session.commit()
    login(client, first)
    assert client.post(vote_url(proposal)).status_code == 303
    assert supports_of(proposal) == (1, 1)
    response = client.post("/profile/delete?lang=en", data={"password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert first.deleted_at is not None and first.verified_at is None
    second = factory.user()
    verify(second)
    db.session.commit()
    login(client, second)
    return client.post(vote_url(proposal), follow_redirects=True)


@pytest.mark.parametrize("method", ["residents_list", "sms"])
def test_a_deleted_and_reverified_person_cannot_support_twice(client, factory, scene, method):
    _consultation, _commune, proposal = scene
    if method == "residents_list":
        def verify(user):
            residents.verify_with_resident_list(user, "AB123456", "25/03/1990")
    else:
        def verify(user):
            verify_account(user, method="sms", identity_hash=phone_hash(PHONE))
    response = support_delete_and_come_back(client, factory, proposal, verify)
    assert ("This proposal already has your support, given from another account verified "
            "with the same identity.") in response.get_data(as_text=True)
    assert supports_of(proposal) == (1, 1)


def test_verifying_an_account_that_supported_first_drops_its_duplicate(client, factory, scene):
    consultation, commune, proposal = scene
    consultation.support_requirement = "confirmed"  # unverified accounts may support here
    other = factory.proposal(consultation, commune)
    first = factory.user()
    verify_account(first, method="sms", identity_hash=phone_hash(PHONE))
    cast_vote(proposal, first)
    delete_account(first, by=first)
    second = factory.user()
    cast_vote(proposal, second)          # unverified: counted for now
    cast_vote(other, second)
    assert supports_of(proposal) == (2, 2)
    verify_account(second, method="sms", identity_hash=phone_hash(PHONE))
    assert supports_of(proposal) == (1, 1)  # the same person, once
    assert supports_of(other) == (1, 1)     # a proposal the deleted account did not support
    assert db.session.scalar(select(Vote.identity_hash).where(
        Vote.proposal_id == other.id)) == phone_hash(PHONE)


def test_a_merge_keeps_one_support_per_identity(factory, scene):
    consultation, commune, target = scene
    source = factory.proposal(consultation, commune)
    identity = keyed_hash("cnie", "AB123456")
    first = factory.user()
    verify_account(first, method="residents_list", identity_hash=identity)
    cast_vote(target, first)
    delete_account(first, by=first)
    second, bystander = factory.user(), factory.user()
    verify_account(second, method="residents_list", identity_hash=identity)
    verify_account(bystander, method="sms", identity_hash=phone_hash(PHONE))
    cast_vote(source, second)
    cast_vote(source, bystander)
    moderator = factory.user("moderator")
    (merge_row,) = moderation.merge(target, [source], moderator)
    assert supports_of(target) == (2, 2)   # the deleted account's and the bystander's
    assert [entry["duplicate"] for entry in merge_row.moved_votes] == [True, False]
    moderation.undo_merge(merge_row, moderator)
    assert supports_of(source) == (2, 2) and supports_of(target) == (1, 1)
    assert db.session.scalar(select(Vote.identity_hash).where(
        Vote.proposal_id == source.id, Vote.user_id == second.id)) == identity


def test_the_personal_data_export_shows_the_verification_without_hashes(factory, scene):
    consultation, commune, proposal = scene
    user = factory.user(phone_hash=phone_hash(PHONE), signup_ip_hash=keyed_hash("ip", "10.0.0.9"))
    residents.verify_with_resident_list(user, "AB123456", "25/03/1990")
    cast_vote(proposal, user)
    data = export_personal_data(user)
    account = data["account"]
    assert account["verification_method"] == "residents_list"
    assert account["verified_at"] and account["email_confirmed_at"]
    assert account["verified_commune"]["code"] == commune.code
    (verification,) = data["verifications"]
    assert verification["method"] == "residents_list" and verification["commune_id"] == commune.id
    assert "identity_hash" not in data["supports"][0]
    text = json.dumps(data, default=str)
    for secret in (phone_hash(PHONE), keyed_hash("ip", "10.0.0.9"),
                   keyed_hash("cnie", "AB123456"), "identity_hash", "phone_hash",
                   "signup_ip_hash", "source_id", "entered_by_id"):
        assert secret not in text


# --- public exports and the API --------------------------------------------------------------

FORBIDDEN_NAMES = ("identity_hash", "phone_hash", "signup_ip_hash", "source_id", "entered_by",
                   "verification_method", "verified_commune", "verified_at")


def _texts_of(body: bytes) -> list[bytes]:
    """The bytes to search: the files of a zip archive (XLSX, CSV tables), or the body."""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return [archive.read(name) for name in archive.namelist()]
    return [body]


def test_no_verification_data_in_public_exports_or_the_api(client, factory, scene):
    consultation, commune, proposal = scene
    official = factory.user("moderator", display_name="Official Zineb Helpdesk")
    resident = factory.user(phone_hash=phone_hash(PHONE),
                            signup_ip_hash=keyed_hash("ip", "10.0.0.9"))
    residents.verify_with_resident_list(resident, "AB123456", "25/03/1990")
    cast_vote(proposal, resident, entered_by=official)
    entered = factory.proposal(consultation, commune, resident, entered_by_id=official.id,
                               latitude=commune.centroid_lat, longitude=commune.centroid_lon)
    db.session.commit()
    secrets = [value.encode() for value in (
        phone_hash(PHONE), keyed_hash("ip", "10.0.0.9"), keyed_hash("cnie", "AB123456"),
        "Official Zineb Helpdesk")]
    names = [name.encode() for name in FORBIDDEN_NAMES]
    slug = consultation.slug
    urls = [f"/c/{slug}/exports/consultation.xlsx", f"/c/{slug}/exports/tables.zip",
            f"/c/{slug}/exports/consultation.gpkg"]
    urls += [f"/c/{slug}/exports/{name}.csv" for name in tables.table_names("public")]
    urls += [f"/c/{slug}/exports/{layer}.geojson" for layer in ("proposals", "communes")]
    urls += ["/api/v1/consultations", f"/api/v1/consultations/{slug}",
             f"/api/v1/consultations/{slug}/axes", "/api/v1/communes",
             f"/api/v1/proposals?consultation={slug}", f"/api/v1/proposals/{proposal.id}",
             f"/api/v1/proposals/{entered.id}", "/api/v1/openapi.json"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for text in _texts_of(response.data):
            for forbidden in secrets + names:
                assert forbidden not in text, (url, forbidden)
    votes = client.get(f"/c/{slug}/exports/votes.csv").get_data(as_text=True)
    assert f"{proposal.id},{commune.code},{commune.code},1" in votes.replace("\r", "")
