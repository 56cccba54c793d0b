"""Who may do what: pure predicates shared by services, views and templates.

Each predicate takes the acting user first (possibly anonymous) and answers a yes/no
question without touching the database beyond the objects it is given.
"""

from __future__ import annotations

from typing import Any

from participation.models import (
    Dwelling,
    Organisation,
    OrganisationKind,
    Place,
    Role,
    User,
    VerificationRequest,
)


def _is(user: Any, *roles: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


def is_admin(user: Any) -> bool:
    """Platform administrators manage every landlord, organisation and account."""
    return _is(user, Role.ADMIN)


def is_staff_of(user: Any, landlord_id: int | None) -> bool:
    """Staff act for their own organisation only."""
    return (
        _is(user, Role.STAFF)
        and landlord_id is not None
        and landlord_id == user.organisation_id
    )


def managed_landlord_ids(user: Any) -> list[int] | None:
    """Landlords whose places the user manages: ``None`` means all (admin)."""
    if is_admin(user):
        return None
    if _is(user, Role.STAFF) and user.organisation_id is not None:
        return [user.organisation_id]
    return []


def can_access_back_office(user: Any) -> bool:
    """Staff and admins see the management screens."""
    return _is(user, Role.STAFF, Role.ADMIN)


def can_manage_landlord(user: Any, landlord_id: int | None) -> bool:
    """Admins, or staff of that landlord, manage its places, dwellings and residents."""
    return is_admin(user) or is_staff_of(user, landlord_id)


def can_create_territory(user: Any, landlord: Organisation | None = None) -> bool:
    """A new tree is started by an admin, or by staff for their own landlord."""
    if landlord is not None and not landlord.is_landlord:
        return False
    if is_admin(user):
        return True
    if not _is(user, Role.STAFF) or user.organisation is None:
        return False
    if not user.organisation.is_landlord:
        return False
    return landlord is None or landlord.id == user.organisation_id


def can_manage_place(user: Any, place: Place) -> bool:
    """Edit a place, add children or dwellings below it, print its letters."""
    return can_manage_landlord(user, place.landlord_id)


def can_manage_dwelling(user: Any, dwelling: Dwelling) -> bool:
    """Edit a dwelling, issue its invitation code, end its residencies."""
    return can_manage_landlord(user, dwelling.landlord_id)


def can_review_verification(user: Any, request: VerificationRequest) -> bool:
    """See a resident's request for the landlord's places and decide it (the
    request itself refuses a second decision)."""
    return can_manage_place(user, request.place)


def can_request_verification(user: Any) -> bool:
    """Residents may ask staff to confirm where they live."""
    return _is(user, Role.RESIDENT)


def can_manage_organisation(
    user: Any,
    organisation: Organisation | None = None,
    kind: OrganisationKind | None = None,
) -> bool:
    """Admins create and edit any organisation. Staff add the local partners
    (city, waste service, associations…) but edit none: a partner may work with
    several landlords, so one landlord's staff must not rename it for all."""
    if is_admin(user):
        return True
    return (
        _is(user, Role.STAFF)
        and organisation is None
        and kind is not OrganisationKind.LANDLORD
    )


def can_manage_users(user: Any) -> bool:
    """Accounts and roles are managed by admins."""
    return is_admin(user)


def can_edit_user(user: Any, target: User) -> bool:
    """Admins edit any account but their own role and status (no self-lockout)."""
    return is_admin(user) and target.id != user.id


def is_resident_of(user: Any, place: Place) -> bool:
    """Verified in a current dwelling somewhere inside ``place``."""
    if not _is(user, Role.RESIDENT):
        return False
    return any(r.dwelling.place.is_within(place) for r in user.current_residencies)


#: Names exposed to Jinja templates, so that pages ask the same questions.
TEMPLATE_PREDICATES = {
    name: value
    for name, value in dict(globals()).items()
    if name.startswith(("can_", "is_")) and callable(value)
}
