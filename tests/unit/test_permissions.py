"""Who may do what in the back office: every predicate as a role × object matrix."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from participation import permissions
from participation.extensions import db
from participation.models import OrganisationKind, Role, VerificationStatus
from participation.timeutil import utcnow
from tests import factories

ROLES = ["anonymous", "resident", "partner", "staff", "other_staff", "admin"]


def actor(world, role: str):
    """The world's account for ``role`` (an anonymous visitor for "anonymous")."""
    if role == "anonymous":
        return AnonymousUserMixin()
    return getattr(world, role)


def check(allowed: set[str], role: str, answer: bool) -> None:
    assert answer is (role in allowed), (
        f"{role} should{'' if role in allowed else ' not'}"
    )


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_are_admins(world, role):
    check({"admin"}, role, permissions.is_admin(actor(world, role)))


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_of_the_landlord_are_its_staff(world, role):
    answer = permissions.is_staff_of(actor(world, role), world.landlord.id)
    check({"staff"}, role, answer)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", []),
        ("resident", []),
        ("partner", []),
        ("staff", "landlord"),
        ("other_staff", "other_landlord"),
        ("admin", None),
    ],
)
def test_admins_manage_every_landlord_staff_their_own_others_none(
    world, role, expected
):
    if isinstance(expected, str):
        expected = [getattr(world, expected).id]
    assert permissions.managed_landlord_ids(actor(world, role)) == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_and_admins_see_the_back_office(world, role):
    answer = permissions.can_access_back_office(actor(world, role))
    check({"staff", "other_staff", "admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_the_landlords_staff_manage_the_landlord(world, role):
    answer = permissions.can_manage_landlord(actor(world, role), world.landlord.id)
    check({"staff", "admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_staff_and_admins_may_start_a_tree_somewhere(world, role):
    answer = permissions.can_create_territory(actor(world, role))
    check({"staff", "other_staff", "admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_a_tree_for_a_landlord_is_started_by_admins_or_its_own_staff(world, role):
    answer = permissions.can_create_territory(actor(world, role), world.landlord)
    check({"staff", "admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_nobody_starts_a_tree_for_an_organisation_that_is_not_a_landlord(world, role):
    answer = permissions.can_create_territory(actor(world, role), world.partner_org)
    check(set(), role, answer)


def test_staff_of_an_organisation_that_is_not_a_landlord_start_no_tree(world):
    misplaced = factories.user(Role.STAFF, world.partner_org)
    assert not permissions.can_create_territory(misplaced)
    assert not permissions.can_create_territory(misplaced, world.landlord)


def test_staff_without_organisation_manage_nothing(world):
    orphan = factories.user(Role.STAFF, None)
    assert permissions.managed_landlord_ids(orphan) == []
    assert not permissions.can_create_territory(orphan)
    assert not permissions.can_manage_landlord(orphan, None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("level", ["territory", "residence", "building", "entrance"])
def test_only_admins_and_the_landlords_staff_manage_its_places(world, role, level):
    answer = permissions.can_manage_place(actor(world, role), getattr(world, level))
    check({"staff", "admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_the_other_landlords_staff_manage_the_other_places(world, role):
    answer = permissions.can_manage_place(actor(world, role), world.other_building)
    check({"other_staff", "admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_the_landlords_staff_manage_its_dwellings(world, role):
    user = actor(world, role)
    check(
        {"staff", "admin"},
        role,
        permissions.can_manage_dwelling(user, world.dwellings[0]),
    )
    check(
        {"other_staff", "admin"},
        role,
        permissions.can_manage_dwelling(user, world.other_dwellings[0]),
    )


@pytest.mark.parametrize("status", [None, VerificationStatus.APPROVED, "refused"])
@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_the_landlords_staff_review_a_request(world, role, status):
    """Pending or decided: the landlord's staff see it; the request itself refuses
    a second decision (see the residents service tests)."""
    request = factories.verification_request(world.newcomer, world.building)
    if status is not None:
        request.status = VerificationStatus(status)
        request.decided_at = utcnow()
        db.session.commit()
    answer = permissions.can_review_verification(actor(world, role), request)
    check({"staff", "admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_only_residents_ask_for_verification(world, role):
    answer = permissions.can_request_verification(actor(world, role))
    check({"resident"}, role, answer)
    assert permissions.can_request_verification(world.newcomer)


@pytest.mark.parametrize("role", ROLES)
def test_staff_and_admins_add_partner_organisations(world, role):
    user = actor(world, role)
    allowed = {"staff", "other_staff", "admin"}
    check(allowed, role, permissions.can_manage_organisation(user))
    kind = OrganisationKind.ASSOCIATION
    check(allowed, role, permissions.can_manage_organisation(user, kind=kind))
    # An existing partner may work with several landlords: admins edit it.
    answer = permissions.can_manage_organisation(user, world.partner_org)
    check({"admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_create_or_edit_landlords(world, role):
    user = actor(world, role)
    check({"admin"}, role, permissions.can_manage_organisation(user, world.landlord))
    landlord = OrganisationKind.LANDLORD
    check({"admin"}, role, permissions.can_manage_organisation(user, kind=landlord))
    answer = permissions.can_manage_organisation(user, world.partner_org, landlord)
    check({"admin"}, role, answer)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_manage_accounts(world, role):
    check({"admin"}, role, permissions.can_manage_users(actor(world, role)))


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_edit_someone_elses_account(world, role):
    answer = permissions.can_edit_user(actor(world, role), world.staff)
    check({"admin"}, role, answer)


def test_an_admin_cannot_edit_their_own_account(world):
    assert not permissions.can_edit_user(world.admin, world.admin)
    other_admin = factories.user(Role.ADMIN)
    assert permissions.can_edit_user(world.admin, other_admin)
    assert permissions.can_edit_user(other_admin, world.admin)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("territory", True),
        ("residence", True),
        ("building", True),
        ("entrance", False),  # the dwelling hangs on the building, not the entrance
        ("other_building", False),
    ],
)
def test_a_resident_belongs_to_the_places_above_their_dwelling(world, level, expected):
    assert permissions.is_resident_of(world.resident, getattr(world, level)) is expected


@pytest.mark.parametrize("role", ROLES)
def test_only_verified_residents_are_residents_of_a_place(world, role):
    answer = permissions.is_resident_of(actor(world, role), world.territory)
    check({"resident"}, role, answer)
    assert not permissions.is_resident_of(world.newcomer, world.territory)


def test_a_resident_who_moved_out_is_no_longer_resident_of_the_place(world):
    residency = world.resident.residencies[0]
    residency.ended_at = utcnow()
    db.session.commit()
    assert not permissions.is_resident_of(world.resident, world.territory)


def test_a_resident_of_a_sibling_whose_id_shares_a_prefix_is_not_a_resident(world):
    # /1/ must not contain /10/: the path ends with a slash.
    assert world.territory.path.endswith("/")
    assert not permissions.is_resident_of(world.other_resident, world.territory)


def test_templates_get_every_predicate(app):
    names = {n for n in dir(permissions) if n.startswith(("can_", "is_"))}
    assert set(permissions.TEMPLATE_PREDICATES) == names
    assert set(names) <= set(app.jinja_env.globals)
