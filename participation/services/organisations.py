"""Organisations: landlords and partners, managed by admins."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from participation import permissions
from participation.extensions import db
from participation.models import Organisation, OrganisationKind, Place, User
from participation.services import ValidationError, audit, require


def _check_name(name: str, organisation_id: int | None) -> str:
    name = name.strip()
    other = db.session.scalar(
        db.select(Organisation).where(func.lower(Organisation.name) == name.lower())
    )
    if other is not None and other.id != organisation_id:
        raise ValidationError({"name": _("Une organisation porte déjà ce nom.")})
    return name


def create_organisation(
    actor: User, *, name: str, kind: OrganisationKind, now: datetime
) -> Organisation:
    """Create an organisation.

    :raises PermissionDenied: the actor may not create this kind (staff create
        partners, only admins create landlords).
    :raises ValidationError: the name is taken.
    """
    require(permissions.can_manage_organisation(actor, kind=kind))
    organisation = Organisation(name=_check_name(name, None), kind=kind, created_at=now)
    db.session.add(organisation)
    try:
        db.session.flush()
    except IntegrityError:  # the same name saved by someone else meanwhile
        db.session.rollback()
        raise ValidationError(
            {"name": _("Une organisation porte déjà ce nom.")}
        ) from None
    audit.record(
        actor,
        "organisation.create",
        organisation,
        now,
        landlord_id=actor.organisation_id,
        name=organisation.name,
        kind=kind.value,
    )
    db.session.commit()
    return organisation


def update_organisation(
    actor: User,
    organisation: Organisation,
    *,
    name: str,
    kind: OrganisationKind,
    now: datetime,
) -> Organisation:
    """Rename an organisation or change its kind.

    :raises PermissionDenied: the actor is not an admin.
    :raises ValidationError: the name is taken, or a landlord that owns places would
        stop being one.
    """
    require(
        permissions.can_manage_organisation(actor, organisation)
        and permissions.can_manage_organisation(actor, kind=kind)
    )
    name = _check_name(name, organisation.id)
    owns_places = db.session.scalar(
        db.select(Place.id).filter_by(landlord_id=organisation.id).limit(1)
    )
    if owns_places and kind is not OrganisationKind.LANDLORD:
        raise ValidationError(
            {"kind": _("Ce bailleur possède des lieux : il doit rester un bailleur.")}
        )
    before = {"name": organisation.name, "kind": organisation.kind.value}
    organisation.name, organisation.kind = name, kind
    audit.record(actor, "organisation.update", organisation, now, before=before)
    db.session.commit()
    return organisation


def managed_landlords(actor: User) -> list[Organisation]:
    """The landlords whose places the actor manages, by name."""
    query = db.select(Organisation).filter_by(kind=OrganisationKind.LANDLORD)
    landlord_ids = permissions.managed_landlord_ids(actor)
    if landlord_ids is not None:
        query = query.where(Organisation.id.in_(landlord_ids))
    return list(db.session.scalars(query.order_by(Organisation.name)))


def with_account_counts() -> list[tuple[Organisation, int]]:
    """Every organisation with its number of accounts, by kind then name."""
    rows = db.session.execute(
        db.select(Organisation, func.count(User.id))
        .outerjoin(User, User.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(Organisation.kind, Organisation.name)
    )
    return [(organisation, count) for organisation, count in rows]
