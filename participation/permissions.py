"""Who may do what: pure predicates shared by services, views and templates.

Each predicate takes the acting user first (possibly anonymous) and answers a yes/no
question without touching the database beyond the objects it is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from participation.models import (
    Consultation,
    Dwelling,
    Organisation,
    OrganisationKind,
    Phase,
    Place,
    Proposal,
    ProposalStatus,
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
    if not _is(user, Role.RESIDENT) or not user.active:
        return False
    return any(r.dwelling.place.is_within(place) for r in user.current_residencies)


# Consultations: role × place × phase.
#
# Residents take part where they live (a verified, current residency in a dwelling
# inside the consultation's place); the landlord's staff run the consultation;
# everybody, visitors included, reads it once the draft is over.


def can_create_consultation(user: Any, place: Place) -> bool:
    """Staff open consultations for their landlord's places."""
    return can_manage_place(user, place)


def can_manage_consultation(user: Any, consultation: Consultation) -> bool:
    """Edit, change phases, moderate, enter paper ballots, publish, export."""
    return can_manage_landlord(user, consultation.landlord_id)


def can_view_consultation(user: Any, consultation: Consultation, now: datetime) -> bool:
    """Public once out of draft; drafts are for the landlord's staff."""
    return consultation.is_visible_to_residents(now) or can_manage_consultation(
        user, consultation
    )


def can_take_part(user: Any, consultation: Consultation) -> bool:
    """Eligible: a resident verified in a dwelling inside the consultation's place."""
    return is_resident_of(user, consultation.place)


def can_propose(user: Any, consultation: Consultation, now: datetime) -> bool:
    """Eligible residents propose while ideas are collected."""
    return consultation.phase(now) is Phase.IDEAS and can_take_part(user, consultation)


def can_propose_on_behalf(user: Any, consultation: Consultation, now: datetime) -> bool:
    """Staff type in ideas collected in person, before voting starts."""
    return consultation.phase(now) in (
        Phase.DRAFT,
        Phase.IDEAS,
    ) and can_manage_consultation(user, consultation)


def can_view_proposal(user: Any, proposal: Proposal, now: datetime) -> bool:
    """Listed proposals are public; a hidden one stays visible to its author (who
    reads why) and to the staff."""
    consultation = proposal.consultation
    if not can_view_consultation(user, consultation, now):
        return False
    return (
        proposal.is_listed
        or is_author(user, proposal)
        or can_manage_consultation(user, consultation)
    )


def is_author(user: Any, proposal: Proposal) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False)) and proposal.author_id == user.id
    )


def can_edit_proposal(user: Any, proposal: Proposal, now: datetime) -> bool:
    """Authors edit until voting starts; staff edit what they typed in for others."""
    if proposal.status is not ProposalStatus.PUBLISHED:
        return False
    if proposal.consultation.voting_has_started(now):
        return False
    if proposal.collected_in_person:
        return can_manage_consultation(user, proposal.consultation)
    return is_author(user, proposal)


def can_withdraw_proposal(user: Any, proposal: Proposal, now: datetime) -> bool:
    """The author takes a proposal back until voting starts."""
    return (
        is_author(user, proposal)
        and proposal.status is ProposalStatus.PUBLISHED
        and not proposal.consultation.voting_has_started(now)
    )


COMMENT_PHASES = (Phase.IDEAS, Phase.VOTING, Phase.RESULTS)


def can_comment(user: Any, proposal: Proposal, now: datetime) -> bool:
    """Eligible residents, staff and partners discuss listed proposals from the
    ideas phase until the results."""
    consultation = proposal.consultation
    if not proposal.is_listed or consultation.phase(now) not in COMMENT_PHASES:
        return False
    return (
        _is(user, Role.PARTNER)
        or can_manage_consultation(user, consultation)
        or can_take_part(user, consultation)
    )


def can_report(user: Any, author_id: int | None) -> bool:
    """Anyone logged in flags a proposal or comment, except their own."""
    return bool(getattr(user, "is_authenticated", False)) and author_id != user.id


def can_moderate(user: Any, consultation: Consultation) -> bool:
    """Hide, merge duplicates, answer officially, handle reports."""
    return can_manage_consultation(user, consultation)


def can_vote(user: Any, consultation: Consultation, now: datetime) -> bool:
    """Eligible residents vote while voting is open."""
    return consultation.phase(now) is Phase.VOTING and can_take_part(user, consultation)


def can_record_ballot(user: Any, consultation: Consultation, now: datetime) -> bool:
    """Staff type in paper and meeting ballots while voting is open."""
    return consultation.phase(now) is Phase.VOTING and can_manage_consultation(
        user, consultation
    )


def can_see_results(user: Any, consultation: Consultation, now: datetime) -> bool:
    """Everyone who can read the consultation, once results are shown."""
    return consultation.results_visible(now) and can_view_consultation(
        user, consultation, now
    )


def can_publish_outcome(user: Any, consultation: Consultation, now: datetime) -> bool:
    """Staff say what was decided once voting has closed."""
    return consultation.phase(now) in (
        Phase.RESULTS,
        Phase.FOLLOW_UP,
    ) and can_manage_consultation(user, consultation)


#: Names exposed to Jinja templates, so that pages ask the same questions.
TEMPLATE_PREDICATES = {
    name: value
    for name, value in dict(globals()).items()
    if name.startswith(("can_", "is_")) and callable(value)
}
