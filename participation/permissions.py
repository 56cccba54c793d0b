"""Who may do what: pure predicates shared by services, views and templates.

Each predicate takes the acting user first (possibly anonymous) and answers a yes/no
question without touching the database beyond the objects it is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from participation.models import (
    Commitment,
    CommitmentParty,
    Consultation,
    Dwelling,
    GroupMember,
    Measurement,
    MembershipStatus,
    Objective,
    Organisation,
    OrganisationKind,
    Phase,
    Place,
    Proposal,
    ProposalStatus,
    Role,
    User,
    VerificationRequest,
    WorkingGroup,
)
from participation.models.user import ERASED_EMAIL_DOMAIN


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
    """Admins edit any account but their own role and status (no self-lockout),
    and never an account erased at its owner's request (it stays erased)."""
    return is_admin(user) and target.id != user.id and not is_erased(target)


def is_erased(user: Any) -> bool:
    """The account was erased at its owner's request."""
    return bool(getattr(user, "email", "")) and user.email.endswith(
        "@" + ERASED_EMAIL_DOMAIN
    )


def can_delete_account(user: Any) -> bool:
    """Residents erase their own account. Staff, partner and admin accounts act
    for an organisation (official answers, moderation, measurements): an
    administrator deactivates them instead, so the trail of who did what stays."""
    return _is(user, Role.RESIDENT) and user.active and not is_erased(user)


def can_view_audit_log(user: Any) -> bool:
    """Staff read their landlord's events, admins every event."""
    return can_access_back_office(user)


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


# Working groups, objectives and commitments.
#
# The landlord's staff run groups for their places; residents of the place read
# them and join; partner organisations taking part read them and report what is
# theirs to report. ``member`` is the acting user's own membership row (or None),
# loaded once by the caller.


def _active_member(user: Any, member: GroupMember | None) -> bool:
    return (
        member is not None
        and bool(getattr(user, "is_authenticated", False))
        and member.user_id == user.id
        and member.status is MembershipStatus.ACTIVE
        and user.active
    )


def _partner_of(user: Any, organisation_id: int | None) -> bool:
    """An active partner account of that organisation."""
    return (
        _is(user, Role.PARTNER)
        and user.active
        and organisation_id is not None
        and user.organisation_id == organisation_id
    )


def takes_part_in(user: Any, group: WorkingGroup) -> bool:
    """A partner whose organisation is one of the group's partners."""
    return _is(user, Role.PARTNER) and any(
        _partner_of(user, partner.organisation_id) for partner in group.partners
    )


def can_create_group(user: Any, place: Place) -> bool:
    """Staff start working groups for their landlord's places."""
    return can_manage_place(user, place)


def can_manage_group(user: Any, group: WorkingGroup) -> bool:
    """Edit the charter, partners, objectives and commitments; publish."""
    return can_manage_landlord(user, group.landlord_id)


def can_view_group(user: Any, group: WorkingGroup, member: GroupMember | None) -> bool:
    """Staff, members, residents of the place and partners taking part."""
    return (
        can_manage_group(user, group)
        or _active_member(user, member)
        or is_resident_of(user, group.place)
        or takes_part_in(user, group)
    )


def can_facilitate(user: Any, group: WorkingGroup, member: GroupMember | None) -> bool:
    """Accept members, record meetings and show-of-hands votes."""
    return can_manage_group(user, group) or (
        _active_member(user, member) and member is not None and member.facilitator
    )


def is_group_member(user: Any, member: GroupMember | None) -> bool:
    return _active_member(user, member)


def can_join_group(user: Any, group: WorkingGroup, member: GroupMember | None) -> bool:
    """Residents of the place ask to join (or join an open group); once more after
    leaving, never again after a refusal or while a request waits."""
    if member is not None and member.status is not MembershipStatus.LEFT:
        return False
    return is_resident_of(user, group.place)


def can_leave_group(user: Any, member: GroupMember | None) -> bool:
    return _active_member(user, member)


def can_report_measurement(user: Any, objective: Objective) -> bool:
    """The data-source organisation's partners while it takes part in the group,
    or the landlord's staff."""
    group = objective.group
    return can_manage_group(user, group) or (
        _partner_of(user, objective.source_organisation_id)
        and takes_part_in(user, group)
    )


def correction_scope(user: Any, objective: Objective) -> tuple:
    """Which of ``objective``'s measurements ``user`` may correct: ``("all",)``
    (staff), ``("organisation", id)`` (a partner reporting for the objective:
    their own organisation's values) or ``("none",)``. The one rule behind
    :func:`can_correct_measurement`, and the key of the cached measurements table."""
    if can_manage_group(user, objective.group):
        return ("all",)
    if can_report_measurement(user, objective) and _partner_of(
        user, user.organisation_id
    ):
        return ("organisation", user.organisation_id)
    return ("none",)


def can_correct_measurement(user: Any, measurement: Measurement) -> bool:
    """Staff correct any value; a partner those of their own organisation."""
    scope = correction_scope(user, measurement.objective)
    return scope == ("all",) or scope == ("organisation", measurement.organisation_id)


def can_state_commitment(
    user: Any, group: WorkingGroup, organisation_id: int | None
) -> bool:
    """Staff state any party's commitments; a partner taking part states its own
    organisation's (``organisation_id`` None means the residents')."""
    if can_manage_group(user, group):
        return True
    return _partner_of(user, organisation_id) and takes_part_in(user, group)


def can_edit_commitment(user: Any, commitment: Commitment) -> bool:
    """Change a commitment or its status: staff, or the committed partner."""
    group = commitment.objective.group
    return can_manage_group(user, group) or (
        commitment.party is CommitmentParty.ORGANISATION
        and _partner_of(user, commitment.organisation_id)
        and takes_part_in(user, group)
    )


def can_report_action(user: Any, commitment: Commitment) -> bool:
    """A partner reports for their own organisation's commitments only, while it
    takes part in the group; staff for the landlord's and the residents'."""
    if commitment.party is CommitmentParty.RESIDENTS:
        return can_manage_group(user, commitment.objective.group)
    group = commitment.objective.group
    if _partner_of(user, commitment.organisation_id):
        return takes_part_in(user, group)
    return commitment.organisation_id == group.landlord_id and can_manage_group(
        user, group
    )


def can_view_place_dashboard(user: Any, place: Place, groups: list[Any]) -> bool:
    """How a place's objectives do: the landlord's staff, residents of the place,
    and partners taking part in one of ``groups`` (the groups of the place and of
    the places inside it)."""
    return (
        can_manage_place(user, place)
        or is_resident_of(user, place)
        or any(takes_part_in(user, group) for group in groups)
    )


#: Names exposed to Jinja templates, so that pages ask the same questions.
TEMPLATE_PREDICATES = {
    name: value
    for name, value in dict(globals()).items()
    if name.startswith(("can_", "is_")) and callable(value)
}
