"""Working groups: who may create, join, run and read them; meetings and hand
votes; what the lists and the group page load."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import render_template_string
from flask_login import AnonymousUserMixin

from participation import permissions
from participation.extensions import db
from participation.models import (
    AuditEvent,
    CommitmentStatus,
    GroupMember,
    GroupPartner,
    HandVote,
    Meeting,
    MembershipStatus,
    Notification,
    NotificationKind,
    OrganisationKind,
    Party,
    Phase,
    ProposalStatus,
    Role,
    WorkingGroup,
)
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    groups,
)
from participation.services.indicators import Status
from participation.timeutil import utcnow
from tests import factories
from tests.pages import count, fresh

#: Everyone the permission matrices ask about.
ROLES = [
    "anonymous",
    "other_staff",
    "other_resident",
    "resident",
    "partner",
    "staff",
    "admin",
]
CHARTER = groups.GroupValues(
    title="Moins d'encombrants", purpose="Réduire les dépôts dans les halls."
)


def actor(world, role: str):
    """The world's account for ``role`` (an anonymous visitor for "anonymous")."""
    if role == "anonymous":
        return AnonymousUserMixin()
    return getattr(world, role)


def check(allowed: set[str], role: str, answer: bool) -> None:
    assert answer is (role in allowed), (
        f"{role} should{'' if role in allowed else ' not'}"
    )


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(db.select(AuditEvent.action)))


def notes(user, kind: NotificationKind) -> list[Notification]:
    db.session.rollback()
    return list(
        db.session.scalars(
            db.select(Notification).where(
                Notification.user_id == user.id, Notification.kind == kind
            )
        )
    )


@pytest.fixture
def group(world):
    """A group of the residence (where the resident lives), run by the staff, with
    the city taking part."""
    item = factories.group(world.residence, partners=[world.partner_org])
    factories.member(item, world.staff, facilitator=True)
    return item


@pytest.fixture
def neighbour(world):
    """Another verified resident of the same building."""
    return factories.resident_of(world.dwellings[1], display_name="Nadia")


@pytest.fixture
def past_meeting(group):
    return factories.meeting(group, utcnow() - timedelta(hours=2), attendance=12)


# --- permission matrices ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_landlords_staff_and_admins_create_a_group(world, role):
    now = utcnow()
    allowed = {"staff", "admin"}
    check(
        allowed, role, permissions.can_create_group(actor(world, role), world.residence)
    )
    if role in allowed:
        created = groups.create_group(actor(world, role), world.residence, CHARTER, now)
        assert created.landlord_id == world.landlord.id
    else:
        with pytest.raises(PermissionDenied):
            groups.create_group(actor(world, role), world.residence, CHARTER, now)
        assert count(WorkingGroup) == 0


@pytest.mark.parametrize("role", ROLES)
def test_the_group_is_read_by_staff_residents_of_the_place_and_partners_taking_part(
    world, group, role
):
    user = actor(world, role)
    member = groups.membership_of(user, group)
    check(
        {"staff", "admin", "resident", "partner"},
        role,
        permissions.can_view_group(user, group, member),
    )


@pytest.mark.parametrize("role", ROLES)
def test_only_residents_of_the_place_may_join(world, group, role):
    user = actor(world, role)
    check({"resident"}, role, permissions.can_join_group(user, group, None))
    if role == "anonymous":
        return
    if role == "resident":
        assert groups.join(user, group, utcnow()).status is MembershipStatus.PENDING
        return
    before = count(GroupMember, GroupMember.user_id == user.id)
    # The staff member is already in the group: told so rather than refused.
    refusal = InvalidTransition if role == "staff" else PermissionDenied
    with pytest.raises(refusal):
        groups.join(user, group, utcnow())
    assert count(GroupMember, GroupMember.user_id == user.id) == before


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_and_admins_manage_the_group(world, group, role):
    user = actor(world, role)
    check({"staff", "admin"}, role, permissions.can_manage_group(user, group))
    values = groups.GroupValues(title="Nouveau titre", purpose="Un objet assez long.")
    if role in ("staff", "admin"):
        groups.update_group(user, group, values, utcnow())
        assert fresh(group).title == "Nouveau titre"
    else:
        with pytest.raises(PermissionDenied):
            groups.update_group(user, group, values, utcnow())
        assert fresh(group).title != "Nouveau titre"


@pytest.mark.parametrize("role", ROLES)
def test_facilitators_are_staff_admins_and_members_made_facilitators(
    world, group, role
):
    user = actor(world, role)
    check(
        {"staff", "admin"},
        role,
        permissions.can_facilitate(user, group, groups.membership_of(user, group)),
    )
    values = groups.MeetingValues(starts_at=utcnow() + timedelta(days=3))
    if role in ("staff", "admin"):
        groups.schedule_meeting(user, group, values, utcnow())
        assert count(Meeting) == 1
    else:
        with pytest.raises(PermissionDenied):
            groups.schedule_meeting(user, group, values, utcnow())
        assert count(Meeting) == 0


def test_a_resident_member_facilitates_only_once_made_facilitator(world, group):
    member = factories.member(group, world.resident)
    assert not permissions.can_facilitate(world.resident, group, member)
    groups.set_facilitator(world.staff, member, True, utcnow())
    assert permissions.can_facilitate(world.resident, group, fresh(member))
    assert not permissions.can_manage_group(world.resident, group)


# --- creating and editing ------------------------------------------------------------


@pytest.fixture
def consultation(world):
    """A consultation of the residence in its follow-up, with proposals of every
    kind of outcome."""
    item = factories.consultation(world.residence, Phase.FOLLOW_UP, title="Propreté")
    item.extra = {
        status: factories.proposal(item, world.resident, status=status)
        for status in (
            ProposalStatus.SELECTED,
            ProposalStatus.DONE,
            ProposalStatus.PUBLISHED,
            ProposalStatus.NOT_RETAINED,
        )
    }
    return item


def test_a_group_born_from_a_consultation_links_its_selected_and_done_proposals(
    world, consultation
):
    chosen = [
        consultation.extra[ProposalStatus.SELECTED].id,
        consultation.extra[ProposalStatus.DONE].id,
    ]
    created = groups.create_group(
        world.staff, None, CHARTER, utcnow(), consultation, chosen
    )
    created = fresh(created)
    assert created.place_id == world.residence.id  # the consultation's place
    assert created.consultation_id == consultation.id
    assert sorted(p.id for p in created.proposals) == sorted(chosen)
    (creator,) = created_members = db.session.scalars(
        db.select(GroupMember).where(GroupMember.group_id == created.id)
    ).all()
    assert created_members == [creator]
    assert creator.user_id == world.staff.id
    assert creator.party is Party.STAFF
    assert creator.is_active and creator.facilitator
    assert "group.create" in audit_actions()


@pytest.mark.parametrize(
    "status", [ProposalStatus.PUBLISHED, ProposalStatus.NOT_RETAINED]
)
def test_only_selected_or_done_proposals_may_be_linked(world, consultation, status):
    with pytest.raises(ValidationError) as error:
        groups.create_group(
            world.staff,
            None,
            CHARTER,
            utcnow(),
            consultation,
            [consultation.extra[status].id],
        )
    assert "retenues ou réalisées" in str(error.value)
    assert count(WorkingGroup) == 0


def test_a_proposal_of_another_consultation_may_not_be_linked(world, consultation):
    other = factories.consultation(world.residence, Phase.FOLLOW_UP)
    stranger = factories.proposal(other, status=ProposalStatus.SELECTED)
    with pytest.raises(ValidationError):
        groups.create_group(
            world.staff, None, CHARTER, utcnow(), consultation, [stranger.id]
        )
    with pytest.raises(ValidationError):
        groups.create_group(
            world.staff, world.residence, CHARTER, utcnow(), None, [stranger.id]
        )
    assert count(WorkingGroup) == 0


def test_the_group_of_a_consultation_works_for_its_place_or_inside_it(
    world, consultation
):
    with pytest.raises(ValidationError) as error:
        groups.create_group(
            world.staff, world.territory, CHARTER, utcnow(), consultation
        )
    assert "place" in error.value.errors
    inside = groups.create_group(
        world.staff, world.building, CHARTER, utcnow(), consultation
    )
    assert inside.place_id == world.building.id


def test_a_consultation_of_another_landlord_is_refused(world):
    elsewhere = factories.consultation(world.other_building, Phase.FOLLOW_UP)
    with pytest.raises(ValidationError) as error:
        groups.create_group(world.admin, world.residence, CHARTER, utcnow(), elsewhere)
    assert "même bailleur" in str(error.value)
    with pytest.raises((ValidationError, PermissionDenied)):
        groups.create_group(world.staff, world.residence, CHARTER, utcnow(), elsewhere)
    assert count(WorkingGroup) == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (groups.GroupValues(title="Ab", purpose="Un objet assez long."), "title"),
        (groups.GroupValues(title="Un bon titre", purpose="Court"), "purpose"),
        (
            groups.GroupValues(
                title="Un bon titre", purpose="Un objet assez long.", rhythm="x" * 201
            ),
            "rhythm",
        ),
        (
            groups.GroupValues(
                title="<b></b>", purpose="Un objet assez long.", method="m" * 5001
            ),
            "method",
        ),
    ],
)
def test_a_bad_charter_is_refused_and_nothing_is_saved(world, values, field):
    with pytest.raises(ValidationError) as error:
        groups.create_group(world.staff, world.residence, values, utcnow())
    assert field in error.value.errors
    assert count(WorkingGroup) == 0 and count(GroupMember) == 0


def test_the_charter_is_cleaned_once_on_write(world):
    values = groups.GroupValues(
        title="<script>x</script>Propreté",
        purpose="**Moins** d'encombrants <script>alert(1)</script>",
        method="- réunions\n- mesures",
        rhythm="  Une   fois par mois ",
        open_to_residents=True,
    )
    created = fresh(groups.create_group(world.staff, world.residence, values, utcnow()))
    assert created.title == "xPropreté"
    assert "<strong>Moins</strong>" in created.purpose_html
    assert "<script>" not in created.purpose_html
    assert "<li>" in created.method_html
    assert created.rhythm == "Une fois par mois"
    assert created.open_to_residents


def test_the_same_group_sent_twice_at_once_is_created_once(world):
    now = utcnow()
    first = groups.create_group(world.staff, world.residence, CHARTER, now)
    again = groups.create_group(
        world.staff, world.residence, CHARTER, now + timedelta(seconds=5)
    )
    assert again.id == first.id
    assert count(WorkingGroup) == 1


def test_editing_the_charter_is_audited_with_the_fields_changed(world, group):
    values = groups.GroupValues(
        title=group.title, purpose="Un tout nouvel objet.", rhythm=group.rhythm
    )
    groups.update_group(world.staff, group, values, utcnow())
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "group.edit")
    ).one()
    assert event.details["fields"] == ["purpose"]


# --- joining, deciding, leaving ------------------------------------------------------


def test_an_open_group_takes_residents_at_once(world, group):
    group.open_to_residents = True
    db.session.commit()
    member = groups.join(world.resident, group, utcnow())
    assert member.is_active and member.party is Party.RESIDENT
    assert notes(world.staff, NotificationKind.GROUP_MEMBERSHIP) == []


def test_a_request_to_join_waits_and_the_facilitators_hear_of_it(world, group):
    member = groups.join(world.resident, group, utcnow(), message="J'habite ici")
    assert member.status is MembershipStatus.PENDING
    assert member.message == "J'habite ici"
    (note,) = notes(world.staff, NotificationKind.GROUP_MEMBERSHIP)
    assert note.group_id == group.id
    assert note.details["pending"] is True
    assert note.details["title"] == group.title


def test_asking_twice_is_told_the_request_already_waits(world, group):
    groups.join(world.resident, group, utcnow())
    with pytest.raises(InvalidTransition) as error:
        groups.join(world.resident, group, utcnow())
    assert "Vous avez déjà demandé" in str(error.value)
    assert count(GroupMember, GroupMember.user_id == world.resident.id) == 1


def test_a_double_submission_racing_past_the_check_is_caught(world, group, monkeypatch):
    groups.join(world.resident, group, utcnow())
    # The second request read "no row yet" before the first one committed.
    monkeypatch.setattr(groups, "membership_of", lambda user, group: None)
    with pytest.raises(InvalidTransition) as error:
        groups.join(world.resident, group, utcnow())
    assert "Vous avez déjà demandé" in str(error.value)
    assert count(GroupMember, GroupMember.user_id == world.resident.id) == 1


def test_a_refused_resident_may_not_ask_again(world, group):
    member = groups.join(world.resident, group, utcnow())
    groups.decide_membership(world.staff, member, False, utcnow())
    assert not permissions.can_join_group(world.resident, group, fresh(member))
    with pytest.raises(InvalidTransition) as error:
        groups.join(world.resident, group, utcnow())
    assert "refusée" in str(error.value)
    assert fresh(member).status is MembershipStatus.REFUSED


def test_the_resident_hears_of_the_decision(world, group, neighbour):
    accepted = groups.join(world.resident, group, utcnow())
    refused = groups.join(neighbour, group, utcnow())
    groups.decide_membership(world.staff, accepted, True, utcnow())
    groups.decide_membership(world.staff, refused, False, utcnow())
    (yes,) = notes(world.resident, NotificationKind.GROUP_MEMBERSHIP)
    (no,) = notes(neighbour, NotificationKind.GROUP_MEMBERSHIP)
    assert yes.details == {"accepted": True, "title": group.title}
    assert no.details == {"accepted": False, "title": group.title}
    assert fresh(accepted).is_active and fresh(accepted).decided_by_id == world.staff.id
    assert {"group.accept_member", "group.refuse_member"} <= set(audit_actions())


def test_a_request_is_decided_once(world, group):
    member = groups.join(world.resident, group, utcnow())
    groups.decide_membership(world.staff, member, True, utcnow())
    with pytest.raises(InvalidTransition):
        groups.decide_membership(world.admin, fresh(member), False, utcnow())
    assert fresh(member).is_active


def test_a_plain_member_may_not_decide_but_a_resident_facilitator_may(
    world, group, neighbour
):
    helper = factories.member(group, neighbour)
    request = groups.join(world.resident, group, utcnow())
    with pytest.raises(PermissionDenied):
        groups.decide_membership(neighbour, request, True, utcnow())
    helper.facilitator = True
    db.session.commit()
    groups.decide_membership(neighbour, fresh(request), True, utcnow())
    assert fresh(request).is_active


def test_leaving_then_coming_back_reuses_the_row(world, group):
    group.open_to_residents = True
    db.session.commit()
    first = groups.join(world.resident, group, utcnow())
    groups.leave(world.resident, group, utcnow())
    assert fresh(first).status is MembershipStatus.LEFT
    assert permissions.can_view_group(world.resident, group, fresh(first))
    again = groups.join(world.resident, group, utcnow())
    assert again.id == first.id and again.is_active
    assert count(GroupMember, GroupMember.user_id == world.resident.id) == 1


def test_only_active_members_leave(world, group):
    with pytest.raises(PermissionDenied):
        groups.leave(world.resident, group, utcnow())
    groups.join(world.resident, group, utcnow())  # pending
    with pytest.raises(PermissionDenied):
        groups.leave(world.resident, group, utcnow())


def test_a_removed_resident_is_told_and_may_not_ask_again(world, group):
    member = factories.member(group, world.resident, facilitator=True)
    with pytest.raises(PermissionDenied):
        groups.remove_member(world.resident, member, utcnow())
    groups.remove_member(world.staff, member, utcnow())
    member = fresh(member)
    assert member.status is MembershipStatus.REFUSED and not member.facilitator
    (note,) = notes(world.resident, NotificationKind.GROUP_MEMBERSHIP)
    assert note.details["accepted"] is False and note.details["removed"] is True
    with pytest.raises(InvalidTransition):
        groups.join(world.resident, group, utcnow())
    with pytest.raises(InvalidTransition):
        groups.remove_member(world.staff, member, utcnow())


def test_only_staff_name_facilitators_and_only_among_active_members(world, group):
    facilitator = factories.member(group, world.resident, facilitator=True)
    waiting = factories.member(
        group, world.newcomer, status=MembershipStatus.PENDING, party=Party.RESIDENT
    )
    with pytest.raises(PermissionDenied):
        groups.set_facilitator(world.resident, facilitator, False, utcnow())
    with pytest.raises(InvalidTransition):
        groups.set_facilitator(world.staff, waiting, True, utcnow())
    groups.set_facilitator(world.staff, facilitator, False, utcnow())
    assert not fresh(facilitator).facilitator
    assert "group.set_facilitator" in audit_actions()


# --- partners and staff --------------------------------------------------------------


@pytest.fixture
def association(world):
    org = factories.organisation(OrganisationKind.ASSOCIATION, name="Asso Tilleuls")
    org.extra = [
        factories.user(Role.PARTNER, org, display_name="Léa"),
        factories.user(Role.PARTNER, org, display_name="Malik"),
    ]
    return org


def test_a_partner_organisation_joins_with_named_representatives(
    world, group, association
):
    lea, malik = association.extra
    groups.add_partner(
        world.staff, group, association, "Ateliers de réemploi", [lea.id], utcnow()
    )
    partner = db.session.get(GroupPartner, (group.id, association.id))
    assert partner.role == "Ateliers de réemploi"
    member = groups.membership_of(lea, group)
    assert member.is_active and member.party is Party.PARTNER
    assert member.organisation_id == association.id
    assert permissions.takes_part_in(lea, fresh(group))
    # Again: the role changes, and a representative is added.
    groups.add_partner(
        world.staff, group, association, "Réemploi", [malik.id], utcnow()
    )
    assert count(GroupPartner) == 2  # the city and the association
    assert db.session.get(GroupPartner, (group.id, association.id)).role == "Réemploi"
    assert groups.membership_of(malik, group).is_active
    assert groups.membership_of(lea, group).is_active


@pytest.mark.parametrize("who", ["landlord", "stranger", "inactive", "resident"])
def test_a_partner_must_not_be_a_landlord_and_its_representatives_its_own(
    world, group, association, who
):
    organisation, ids = association, []
    if who == "landlord":
        organisation = world.other_landlord
    elif who == "stranger":
        ids = [world.partner.id]  # the city's partner, not the association's
    elif who == "inactive":
        ids = [factories.user(Role.PARTNER, association, active=False).id]
    else:
        ids = [world.resident.id]
    with pytest.raises(ValidationError) as error:
        groups.add_partner(world.staff, group, organisation, "", ids, utcnow())
    assert ("organisation" if who == "landlord" else "representatives") in (
        error.value.errors
    )
    assert count(GroupPartner) == 1 and count(GroupMember) == 1


def test_only_staff_bring_partners_in_and_out(world, group, association):
    with pytest.raises(PermissionDenied):
        groups.add_partner(world.partner, group, association, "", [], utcnow())
    with pytest.raises(PermissionDenied):
        groups.remove_partner(world.other_staff, group, world.partner_org, utcnow())


def test_removing_a_partner_ends_its_representatives_membership(world, group):
    groups.add_partner(
        world.staff, group, world.partner_org, "Ville", [world.partner.id], utcnow()
    )
    groups.remove_partner(world.staff, group, world.partner_org, utcnow())
    group = fresh(group)
    assert group.partners == []
    assert groups.membership_of(world.partner, group).status is MembershipStatus.LEFT
    assert not permissions.can_view_group(
        world.partner, group, groups.membership_of(world.partner, group)
    )
    with pytest.raises(InvalidTransition):
        groups.remove_partner(world.staff, group, world.partner_org, utcnow())
    assert {"group.add_partner", "group.remove_partner"} <= set(audit_actions())


def _partner_in(world, group):
    groups.add_partner(
        world.staff, group, world.partner_org, "Ville", [world.partner.id], utcnow()
    )
    return fresh(group)


def _unchanged(world, group) -> None:
    """The city still takes part, its agent still a member, nothing audited."""
    group = fresh(group)
    assert [p.organisation_id for p in group.partners] == [world.partner_org.id]
    assert groups.membership_of(world.partner, group).is_active
    assert "group.remove_partner" not in audit_actions()


def test_the_data_source_of_an_objective_may_not_be_removed(world, group):
    group = _partner_in(world, group)
    factories.objective(
        group, title="Encombrants", source_organisation=world.partner_org
    )
    with pytest.raises(InvalidTransition) as refused:
        groups.remove_partner(world.staff, group, world.partner_org, utcnow())
    assert str(refused.value) == (
        "Ville Test est la source des mesures de l'objectif « Encombrants » : "
        "choisissez d'abord une autre source."
    )
    _unchanged(world, group)


@pytest.mark.parametrize(
    "status", [CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS]
)
def test_a_partner_with_open_commitments_may_not_be_removed(world, group, status):
    group = _partner_in(world, group)
    aim = factories.objective(group)
    factories.commitment(aim, world.partner_org, title="Collectes", status=status)
    with pytest.raises(InvalidTransition) as refused:
        groups.remove_partner(world.staff, group, world.partner_org, utcnow())
    assert str(refused.value) == (
        "Ville Test a encore un engagement en cours dans ce groupe (« Collectes ») : "
        "indiquez d'abord s'il a été tenu ou non."
    )
    _unchanged(world, group)


def test_every_reason_to_keep_a_partner_is_given_at_once(world, group):
    group = _partner_in(world, group)
    first = factories.objective(
        group, title="Encombrants", source_organisation=world.partner_org
    )
    factories.objective(group, title="Tri", source_organisation=world.partner_org)
    factories.commitment(first, world.partner_org, title="Collectes")
    factories.commitment(first, world.partner_org, title="Affiches")
    with pytest.raises(InvalidTransition) as refused:
        groups.remove_partner(world.staff, group, world.partner_org, utcnow())
    message = str(refused.value)
    assert "source des mesures des objectifs « Encombrants », « Tri »" in message
    assert (
        "a encore des engagements en cours dans ce groupe (« Collectes », "
        "« Affiches ») : indiquez d'abord s'ils ont été tenus ou non." in message
    )
    _unchanged(world, group)


def test_a_refusal_names_the_first_three_commitments(world, group):
    group = _partner_in(world, group)
    aim = factories.objective(group)
    for n in range(5):
        factories.commitment(aim, world.partner_org, title=f"E{n}")
    with pytest.raises(InvalidTransition) as refused:
        groups.remove_partner(world.staff, group, world.partner_org, utcnow())
    assert "(« E0 », « E1 », « E2 », …)" in str(refused.value)


def test_a_partner_whose_commitments_are_closed_may_be_removed(world, group):
    group = _partner_in(world, group)
    aim = factories.objective(group)
    factories.commitment(aim, world.partner_org, status=CommitmentStatus.KEPT)
    factories.commitment(aim, world.partner_org, status=CommitmentStatus.NOT_KEPT)
    # Another organisation's open commitment, or another group's objective
    # sourced by the city, do not hold it back.
    factories.commitment(aim, world.landlord)
    elsewhere = factories.group(world.residence, partners=[world.partner_org])
    factories.objective(elsewhere, source_organisation=world.partner_org)
    groups.remove_partner(world.staff, group, world.partner_org, utcnow())
    assert fresh(group).partners == []
    assert groups.membership_of(world.partner, group).status is MembershipStatus.LEFT


# --- who hears of a request to join ---------------------------------------------------


def _asks(world, group) -> set[int]:
    """Who heard of the resident's request to join."""
    groups.join(world.resident, group, utcnow())
    db.session.rollback()
    return set(
        db.session.scalars(
            db.select(Notification.user_id).where(
                Notification.kind == NotificationKind.GROUP_MEMBERSHIP
            )
        )
    )


def test_without_a_facilitator_the_groups_staff_members_hear_of_a_request(
    world, neighbour
):
    # The creator left the group: they hear nothing of it any more.
    item = factories.group(world.residence, created_by=world.staff)
    colleague = factories.user(Role.STAFF, world.landlord)
    factories.member(item, colleague)  # a staff member, not a facilitator
    factories.member(item, world.staff, status=MembershipStatus.LEFT, facilitator=True)
    factories.member(item, neighbour)  # a resident member
    assert _asks(world, item) == {colleague.id}


def test_an_inactive_facilitator_is_skipped_for_the_groups_staff(world):
    item = factories.group(world.residence)
    away = factories.user(Role.STAFF, world.landlord, active=False)
    factories.member(item, away, facilitator=True)
    factories.member(item, world.staff)
    assert _asks(world, item) == {world.staff.id}


def test_without_staff_members_the_landlords_active_staff_hear_of_a_request(world):
    creator = factories.user(Role.STAFF, world.landlord)
    item = factories.group(world.residence, created_by=creator)
    factories.member(item, creator, status=MembershipStatus.LEFT, facilitator=True)
    creator.active = False
    colleague = factories.user(Role.STAFF, world.landlord)
    factories.user(Role.STAFF, world.landlord, active=False)
    db.session.commit()
    assert _asks(world, item) == {world.staff.id, colleague.id}


def test_staff_users_are_active_staff_of_the_landlord(world):
    item = factories.group(world.residence)
    assert [u.id for u in groups.staff_users(item)] == [world.staff.id]


def test_staff_add_colleagues_of_the_groups_landlord_only(world, group):
    colleague = factories.user(Role.STAFF, world.landlord, display_name="Chloé")
    for wrong in (world.other_staff, world.resident, world.partner):
        with pytest.raises(ValidationError):
            groups.add_staff_member(world.staff, group, wrong, False, utcnow())
    with pytest.raises(PermissionDenied):
        groups.add_staff_member(world.other_staff, group, colleague, False, utcnow())
    member = groups.add_staff_member(world.staff, group, colleague, True, utcnow())
    assert member.is_active and member.facilitator and member.party is Party.STAFF
    groups.add_staff_member(world.staff, group, colleague, False, utcnow())
    assert not fresh(member).facilitator
    assert count(GroupMember, GroupMember.user_id == colleague.id) == 1


# --- meetings ------------------------------------------------------------------------


def test_members_hear_of_an_upcoming_meeting_with_its_date(world, group):
    resident = factories.member(group, world.resident)
    starts = utcnow() + timedelta(days=7)
    meeting = groups.schedule_meeting(
        world.staff,
        group,
        groups.MeetingValues(
            starts_at=starts, location="Local commun", agenda="# Ordre"
        ),
        utcnow(),
    )
    (note,) = notes(world.resident, NotificationKind.MEETING_SCHEDULED)
    assert note.group_id == group.id
    assert note.details["starts_at"] == starts.isoformat()
    assert note.details["meeting_id"] == meeting.id
    assert notes(world.staff, NotificationKind.MEETING_SCHEDULED) == []  # who did it
    assert "<h3>Ordre</h3>" in meeting.agenda_html
    assert resident.is_active
    assert "meeting.schedule" in audit_actions()


def test_a_past_meeting_is_recorded_with_its_minutes_without_notice(world, group):
    factories.member(group, world.resident)
    values = groups.MeetingValues(
        starts_at=utcnow() - timedelta(days=2),
        minutes="On a parlé **des halls**.",
        decisions="- Un panneau",
        attendance=9,
    )
    meeting = groups.schedule_meeting(world.staff, group, values, utcnow())
    assert meeting.attendance == 9 and "<strong>" in meeting.minutes_html
    assert notes(world.resident, NotificationKind.MEETING_SCHEDULED) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": timedelta(days=6 * 366)}, "starts_at"),
        ({"starts_at": -timedelta(days=6 * 366)}, "starts_at"),
        ({"attendance": -1}, "attendance"),
        ({"attendance": 10_001}, "attendance"),
        ({"attendance": True}, "attendance"),
        ({"location": "x" * 201}, "location"),
        ({"starts_at": timedelta(days=1), "minutes": "Trop tôt"}, "minutes"),
        ({"starts_at": timedelta(days=1), "attendance": 4}, "attendance"),
    ],
)
def test_absurd_meeting_values_are_refused(world, group, changes, field):
    now = utcnow()
    values = groups.MeetingValues(starts_at=now - timedelta(hours=1))
    for name, value in changes.items():
        setattr(values, name, now + value if name == "starts_at" else value)
    with pytest.raises(ValidationError) as error:
        groups.schedule_meeting(world.staff, group, values, now)
    assert field in error.value.errors
    assert count(Meeting) == 0


def test_moving_a_meeting_tells_the_members_again(world, group):
    factories.member(group, world.resident)
    meeting = factories.meeting(group, utcnow() + timedelta(days=3))
    later = utcnow() + timedelta(days=5)
    groups.record_meeting(
        world.staff, meeting, groups.MeetingValues(starts_at=later), utcnow()
    )
    (note,) = notes(world.resident, NotificationKind.MEETING_SCHEDULED)
    assert note.details["starts_at"] == later.isoformat()
    assert "meeting.record" in audit_actions()


def test_attendance_may_not_fall_below_a_vote_already_counted(
    world, group, past_meeting
):
    groups.add_hand_vote(world.staff, past_meeting, "Un panneau ?", 8, 2, 1, utcnow())
    values = groups.MeetingValues(starts_at=past_meeting.starts_at, attendance=10)
    with pytest.raises(ValidationError) as error:
        groups.record_meeting(world.staff, fresh(past_meeting), values, utcnow())
    assert "11 voix" in error.value.errors["attendance"][0]
    assert fresh(past_meeting).attendance == 12


def test_only_facilitators_record_a_meeting(world, group, past_meeting):
    factories.member(group, world.resident)
    values = groups.MeetingValues(starts_at=past_meeting.starts_at, minutes="Notes")
    with pytest.raises(PermissionDenied):
        groups.record_meeting(world.resident, past_meeting, values, utcnow())
    assert fresh(past_meeting).minutes == ""


# --- show-of-hands votes --------------------------------------------------------------


def test_a_hand_vote_is_kept_with_who_entered_it(world, group, past_meeting):
    now = utcnow()
    vote = groups.add_hand_vote(
        world.staff, past_meeting, "Installer un panneau ?", 7, 3, 2, now
    )
    vote = fresh(vote)
    assert (vote.votes_for, vote.votes_against, vote.abstentions) == (7, 3, 2)
    assert vote.total == 12 and vote.adopted
    assert vote.entered_by_id == world.staff.id and vote.entered_at == now
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "meeting.hand_vote")
    ).one()
    assert event.details["votes_for"] == 7


def test_the_same_hand_vote_sent_twice_at_once_is_saved_once(
    world, group, past_meeting
):
    now = utcnow()
    first = groups.add_hand_vote(
        world.staff, past_meeting, "Un panneau ?", 5, 1, 0, now
    )
    again = groups.add_hand_vote(
        world.staff, past_meeting, "Un panneau ?", 5, 1, 0, now + timedelta(seconds=3)
    )
    assert again.id == first.id and count(HandVote) == 1


@pytest.mark.parametrize(
    ("counts", "where", "message"),
    [
        ((-1, 2, 0), "votes_for", "0 ou plus"),
        ((1, "2", 0), "votes_against", "0 ou plus"),
        ((1, 2, 2.5), "abstentions", "0 ou plus"),
        ((1, 2, None), "abstentions", "0 ou plus"),
        ((0, 0, 0), None, "au moins une voix"),
        ((10, 2, 1), None, "13 voix (pour, contre et abstentions) pour 12 personnes"),
    ],
)
def test_bad_hand_vote_counts_are_refused_and_nothing_is_saved(
    world, group, past_meeting, counts, where, message
):
    with pytest.raises(ValidationError) as error:
        groups.add_hand_vote(
            world.staff, past_meeting, "Un panneau ?", *counts, utcnow()
        )
    assert message in " ".join(error.value.errors[where])
    assert count(HandVote) == 0


def test_without_known_attendance_any_total_is_accepted(world, group):
    meeting = factories.meeting(group, utcnow() - timedelta(minutes=5))
    vote = groups.add_hand_vote(world.staff, meeting, "Oui ?", 40, 0, 0, utcnow())
    assert vote.total == 40


def test_a_hand_vote_needs_a_question(world, group, past_meeting):
    with pytest.raises(ValidationError) as error:
        groups.add_hand_vote(world.staff, past_meeting, " <b></b> ", 1, 0, 0, utcnow())
    assert "question" in error.value.errors


def test_no_hand_vote_before_the_meeting_starts(world, group):
    meeting = factories.meeting(group, utcnow() + timedelta(hours=1))
    with pytest.raises(InvalidTransition) as error:
        groups.add_hand_vote(world.staff, meeting, "Trop tôt ?", 1, 0, 0, utcnow())
    assert "pas encore eu lieu" in str(error.value)
    assert count(HandVote) == 0


@pytest.mark.parametrize("role", ["resident", "partner", "other_staff"])
def test_only_facilitators_enter_hand_votes(world, group, past_meeting, role):
    if role == "resident":
        factories.member(group, world.resident)
    with pytest.raises(PermissionDenied):
        groups.add_hand_vote(
            actor(world, role), past_meeting, "Un panneau ?", 1, 0, 0, utcnow()
        )
    assert count(HandVote) == 0


# --- reading -------------------------------------------------------------------------


@pytest.fixture
def several(world):
    """A group for the territory, one for another building of the landlord, one for
    the other landlord, and one the city takes part in."""
    _, _, elsewhere, _, homes = factories.tree(world.landlord, "Ailleurs")
    return {
        "territory": factories.group(world.territory, title="A quartier"),
        "elsewhere": factories.group(elsewhere, title="B ailleurs"),
        "other": factories.group(world.other_building, title="C autre bailleur"),
        "city": factories.group(
            elsewhere, title="D ville", partners=[world.partner_org]
        ),
        "homes": homes,
    }


def titles(user, **kwargs) -> list[str]:
    return [g.title for g in groups.groups_for(user, utcnow(), **kwargs)]


def test_each_role_lists_the_groups_it_may_see(world, several):
    assert titles(world.staff) == ["A quartier", "B ailleurs", "D ville"]
    assert titles(world.admin) == [
        "A quartier",
        "B ailleurs",
        "C autre bailleur",
        "D ville",
    ]
    assert titles(world.other_staff) == ["C autre bailleur"]
    assert titles(world.resident) == ["A quartier"]
    assert titles(world.other_resident) == ["C autre bailleur"]
    assert titles(world.partner) == ["D ville"]
    assert titles(world.newcomer) == []
    assert titles(AnonymousUserMixin()) == []
    assert titles(world.staff, place=several["elsewhere"].place) == [
        "B ailleurs",
        "D ville",
    ]


def test_a_member_who_moved_away_still_lists_the_group(world, several):
    factories.member(several["elsewhere"], world.resident)
    assert titles(world.resident) == ["A quartier", "B ailleurs"]
    for group in (several["elsewhere"], several["territory"]):
        member = groups.membership_of(world.resident, group)
        assert permissions.can_view_group(world.resident, group, member)


def test_every_listed_group_may_be_read(world, several):
    for role in ("staff", "admin", "resident", "partner", "other_staff"):
        user = actor(world, role)
        for group in groups.groups_for(user, utcnow()):
            member = groups.membership_of(user, group)
            assert permissions.can_view_group(user, group, member), (role, group)


def test_summaries_count_members_objectives_on_track_and_the_next_meeting(world, group):
    factories.member(group, world.resident)
    factories.member(group, world.newcomer, status=MembershipStatus.PENDING)
    on_track = factories.objective(group)
    factories.measurement(on_track, date(2026, 2, 1), 12.0)
    late = factories.objective(group)
    factories.measurement(late, date(2026, 7, 1), 14.0)
    factories.objective(group)  # no measurement yet
    now = utcnow()
    soon = factories.meeting(group, now + timedelta(days=2))
    factories.meeting(group, now + timedelta(days=9))
    factories.meeting(group, now - timedelta(days=9))
    summary = groups.summaries([group], now)[group.id]
    assert summary.members == 2  # the staff and the resident
    assert (summary.objectives, summary.on_track) == (3, 1)
    assert summary.next_meeting == fresh(soon).starts_at


def test_the_group_page_sorts_members_by_party(world, group, association):
    lea, _ = association.extra
    groups.add_partner(world.staff, group, association, "Réemploi", [lea.id], utcnow())
    factories.member(group, world.resident)
    waiting = groups.join(factories.resident_of(world.dwellings[2]), group, utcnow())
    objective = factories.objective(group)
    old = factories.meeting(group, utcnow() - timedelta(days=30))
    new = factories.meeting(group, utcnow() + timedelta(days=3))
    page = groups.group_page(fresh(group))
    assert [m.user_id for m in page.members[Party.RESIDENT]] == [world.resident.id]
    assert [m.user_id for m in page.members[Party.STAFF]] == [world.staff.id]
    assert [m.user_id for m in page.members[Party.PARTNER]] == [lea.id]
    assert [m.id for m in page.pending] == [waiting.id]
    assert [m.user_id for m in page.representatives[association.id]] == [lea.id]
    ((item, assessment),) = page.objectives
    assert item.id == objective.id and assessment.status is Status.NO_DATA
    assert [m.id for m in page.meetings] == [new.id, old.id]
    assert [m.id for m in page.upcoming(utcnow())] == [new.id]
    assert [m.id for m in page.past(utcnow())] == [old.id]


# --- shared macros -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.ACHIEVED, "atteint"),
        (Status.ON_TRACK, "en bonne voie"),
        (Status.AT_RISK, "à surveiller"),
        (Status.OFF_TRACK, "en retard"),
        (Status.NO_DATA, "pas encore de mesure"),
    ],
)
def test_the_status_badge_says_the_status_in_words(app, status, words):
    with app.test_request_context():
        badge = render_template_string(
            '{% from "_macros/objectives.html" import status_badge %}'
            "{{ status_badge(status) }}",
            status=status,
        )
    assert f">{words}</span>" in badge
    assert f"status-{status.value}" in badge


@pytest.mark.parametrize(
    ("percent", "label", "width", "words"),
    [
        (40, "40 % du chemin", 40, "40 % du chemin"),
        (140, "", 100, "100 % du chemin parcouru"),
        (None, "", None, "pas encore de mesure"),
    ],
)
def test_the_progress_bar_is_drawn_and_written(app, percent, label, width, words):
    with app.test_request_context():
        bar = render_template_string(
            '{% from "_macros/objectives.html" import progress_bar %}'
            "{{ progress_bar(percent, label) }}",
            percent=percent,
            label=label,
        )
    assert 'aria-hidden="true"' in bar
    assert words in bar
    if width is None:
        assert "progress-fill" not in bar
    else:
        assert f'class="progress-fill" x="0" y="0" width="{width}"' in bar
