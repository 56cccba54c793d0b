"""Invitation codes: issued per dwelling, printed once, redeemed at sign-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists

from participation import permissions
from participation.extensions import db
from participation.models import (
    Dwelling,
    InvitationCode,
    Place,
    Residency,
    User,
    descendants_of,
)
from participation.models.invitation import hash_code, new_code
from participation.services import PermissionDenied, audit


@dataclass(frozen=True)
class IssuedCode:
    """A plain code, known only at the moment it is issued."""

    dwelling: Dwelling
    code: str
    expires_at: datetime


def dwellings_for_letters(
    place: Place, *, only_vacant: bool, without_code_valid_at: datetime | None = None
) -> list[Dwelling]:
    """Dwellings inside ``place``, by reference; optionally only those without a
    current verified resident, and only those without a code still usable at
    ``without_code_valid_at`` (so that reprinting never voids letters already
    delivered unless asked to)."""
    query = (
        db.select(Dwelling)
        .join(Dwelling.place)
        .where(descendants_of(place))
        .order_by(Dwelling.reference)
        .options(db.joinedload(Dwelling.place))
    )
    if only_vacant:
        query = query.where(
            ~exists().where(
                Residency.dwelling_id == Dwelling.id, Residency.ended_at.is_(None)
            )
        )
    if without_code_valid_at is not None:
        query = query.where(
            ~exists().where(
                InvitationCode.dwelling_id == Dwelling.id,
                InvitationCode.used_at.is_(None),
                InvitationCode.expires_at > without_code_valid_at,
            )
        )
    return list(db.session.scalars(query))


def issue_codes(
    actor: User | None,
    place: Place,
    dwellings: list[Dwelling],
    now: datetime,
    *,
    codes: dict[int, str] | None = None,
) -> list[IssuedCode]:
    """Give each dwelling (inside ``place``) a new code, replacing any previous one.

    Returns the plain codes: they are stored hashed and can never be shown again.
    ``codes`` fixes the plain code for some dwellings (demo data only).
    ``actor`` None means the command line (no permission check).

    :raises PermissionDenied: the actor does not manage one of the dwellings.
    """
    if actor is not None and not (
        permissions.can_manage_place(actor, place)
        and all(permissions.can_manage_dwelling(actor, d) for d in dwellings)
    ):
        raise PermissionDenied()
    days = current_app.config["INVITATION_CODE_DAYS"]
    expires_at = now + timedelta(days=days)
    existing = {
        code.dwelling_id: code
        for code in db.session.scalars(
            db.select(InvitationCode).where(
                InvitationCode.dwelling_id.in_([d.id for d in dwellings])
            )
        )
    }
    issued = []
    for dwelling in dwellings:
        plain = (codes or {}).get(dwelling.id) or new_code()
        row = existing.get(dwelling.id) or InvitationCode(dwelling_id=dwelling.id)
        row.code_hash = hash_code(plain)
        row.created_at, row.created_by_id = now, actor.id if actor else None
        row.expires_at, row.used_at, row.used_by_id = expires_at, None, None
        db.session.add(row)
        issued.append(IssuedCode(dwelling, plain, expires_at))
    audit.record(
        actor,
        "invitation.issue",
        place,
        now,
        landlord_id=place.landlord_id,
        count=len(dwellings),
        dwelling_ids=[d.id for d in dwellings],
    )
    db.session.commit()
    return issued


def issue_letters(
    actor: User,
    place: Place,
    *,
    only_vacant: bool,
    replace_valid: bool,
    now: datetime,
) -> list[IssuedCode]:
    """Issue new codes for the dwellings inside ``place``, for printing as letters:
    optionally only those without a verified resident; dwellings whose code is
    still usable are skipped unless ``replace_valid``.

    :raises PermissionDenied: the actor does not manage the place.
    """
    if not permissions.can_manage_place(actor, place):
        raise PermissionDenied()
    dwellings = dwellings_for_letters(
        place,
        only_vacant=only_vacant,
        without_code_valid_at=None if replace_valid else now,
    )
    return issue_codes(actor, place, dwellings, now) if dwellings else []
