"""Accounts: users with a role and a profile, and single-use password-reset tokens."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db

# ``helpdesk``: an official at a commune office who enters a present resident's proposals and
# supports on their behalf (moderators, organisers and admins may too).
ROLES = ("participant", "helpdesk", "moderator", "organiser", "admin")
# How an account was verified (see roadmap.verification): one method per active verification.
VERIFICATION_METHODS = ("residents_list", "code", "sms")
STAKEHOLDER_TYPES = ("citizen", "association", "economic_actor", "elected_official",
                     "public_service", "other")
GENDERS = ("woman", "man", "prefer_not_to_say")
AGE_BANDS = ("under_18", "18_24", "25_34", "35_49", "50_64", "65_plus", "prefer_not_to_say")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(UserMixin, db.Model):
    """A person with an account. ``role`` is one of :data:`ROLES`."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(_in("stakeholder_type", STAKEHOLDER_TYPES), name="stakeholder_type"),
        CheckConstraint(f"verification_method IS NULL OR "
                        f"{_in('verification_method', VERIFICATION_METHODS)}",
                        name="verification_method"),
        CheckConstraint(f"gender IS NULL OR {_in('gender', GENDERS)}", name="gender"),
        CheckConstraint(f"age_band IS NULL OR {_in('age_band', AGE_BANDS)}", name="age_band"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20), default="participant")
    stakeholder_type: Mapped[str] = mapped_column(String(30), default="citizen")
    organisation: Mapped[str | None] = mapped_column(String(200))
    home_commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"), index=True)
    preferred_language: Mapped[str | None] = mapped_column(String(5))
    gender: Mapped[str | None] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A blocked user can no longer post; their content is hidden until they are unblocked.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    # Set when the account was deleted: personal fields are erased, contributions stay.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Email confirmation: set when the owner opened the confirmation link (accounts created
    # before confirmations existed, the demo's and invited ones count as confirmed).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Verification (roadmap.verification keeps the identity's keyed hash): the method, when,
    # and the home commune the method vouches for, if it knows one. None: not verified.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verification_method: Mapped[str | None] = mapped_column(String(20))
    verified_commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("commune.id", ondelete="SET NULL"))
    # Login by phone number: the keyed hash (HMAC-SHA256) of the E.164 number, never the number.
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # An account opened at the help desk for a resident without email: the official who opened
    # it, and when the resident claimed it (email or phone and a password of their own).
    managed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Keyed hash of the address the account was registered from (the suspicious-activity view
    # groups bursts by it); never the address itself.
    signup_ip_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    home_commune = relationship("Commune", foreign_keys=[home_commune_id])
    verified_commune = relationship("Commune", foreign_keys=[verified_commune_id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """The session's user reference: the id and a fingerprint of the password hash.

        Changing the password changes the fingerprint, which ends every other session.
        """
        return f"{self.id}:{self.session_fingerprint}"

    @property
    def session_fingerprint(self) -> str:
        """A short digest of the password hash (salted, so it reveals nothing usable)."""
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    @property
    def public_name(self) -> str:
        """The name shown to others: the display name, or "Deleted user" once deleted."""
        if self.deleted_at is not None:
            from flask_babel import gettext

            return gettext("Deleted user")
        return self.display_name

    @property
    def email_confirmed(self) -> bool:
        """True once the address was confirmed (managed accounts have none to confirm)."""
        return self.email_confirmed_at is not None

    @property
    def is_verified(self) -> bool:
        """True while the account holds a verification (residents' list, code or SMS)."""
        return self.verified_at is not None

    @property
    def is_managed(self) -> bool:
        """True for an account opened at the help desk that its resident has not claimed."""
        return self.managed_by_id is not None and self.claimed_at is None

    @property
    def residence_commune_id(self) -> int | None:
        """The home commune the rules use: the verified one wherever known, else the declared."""
        return self.verified_commune_id or self.home_commune_id

    def has_role(self, *roles: str) -> bool:
        """True if the user holds one of ``roles``; admins hold every role."""
        return self.role == "admin" or self.role in roles


class PasswordResetToken(db.Model):
    """A single-use, expiring password-reset token; only its SHA-256 is stored."""

    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class EmailConfirmationToken(db.Model):
    """A single-use, expiring link that confirms an account's address; only its SHA-256 is
    stored. ``email`` is the address it confirms (a changed address needs a new link)."""

    __tablename__ = "email_confirmation_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """A signed-in session, so that logging out (or an expiry) revokes it on the server.

    The browser's session cookie carries a random token; only its SHA-256 is stored here.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(db.Model):
    """An invitation of an official or organiser by email, with a single-use expiring link.

    Only the SHA-256 of the link's token is stored. Its state follows from the dates:
    ``accepted`` (``accepted_at``), ``revoked`` (``revoked_at``), ``expired`` (past
    ``expires_at``), else ``pending``. Resending gives a new token and a new expiry.
    """

    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(_in("stakeholder_type", STAKEHOLDER_TYPES), name="stakeholder_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    stakeholder_type: Mapped[str] = mapped_column(String(30), default="public_service")
    organisation: Mapped[str | None] = mapped_column(String(200))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"))
    preferred_language: Mapped[str | None] = mapped_column(String(5))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))  # the account it created or joined
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    commune = relationship("Commune")
    invited_by = relationship("User", foreign_keys=[invited_by_id])
    user = relationship("User", foreign_keys=[user_id])
