"""The authorization walk's world: the demo consultation in one database per module, one user per
role, and a way to send one request per (route, role) that leaves the database as it was.

Every request runs inside a savepoint that is rolled back afterwards, so requests do not depend
on each other (a participant deleting their account does not log them out of the next request).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import event, select

from roadmap.accounts.models import EmailConfirmationToken, Invitation, PasswordResetToken, User
from roadmap.accounts.services import _token_hash, hash_password
from roadmap.consultations.models import Workshop
from roadmap.core.mail import send_mail
from roadmap.core.models import utcnow
from roadmap.demo import SLUG, load_demo
from roadmap.extensions import db
from roadmap.moderation.models import Report
from roadmap.moderation.services import merge
from roadmap.participation.models import Comment, Follow, Notification, Vote
from roadmap.proposals.models import Proposal
from roadmap.ranking.services import ensure_criteria, parameters_for, run_consolidation
from roadmap.roadmaps.models import Roadmap
from roadmap.roadmaps.services import draft_from_run, publish
from tests.conftest import _BoundSession
from tests.security.permissions import ROLES, changed_tables, classify, fingerprint

PASSWORD = "a long walking passphrase"
# Which fixture value each URL argument takes, by argument name (see Scene).
ARGUMENTS = {"slug": "slug", "proposal_id": "proposal_id", "comment_id": "comment_id",
             "workshop_id": "workshop_id", "code": "commune_code", "token": "token",
             "user_id": "participant_id", "report_id": "report_id", "kind": "kind",
             "item_id": "proposal_id", "action": "decision", "merge_id": "merge_id",
             "run_id": "run_id", "name": "photo_name", "job_id": "job_id",
             "invitation_id": "invitation_id", "axis_id": "axis_id", "batch_id": "batch_id",
             "variant": "media_variant", "collection_id": "features_collection",
             "feature_id": "proposal_id"}
# Routes that act on the participant's own records instead of someone else's.
OVERRIDES = {
    "proposals.edit": {"proposal_id": "own_proposal_id"},
    "proposals.withdraw": {"proposal_id": "own_proposal_id"},
    "participation.edit_comment": {"comment_id": "own_comment_id"},
    "participation.delete_comment": {"comment_id": "own_comment_id"},
    "participation.unvote": {"proposal_id": "supported_proposal_id"},
    "participation.unfollow": {"proposal_id": "supported_proposal_id"},
    "moderation.unblock": {"user_id": "blocked_id"},
    "exports.download": {"name": "export_name", "ext": "export_ext"},
    "accounts.accept_invitation": {"token": "invitation_token"},
    "accounts.confirm_email": {"token": "confirmation_token"},
    "media.transcript": {"token": "voice_token"},
    "media.file": {"token": "attachment_token", "variant": "attachment_variant"},
}
# Roadmap routes name a roadmap item by ``item_id`` (moderation routes name a proposal by it).
ROADMAP_ITEM = {"item_id": "roadmap_item_id"}
# Form data sent with POST requests (others send an empty form); a function gets the Scene.
FORM_DATA = {
    "accounts.set_language": {"language": "fr", "next": "/"},
    "accounts.delete_account": {"password": PASSWORD},
    "participation.comment": {"comment-body": "A comment written by the authorization walk.",
                              "comment-stance": "for"},
    "moderation.report": {"reason": "spam", "note": "Reported by the authorization walk."},
    "moderation.decide": {"reason": "Decided by the authorization walk."},
    "moderation.block": {"reason": "Blocked by the authorization walk."},
    "media.transcript": lambda scene: {
        f"transcript-{scene.voice_id}-transcript": "Typed by the authorization walk."},
    "participation.edit_comment": lambda scene: {
        f"edit-{scene.own_comment_id}-body": "A comment edited by the authorization walk.",
        f"edit-{scene.own_comment_id}-stance": "against"},
}


@dataclass
class Scene:
    """Ids of the records the walk's URLs point to; users are the participant's unless said."""

    slug: str
    proposal_id: int  # a published demo proposal by a demo citizen
    comment_id: int  # a demo comment by a demo citizen
    workshop_id: int
    commune_code: str
    participant_id: int
    blocked_id: int
    own_proposal_id: int  # the participant's, with no support or comment yet (editable)
    own_comment_id: int  # the participant's, just written (editable)
    supported_proposal_id: int  # another demo proposal every walk user supports and follows
    report_id: int
    merge_id: int
    run_id: int  # a consolidation run, drafted into the roadmap, published
    roadmap_item_id: int
    token: str  # an unused password-reset token of the participant
    user_refs: dict[str, str] = field(default_factory=dict)  # role -> session reference
    kind: str = "proposal"  # moderation routes act on the proposal
    decision: str = "hide"  # the moderation decision the walk tries
    photo_name: str = "0" * 32 + ".jpg"  # a well-formed name of a photo that does not exist
    export_name: str = "tables-full"  # the organisers' export (the public ones are open to all)
    export_ext: str = "zip"
    job_id: str = "0" * 32  # an export job that does not exist
    invitation_id: int | None = None  # a pending invitation to an address without an account
    invitation_token: str = ""  # the token of its link
    axis_id: int = 0  # the demo's first strategic axis (its proposals use it)
    confirmation_token: str = ""  # an unused email-confirmation link of the participant
    batch_id: int = 0  # a batch of in-person codes of the demo, its slips printed
    voice_id: int = 0  # a voice note (re-encoded) on the participant's own comment
    voice_token: str = ""  # its token
    media_variant: str = "audio"  # the file of an attachment the walk asks for
    attachment_token: str = ""  # a photo of the demo's first workshop (public)
    attachment_variant: str = "thumb"

    @property
    def features_collection(self) -> str:
        """The demo's proposals as an OGC API - Features collection."""
        return f"{self.slug}-proposals"


def _user(role: str, email: str, **fields) -> User:
    fields.setdefault("email_confirmed_at", utcnow())
    user = User(email=email, password_hash=hash_password(PASSWORD), display_name=f"Walk {role}",
                role=role, **fields)
    db.session.add(user)
    db.session.flush()
    return user


def _report(proposal: Proposal) -> int:
    """A demo citizen reports ``proposal`` (so the moderation queue is not empty)."""
    reporter_id = db.session.scalar(select(User.id).where(
        User.is_demo.is_(True), User.role == "participant", User.id != proposal.author_id)
        .order_by(User.id))
    report = Report(proposal_id=proposal.id, reporter_id=reporter_id, reason="spam")
    db.session.add(report)
    db.session.flush()
    return report.id


def _support_follow_and_notify(proposal: Proposal, users) -> None:
    """Each user supports and follows ``proposal`` and has an unread notification about it."""
    for user in users:
        db.session.add_all([Vote(proposal_id=proposal.id, user_id=user.id),
                            Follow(proposal_id=proposal.id, user_id=user.id),
                            Notification(user_id=user.id, kind="status", proposal_id=proposal.id,
                                         payload={})])
        proposal.supports_count += 1


def _merge(consultation, admin: User) -> int:
    """Merge the two last demo proposals (so that a merge can be undone)."""
    target, source = db.session.scalars(select(Proposal).where(
        Proposal.consultation_id == consultation.id, Proposal.status == "published",
        Proposal.origin == "online", Proposal.is_demo.is_(True))
        .order_by(Proposal.id.desc()).limit(2))
    return merge(target, [source], admin, "Merged by the authorization walk.")[0].id


def _published_roadmap(consultation, admin: User) -> tuple[int, int]:
    """The demo's consolidation run and published roadmap (made here if the demo has none):
    the ids of the run and of the roadmap's first item."""
    roadmap = db.session.scalar(select(Roadmap).where(Roadmap.consultation_id == consultation.id))
    if roadmap is None or roadmap.run_id is None or not roadmap.items:
        ensure_criteria(consultation)
        run, _result = run_consolidation(consultation, admin, parameters_for(consultation))
        roadmap = draft_from_run(consultation, run, admin)
        publish(roadmap, admin, {"en": "Published by the authorization walk."})
    return roadmap.run_id, roadmap.items[0].id


def _others_records(consultation) -> tuple[Proposal, Comment, Proposal]:
    """A published demo proposal, a demo comment and a second published demo proposal."""
    published = (select(Proposal).where(
        Proposal.consultation_id == consultation.id, Proposal.status == "published",
        Proposal.origin == "online", Proposal.is_demo.is_(True)).order_by(Proposal.id))
    proposal, supported = db.session.scalars(published.limit(2))
    comment = db.session.scalar(select(Comment).where(Comment.is_demo.is_(True))
                                .order_by(Comment.proposal_id != proposal.id, Comment.id))
    return proposal, comment, supported


def _own_records(participant: User, proposal: Proposal) -> tuple[Proposal, Comment, str, str]:
    """The participant's editable proposal, their comment on ``proposal``, a reset token and
    a confirmation token."""
    own = Proposal(consultation=proposal.consultation, commune=proposal.commune,
                   axis=proposal.axis, author=participant, status="published",
                   title="The walking participant's proposal",
                   body="Written by the authorization walk.")
    comment = Comment(proposal_id=proposal.id, author_id=participant.id,
                      body="The walking participant's comment.", stance="neutral")
    proposal.comments_count += 1
    token, confirmation = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.session.add_all([own, comment, PasswordResetToken(
        user=participant, token_hash=_token_hash(token),
        expires_at=utcnow() + timedelta(hours=2)), EmailConfirmationToken(
        user=participant, email=participant.email, token_hash=_token_hash(confirmation),
        expires_at=utcnow() + timedelta(hours=48))])
    # A mail in the outbox, so that the admin's outbox shows an address (only admins may).
    send_mail(participant.email, "Welcome", "A message kept in the outbox.")
    db.session.flush()
    return own, comment, token, confirmation


def _voice_note(comment: Comment) -> tuple[int, str]:
    """A ready voice note on ``comment`` by its author (the row only: no route reads its file
    but ``media.file``, whose walk token is no attachment's)."""
    from roadmap.media.models import Attachment

    note = Attachment(token=secrets.token_hex(16), kind="voice", state="ready",
                      comment_id=comment.id, uploaded_by_id=comment.author_id,
                      content_type="audio/mp4", extension="m4a", size=0, duration_seconds=2.0)
    db.session.add(note)
    db.session.flush()
    return note.id, note.token


def _invitation(admin: User) -> tuple[int, str]:
    """A pending invitation (to an address without an account) and the token of its link."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation(email="walk-invitee@example.org", role="moderator",
                            stakeholder_type="public_service", invited_by_id=admin.id,
                            token_hash=_token_hash(token), sent_at=utcnow(), send_count=1,
                            expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    db.session.flush()
    return invitation.id, token


def _code_batch(consultation, organiser: User) -> int:
    """A batch of two in-person codes whose slips (a job file) were printed."""
    from roadmap.core.jobs import run_job
    from roadmap.verification.codes import create_batch
    from roadmap.verification.jobs import start_slips

    batch, plain = create_batch(consultation, 2, by=organiser)
    run_job(start_slips(batch, plain, by=organiser))
    return batch.id


def build_scene() -> Scene:
    """Load the demo, add one user per role, a merge, a published roadmap and the
    participant's own records; flushes."""
    consultation = load_demo(echo=lambda *_: None)
    users = {role: _user(role if role in ("helpdesk", "moderator", "organiser", "admin")
                         else "participant",
                         f"walk-{role}@example.org") for role in ROLES[1:]}
    users["blocked"].blocked_at = utcnow()
    users["blocked"].blocked_reason = "Blocked by the authorization walk."
    participant = users["participant"]
    merge_id = _merge(consultation, users["admin"])
    run_id, item_id = _published_roadmap(consultation, users["admin"])
    proposal, comment, supported = _others_records(consultation)
    _support_follow_and_notify(supported, users.values())
    own, own_comment, token, confirmation = _own_records(participant, proposal)
    workshop_id = db.session.scalar(select(Workshop.id).where(
        Workshop.consultation_id == consultation.id).order_by(Workshop.id))
    invitation_id, invitation_token = _invitation(users["admin"])
    voice_id, voice_token = _voice_note(own_comment)
    from tests.media.helpers import attach_document, attach_photo
    # Uploaded by an organiser the walk does not sign in as: the walk deletes its users'
    # accounts (in rolled-back savepoints, but the files of a deletion go at its commit).
    photographer = _user("organiser", "walk-photographer@example.org")
    db.session.flush()
    photo = attach_photo("workshop_id", workshop_id, photographer, "The workshop's hall")
    attach_document("workshop_id", workshop_id, photographer, "attendance.pdf")
    return Scene(slug=SLUG, proposal_id=proposal.id, comment_id=comment.id,
                 workshop_id=workshop_id, commune_code=proposal.commune.code,
                 participant_id=participant.id, blocked_id=users["blocked"].id,
                 own_proposal_id=own.id, own_comment_id=own_comment.id,
                 supported_proposal_id=supported.id, report_id=_report(proposal),
                 merge_id=merge_id, run_id=run_id, roadmap_item_id=item_id, token=token,
                 invitation_id=invitation_id, invitation_token=invitation_token,
                 axis_id=consultation.axes[0].id, confirmation_token=confirmation,
                 batch_id=_code_batch(consultation, users["organiser"]),
                 voice_id=voice_id, voice_token=voice_token,
                 attachment_token=photo.token,
                 user_refs={role: user.get_id() for role, user in users.items()})


def _writes_into(writes: list):
    """A cursor listener that appends every INSERT, UPDATE or DELETE statement to ``writes``."""

    def listener(_conn, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    return listener


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _emails_shown(response, role: str) -> set[str]:
    """The email addresses in a text answer, except the viewer's own."""
    if not response.mimetype.startswith(("text/", "application/json")):
        return set()
    found = set(EMAIL.findall(response.get_data(as_text=True)))
    return found - {f"walk-{role}@example.org"}


class Walk:
    """Sends one request per (route, role), each in a savepoint that is rolled back."""

    def __init__(self, app, connection, scene: Scene):
        self.app, self.connection, self.scene = app, connection, scene
        self._baseline: dict[str, str] | None = None
        self.leaks: dict[tuple[str, str, str], set[str]] = {}  # emails each answer showed

    def baseline(self) -> dict[str, str]:
        """The fingerprint of the scene, which every request starts from (computed once)."""
        if self._baseline is None:
            self._baseline = fingerprint()
            db.session.remove()
        return self._baseline

    def url(self, endpoint: str, rule) -> str:
        """The URL of ``endpoint`` with the scene's values for its arguments."""
        values = {}
        for argument in rule.arguments:
            overrides = ROADMAP_ITEM if endpoint.startswith("roadmaps.") else OVERRIDES.get(
                endpoint, {})
            name = overrides.get(argument) or ARGUMENTS.get(argument)
            value = getattr(self.scene, name, None) if name else None
            if value is None:
                raise LookupError(f"No value for <{argument}> of {endpoint}: add one to "
                                  "ARGUMENTS or OVERRIDES in tests/security/conftest.py")
            values[argument] = value
        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def client(self, role: str):
        """A fresh test client, logged in as ``role`` (none for anonymous)."""
        client = self.app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if role != "anonymous":
            with client.session_transaction() as session:
                session["_user_id"] = self.scene.user_refs[role]
                session["_fresh"] = True
        return client

    def request(self, role: str, endpoint: str, method: str, rule) -> tuple[str, list[str]]:
        """Send the request; returns its outcome class and the tables it changed."""
        url = self.url(endpoint, rule)
        before = self.baseline() if method != "GET" else None
        writes = []
        savepoint = self.connection.begin_nested()
        listener = _writes_into(writes)
        event.listen(self.connection, "before_cursor_execute", listener)
        try:
            data = FORM_DATA.get(endpoint, {})
            response = self.client(role).open(
                url, method=method, data=data(self.scene) if callable(data) else data)
            # Without a write statement nothing changed; with one, compare the content.
            after = fingerprint() if before is not None and writes else before
        finally:
            event.remove(self.connection, "before_cursor_execute", listener)
            db.session.remove()
            savepoint.rollback()
        changed = changed_tables(before, after) if before is not None else []
        outcome = classify(response, bool(changed) if before is not None else None)
        self.leaks[(endpoint, method, role)] = _emails_shown(response, role)
        return outcome, changed


@pytest.fixture(scope="module")
def walk(migrated_app):
    """The demo and the walk's users in one transaction for the module, rolled back at the end."""
    with migrated_app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": _BoundSession, "bind": connection,
             "join_transaction_mode": "create_savepoint"})
        try:
            scene = build_scene()
            db.session.commit()
            db.session.remove()
            yield Walk(migrated_app, connection, scene)
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


