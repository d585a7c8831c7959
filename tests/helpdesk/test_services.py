"""The help desk's services on SQLite and PostgreSQL: identifying a present resident (list or
code), managed accounts, supports and proposals on their behalf with their marks and audit
entries, refusals, and claiming the account by email or with a phone number."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.accounts.services import PasswordTooCommon, authenticate, verify_password
from roadmap.audit.models import AuditEntry
from roadmap.core.mail import OutboxMessage
from roadmap.core.phones import normalise_phone, phone_hash
from roadmap.core.sms import SmsMessage
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.helpdesk import services
from roadmap.helpdesk.services import HelpDeskError
from roadmap.participation.models import Vote
from roadmap.participation.services import AlreadyDone, Refused
from roadmap.proposals.models import Proposal
from roadmap.proposals.services import ProposalError
from roadmap.verification import codes, phone, residents
from roadmap.verification.identity import InvalidIdentity
from roadmap.verification.models import SmsChallenge
from roadmap.verification.services import VerificationError
from tests.conftest import last_sms_code

pytestmark = pytest.mark.usefixtures("english_request")
CSV = "cnie;birth_date;commune\nAB123456;25/03/1990;{code}\nK4567;1985-01-02;{code}\n"


@pytest.fixture
def desk(factory):
    """A commune with a residents' list, a consultation open for proposals and supports,
    and a help-desk officer."""
    commune = factory.commune()
    consultation = factory.consultation("proposals", voting_during_proposals=True,
                                        support_requirement="verified")
    organiser = factory.user("organiser")
    rows = residents.read_resident_rows("list.csv", CSV.format(code=commune.code).encode())
    residents.store_list(residents.check_rows(rows), label="Extract", filename="list.csv",
                         by=organiser)
    return consultation, commune, factory.user("helpdesk", display_name="Fatima at the desk")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_resident_without_account_gets_a_managed_verified_account(desk):
    consultation, commune, official = desk
    found = services.identify_by_list(official, "ab 123456", "25/03/1990", display_name="Aicha")
    resident = found.resident
    assert found.created and resident.is_managed and resident.managed_by_id == official.id
    assert resident.email.startswith("managed-") and resident.email.endswith("@managed.invalid")
    assert resident.display_name == "Aicha" and resident.role == "participant"
    assert resident.verification_method == "residents_list"
    assert resident.verified_commune_id == commune.id
    assert not verify_password(resident.password_hash, "")  # no password opens it
    verification = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "verification.verify", AuditEntry.subject_id == resident.id))
    assert verification.actor_id == official.id and verification.after["help_desk"] is True
    # The same identity again: the official continues with that account, nothing new.
    users = _count(User)
    again = services.identify_by_list(official, "AB123456", "1990-03-25")
    assert again.resident.id == resident.id and not again.created and _count(User) == users


def test_an_identity_that_verifies_an_account_continues_with_it(desk, factory):
    consultation, commune, official = desk
    own = factory.user(display_name="Karim online")
    residents.verify_with_resident_list(own, "K4567", "02/01/1985")
    found = services.identify_by_list(official, "k 4567", "1985-01-02", display_name="ignored")
    assert found.resident.id == own.id and not found.created
    assert not own.is_managed and own.display_name == "Karim online"


def test_identifying_with_an_in_person_code(desk):
    consultation, commune, official = desk
    batch, plain = codes.create_batch(consultation, 2, commune=commune)
    found = services.identify_by_code(official, codes.format_code(plain[0]), display_name="Omar")
    assert found.created and found.resident.verification_method == "code"
    assert found.resident.verified_commune_id == commune.id
    again = services.identify_by_code(official, plain[0])
    assert again.resident.id == found.resident.id and not again.created


def test_bad_identities_are_refused_and_write_nothing(desk):
    consultation, commune, official = desk
    users, entries = _count(User), _count(AuditEntry)
    with pytest.raises(InvalidIdentity):
        services.identify_by_list(official, "12", "25/03/1990", display_name="Aicha")
    with pytest.raises(InvalidIdentity):
        services.identify_by_list(official, "AB123456", "31/02/1990", display_name="Aicha")
    with pytest.raises(VerificationError) as not_listed:
        services.identify_by_list(official, "AB123456", "26/03/1990", display_name="Aicha")
    assert not_listed.value.code == "not_on_list"
    with pytest.raises(HelpDeskError) as no_name:
        services.identify_by_list(official, "AB123456", "25/03/1990")
    assert no_name.value.field == "display_name"
    with pytest.raises(VerificationError):
        services.identify_by_code(official, "123456789012", display_name="Omar")
    batch, plain = codes.create_batch(consultation, 1)
    codes.revoke_batch(batch)
    entries = _count(AuditEntry)
    with pytest.raises(VerificationError) as revoked:
        services.identify_by_code(official, plain[0], display_name="Omar")
    assert revoked.value.code == "code_revoked"
    assert _count(User) == users and _count(AuditEntry) == entries


def test_a_participant_cannot_act_at_the_help_desk(desk, factory):
    consultation, commune, official = desk
    with pytest.raises(HelpDeskError):
        services.identify_by_list(factory.user(), "AB123456", "25/03/1990", display_name="A")


def test_support_and_proposal_on_behalf_are_marked_and_logged(desk, factory):
    consultation, commune, official = desk
    resident = services.identify_by_list(official, "AB123456", "25/03/1990",
                                         display_name="Aicha").resident
    proposal = factory.proposal(consultation, commune)
    vote = services.support_for(proposal, resident, official)
    assert vote.user_id == resident.id and vote.entered_by_id == official.id
    assert vote.identity_hash is not None
    db.session.refresh(proposal)
    assert proposal.supports_count == 1
    mine = services.propose_for(
        consultation, resident, official, title="A well for the douar of Aicha",
        body="The families walk two kilometres for water every morning.",
        commune_id=commune.id, axis_id=consultation.axes[0].id)
    assert mine.author_id == resident.id and mine.entered_by_id == official.id
    assert mine.status == "published" and mine.origin == "online"
    reason = "entered at the help desk by Fatima at the desk"
    [supported] = _audit("helpdesk.support")
    assert (supported.actor_id, supported.subject_type, supported.subject_id) == (
        official.id, "vote", vote.id)
    assert supported.reason == reason and supported.consultation_id == consultation.id
    [proposed] = _audit("helpdesk.propose")
    assert (proposed.actor_id, proposed.subject_type, proposed.subject_id, proposed.reason) == (
        official.id, "proposal", mine.id, reason)
    with pytest.raises(AlreadyDone) as already:
        services.support_for(proposal, resident, official)
    assert str(already.value) == f"{resident.display_name} already supports this proposal."
    services.withdraw_support_for(proposal, resident, official)
    db.session.refresh(proposal)
    assert proposal.supports_count == 0 and _count(Vote) == 0
    [withdrawn] = _audit("helpdesk.withdraw_support")
    assert withdrawn.actor_id == official.id and withdrawn.subject_id == vote.id
    assert withdrawn.reason == reason and withdrawn.before["entered_by_id"] == official.id


def test_refusals_of_the_consultation_apply(desk, factory):
    consultation, commune, official = desk
    resident = services.identify_by_list(official, "AB123456", "25/03/1990",
                                         display_name="Aicha").resident
    other = factory.commune()
    elsewhere = factory.proposal(consultation, other)
    consultation.support_requirement = "resident"
    with pytest.raises(Refused) as refused:
        services.support_for(elsewhere, resident, official)
    assert refused.value.code == "resident"  # worded for the official, about the resident
    assert str(refused.value) == (f"Only verified residents of {other.name} can support this "
                                  "proposal, and Aicha is not verified as one.")
    consultation.support_requirement = "verified"
    consultation.vote_limit = 1
    services.support_for(factory.proposal(consultation, commune), resident, official)
    with pytest.raises(Refused) as limit:
        services.support_for(factory.proposal(consultation, commune), resident, official)
    assert limit.value.code == "limit" and str(limit.value).startswith("Aicha has already given")
    consultation.propose_requirement = "resident"
    with pytest.raises(ProposalError):
        services.propose_for(consultation, resident, official,
                             title="A clinic in the other commune",
                             body="A proposal for a commune where the resident does not live.",
                             commune_id=other.id, axis_id=consultation.axes[0].id)
    closed = factory.consultation("evaluation")
    with pytest.raises(Refused) as phase:
        services.support_for(factory.proposal(closed, commune), resident, official)
    assert phase.value.code == "phase"
    assert db.session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.entered_by_id.is_not(None))) == 0


def test_the_resident_claims_the_account_by_email(desk, app):
    consultation, commune, official = desk
    resident = services.identify_by_list(official, "AB123456", "25/03/1990",
                                         display_name="Aicha").resident
    with app.test_request_context("/?lang=en"):
        services.send_claim_link(resident, "Aicha@Example.org", official)
    token = _token_sent_to("aicha@example.org")
    assert services.claim_link(token).email == "aicha@example.org"
    user = services.claim_with_link(token, password="my own long passphrase",
                                    display_name="Aicha B.")
    assert not user.is_managed and user.claimed_at is not None and user.email_confirmed
    assert user.email == "aicha@example.org" and user.display_name == "Aicha B."
    assert authenticate("aicha@example.org", "my own long passphrase").id == resident.id
    assert services.claim_link(token) is None  # single use
    with pytest.raises(HelpDeskError):
        services.claim_with_link(token, password="my own long passphrase")
    with pytest.raises(HelpDeskError):  # a claimed account is no longer sent links
        services.send_claim_link(user, "other@example.org", official)


def test_claim_links_expire_are_replaced_and_never_go_to_a_taken_address(desk, app, factory):
    consultation, commune, official = desk
    resident = services.identify_by_list(official, "AB123456", "25/03/1990",
                                         display_name="Aicha").resident
    factory.user(email="taken@example.org")
    with app.test_request_context("/?lang=en"):
        with pytest.raises(HelpDeskError) as taken:
            services.send_claim_link(resident, "taken@example.org", official)
        assert taken.value.code == "email_taken"
        with pytest.raises(HelpDeskError):
            services.send_claim_link(resident, "not an address", official)
        services.send_claim_link(resident, "a@example.org", official)
        second = services.send_claim_link(resident, "b@example.org", official)
    first_token, second_token = (_token_sent_to(address) for address in ("a@example.org",
                                                                       "b@example.org"))
    assert services.claim_link(first_token) is None  # replaced by the second link
    assert services.claim_link(second_token) is not None
    second.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    assert services.claim_link(second_token) is None
    with pytest.raises(HelpDeskError):
        services.claim_with_link(second_token, password="my own long passphrase")
    assert db.session.get(User, resident.id).is_managed


def _token_sent_to(address: str) -> str:
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == address))
    return mail.body.split("/helpdesk/claim/")[1].split()[0]


def test_no_mail_goes_to_a_placeholder_address(desk, app):
    from roadmap.core.mail import send_mail

    consultation, commune, official = desk
    resident = services.identify_by_list(official, "AB123456", "25/03/1990",
                                         display_name="Aicha").resident
    before = _count(OutboxMessage)
    assert send_mail(resident.email, "Hello", "Nobody reads this.") is None
    assert send_mail("deleted-1@deleted.invalid", "Hello", "Nobody reads this.") is None
    assert _count(OutboxMessage) == before



def test_the_resident_claims_the_account_with_a_phone_number(desk, factory):
    consultation, commune, official = desk
    resident = services.identify_by_list(official, "AB123456", "25/03/1990",
                                         display_name="Aicha").resident
    factory.user(email="other@example.org").phone_hash = phone_hash(normalise_phone(
        "0698765432"))
    db.session.flush()
    with pytest.raises(InvalidIdentity):  # a landline, and a foreign number
        services.send_claim_code(resident, "05 24 00 00 00", official)
    with pytest.raises(InvalidIdentity):
        services.send_claim_code(resident, "+33 6 12 34 56 78", official)
    with pytest.raises(VerificationError) as taken:  # signs in another account
        services.send_claim_code(resident, "06 98 76 54 32", official)
    assert taken.value.code == "phone_used" and _count(SmsChallenge) == 0
    challenge = services.send_claim_code(resident, "06 61 23 45 67", official)
    assert challenge.purpose == "claim" and challenge.number == "+212661234567"
    code = last_sms_code()
    assert db.session.scalar(select(SmsMessage.recipient_masked)) == "+212 6•••••567"
    with pytest.raises(PasswordTooCommon):  # checked before the code: no try counted
        services.claim_with_phone(resident, code, official, password="password1234")
    assert challenge.attempts == 0
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(VerificationError) as refused:
        services.claim_with_phone(resident, wrong, official, password="my own long passphrase")
    assert refused.value.code in phone.COUNTED_TRIES and resident.is_managed
    user = services.claim_with_phone(resident, code, official, password="my own long passphrase",
                                     display_name="Aicha B.")
    assert not user.is_managed and user.claimed_at is not None and user.display_name == "Aicha B."
    assert user.phone_hash == phone_hash("+212661234567")
    assert authenticate("0661234567", "my own long passphrase").id == resident.id
    assert authenticate("+212 661 23 45 67", "my own long passphrase").id == resident.id
    assert [entry.after["channel"] for entry in _audit("helpdesk.claim")] == ["sms"]
    assert _audit("helpdesk.claim")[0].actor_id == official.id
    with pytest.raises(HelpDeskError):  # claimed: no more codes, no second claim
        services.send_claim_code(user, "06 61 23 45 67", official)
    with pytest.raises(HelpDeskError):
        services.claim_with_phone(user, code, official, password="my own long passphrase")


def test_a_claim_by_phone_ends_the_pending_email_link_and_needs_its_own_code(desk, app):
    consultation, commune, official = desk
    resident = services.identify_by_list(official, "AB123456", "25/03/1990",
                                         display_name="Aicha").resident
    with app.test_request_context("/?lang=en"):
        services.send_claim_link(resident, "aicha@example.org", official)
    token = _token_sent_to("aicha@example.org")
    with pytest.raises(VerificationError) as none:  # no claim code was sent
        services.claim_with_phone(resident, "123456", official, password="my own long passphrase")
    assert none.value.code == "sms_no_code"
    phone.start_challenge(resident, "0661234567")  # a *verification* code is not a claim code
    with pytest.raises(VerificationError):
        services.claim_with_phone(resident, last_sms_code(), official,
                                  password="my own long passphrase")
    services.send_claim_code(resident, "0661234567", official)
    services.claim_with_phone(resident, last_sms_code(), official, password="my own long passphrase")
    assert services.claim_link(token) is None
    assert db.session.get(User, resident.id).email.endswith("@managed.invalid")
