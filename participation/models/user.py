"""Accounts, residencies and requests for verification."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from participation.extensions import db
from participation.models.organisation import Organisation
from participation.models.place import Dwelling, Place
from participation.models.state import InvalidTransition
from participation.models.types import UTCDateTime, str_enum
from participation.timeutil import utcnow


class Role(StrEnum):
    """What a person is on the platform."""

    RESIDENT = "resident"
    STAFF = "staff"
    PARTNER = "partner"
    ADMIN = "admin"

    @property
    def needs_organisation(self) -> bool:
        return self in (Role.STAFF, Role.PARTNER)


def normalise_email(email: str) -> str:
    """Emails are compared and stored trimmed and lower-cased."""
    return email.strip().lower()


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


#: Erased accounts get a random address at this reserved (RFC 2606) domain.
ERASED_EMAIL_DOMAIN = "compte-supprime.invalid"


class User(UserMixin, db.Model):
    """A person with an account.

    ``login_token`` is what the session cookie carries (Flask-Login's alternative
    id): rotating it on a password change signs every other session out.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.RESIDENT)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey(Organisation.id), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(5), default="fr")
    login_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_login_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    residencies: Mapped[list[Residency]] = relationship(
        back_populates="user",
        foreign_keys="Residency.user_id",
        order_by="Residency.id",
    )

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        return normalise_email(value)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return self.login_token

    @property
    def current_residencies(self) -> list[Residency]:
        return [r for r in self.residencies if r.ended_at is None]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class VerificationMethod(StrEnum):
    """How a residency was verified."""

    INVITATION_CODE = "invitation_code"
    STAFF_APPROVAL = "staff_approval"


class Residency(db.Model):
    """A verified link between a person and the dwelling they live in."""

    __table_args__ = (UniqueConstraint("user_id", "dwelling_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id), index=True)
    dwelling_id: Mapped[int] = mapped_column(ForeignKey(Dwelling.id), index=True)
    method: Mapped[VerificationMethod] = mapped_column(str_enum(VerificationMethod))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(
        back_populates="residencies", foreign_keys=[user_id]
    )
    dwelling: Mapped[Dwelling] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    def verify(
        self, method: VerificationMethod, now: datetime, by: User | None
    ) -> None:
        """Mark as verified now (again, after a move back in)."""
        self.method, self.verified_at, self.verified_by = method, now, by
        self.ended_at = None

    def end(self, now: datetime) -> None:
        """Record the move-out.

        :raises InvalidTransition: it has already ended.
        """
        if self.ended_at is not None:
            raise InvalidTransition(_l("Ce départ est déjà enregistré."))
        self.ended_at = now


class VerificationStatus(StrEnum):
    """Where a request for verification stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class VerificationRequest(db.Model):
    """A resident without an invitation code asks staff to confirm where they live."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey(Place.id), index=True)
    details: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[VerificationStatus] = mapped_column(
        str_enum(VerificationStatus), default=VerificationStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    decision_note: Mapped[str] = mapped_column(String(300), default="")
    dwelling_id: Mapped[int | None] = mapped_column(ForeignKey(Dwelling.id))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    place: Mapped[Place] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    dwelling: Mapped[Dwelling | None] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.status is VerificationStatus.PENDING

    def decide(
        self,
        status: VerificationStatus,
        by: User,
        now: datetime,
        *,
        note: str = "",
        dwelling: Dwelling | None = None,
    ) -> None:
        """Approve (for ``dwelling``) or refuse (with ``note``) once, and only once.

        :raises InvalidTransition: the request was already decided.
        """
        if not self.is_pending:
            raise InvalidTransition(_l("Cette demande a déjà été traitée."))
        if status is VerificationStatus.PENDING:
            raise ValueError("a decision approves or refuses")
        self.status, self.decision_note, self.dwelling = status, note, dwelling
        self.decided_at, self.decided_by = now, by
