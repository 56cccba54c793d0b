"""Working groups: charter, members by party, partners, meetings and hand votes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy import false, func, or_, select
from sqlalchemy.exc import IntegrityError

from participation import permissions
from participation.extensions import db
from participation.models import (
    Commitment,
    CommitmentStatus,
    Consultation,
    GroupMember,
    GroupPartner,
    HandVote,
    Meeting,
    MembershipStatus,
    NotificationKind,
    Objective,
    Organisation,
    OrganisationKind,
    Party,
    Place,
    Proposal,
    ProposalStatus,
    Residency,
    Role,
    User,
    WorkingGroup,
    descendants_of,
)
from participation.models.place import Dwelling
from participation.services import (
    InvalidTransition,
    ValidationError,
    audit,
    notifications,
    objectives,
    require,
)
from participation.services.indicators import Assessment, Status
from participation.text import clean_line, render_markdown

TITLE_LENGTH = (5, 160)
PURPOSE_LENGTH = (10, 5000)
METHOD_MAX = 5000
RHYTHM_MAX = 200
MESSAGE_MAX = 300
ROLE_MAX = 200
LOCATION_MAX = 200
AGENDA_MAX = 10_000
MINUTES_MAX = 20_000
DECISIONS_MAX = 10_000
QUESTION_LENGTH = (3, 300)
#: No meeting room holds more; a bigger number is a typing slip.
MAX_ATTENDANCE = 10_000
#: How far from today a meeting may be dated (a wrong year is a typing slip).
MEETING_SPAN = timedelta(days=5 * 366)
#: The same form sent again this soon by the same person is a double click.
RESUBMISSION = timedelta(minutes=2)
#: Proposals a group may be born from.
SOURCE_STATUSES = (ProposalStatus.SELECTED, ProposalStatus.DONE)
#: Objective statuses counted as "going well" on the group cards.
GOOD_STATUSES = (Status.ON_TRACK, Status.ACHIEVED)


@dataclass
class GroupValues:
    """The charter staff type in."""

    title: str
    purpose: str
    method: str = ""
    rhythm: str = ""
    open_to_residents: bool = False


@dataclass
class MeetingValues:
    """A meeting: when, where and what before; minutes, decisions and attendance
    after (these stay empty until the meeting has started)."""

    starts_at: datetime
    location: str = ""
    agenda: str = ""
    minutes: str = ""
    decisions: str = ""
    attendance: int | None = None


def _length(errors: dict, name: str, text: str, low: int, high: int, message: str):
    if not low <= len(text) <= high:
        errors[name] = message


def _resubmitted(model, stamp, now: datetime, **same):
    """What the same person sent with the same values a moment ago (a double
    click or a reloaded form), so that it is not saved twice.

    A read before the insert: it covers posts one after the other, not two
    posts racing in parallel (that would need an idempotency token carried by
    the form)."""
    return db.session.scalars(
        db.select(model)
        .filter_by(**same)
        .where(stamp >= now - RESUBMISSION)
        .order_by(model.id)
        .limit(1)
    ).first()


# The charter


def _charter(values: GroupValues) -> dict[str, Any]:
    """Clean and check the charter; raise ValidationError with every problem."""
    errors: dict[str | None, str] = {}
    title, purpose = clean_line(values.title), (values.purpose or "").strip()
    method, rhythm = (values.method or "").strip(), clean_line(values.rhythm)
    _length(
        errors,
        "title",
        title,
        *TITLE_LENGTH,
        _(
            "Le titre fait entre %(min)d et %(max)d caractères.",
            min=TITLE_LENGTH[0],
            max=TITLE_LENGTH[1],
        ),
    )
    _length(
        errors,
        "purpose",
        purpose,
        *PURPOSE_LENGTH,
        _(
            "L'objet du groupe fait entre %(min)d et %(max)d caractères.",
            min=PURPOSE_LENGTH[0],
            max=PURPOSE_LENGTH[1],
        ),
    )
    _length(
        errors,
        "method",
        method,
        0,
        METHOD_MAX,
        _("La méthode de travail fait %(max)d caractères au plus.", max=METHOD_MAX),
    )
    _length(
        errors,
        "rhythm",
        rhythm,
        0,
        RHYTHM_MAX,
        _("Le rythme des réunions fait %(max)d caractères au plus.", max=RHYTHM_MAX),
    )
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "purpose": purpose,
        "purpose_html": render_markdown(purpose),
        "method": method,
        "method_html": render_markdown(method),
        "rhythm": rhythm,
        "open_to_residents": bool(values.open_to_residents),
    }


def selected_proposals(consultation: Consultation) -> list[Proposal]:
    """The proposals of a consultation a group may be born from (selected or
    done), in one query."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.consultation_id == consultation.id,
                Proposal.status.in_(SOURCE_STATUSES),
            )
            .order_by(Proposal.id)
        )
    )


def _sources(
    user: User,
    place: Place | None,
    consultation: Consultation | None,
    proposal_ids: Iterable[int],
) -> tuple[Place, list[Proposal]]:
    """The group's place and the proposals it is born from, checked."""
    ids = {int(i) for i in proposal_ids}
    if consultation is None:
        if place is None:
            raise ValidationError({"place": _("Choisissez le lieu du groupe.")})
        if ids:
            raise ValidationError(
                {
                    "proposals": _(
                        "Des propositions viennent toujours d'une consultation."
                    )
                }
            )
        return place, []
    place = place or consultation.place
    if place.landlord_id != consultation.landlord_id:
        raise ValidationError(
            {"place": _("Le groupe et la consultation doivent être du même bailleur.")}
        )
    require(permissions.can_manage_consultation(user, consultation))
    if not place.is_within(consultation.place):
        raise ValidationError(
            {
                "place": _(
                    "Choisissez le lieu de la consultation (%(place)s) ou un lieu "
                    "qu'il contient.",
                    place=consultation.place.name,
                )
            }
        )
    eligible = {p.id: p for p in selected_proposals(consultation)}
    if not ids <= eligible.keys():
        raise ValidationError(
            {
                "proposals": _(
                    "Choisissez seulement des propositions retenues ou réalisées "
                    "de cette consultation."
                )
            }
        )
    return place, [eligible[i] for i in sorted(ids)]


def create_group(
    user: User,
    place: Place | None,
    values: GroupValues,
    now: datetime,
    consultation: Consultation | None = None,
    proposal_ids: Iterable[int] = (),
) -> WorkingGroup:
    """Staff start a working group for one of their landlord's places, possibly
    born from a consultation's selected (or done) proposals, which it links. The
    place defaults to the consultation's; it must be that place or inside it.
    The creator becomes an active staff facilitator. The same form sent twice in
    a row creates one group (see :func:`_resubmitted`).

    :raises PermissionDenied: the user does not manage the place (or the
        consultation).
    :raises ValidationError: bad charter, another landlord's consultation, a place
        outside it, or proposals that are not its selected or done ones.
    """
    if place is not None:
        require(permissions.can_create_group(user, place))
    place, proposals = _sources(user, place, consultation, proposal_ids)
    require(permissions.can_create_group(user, place))
    charter = _charter(values)
    twin = _resubmitted(
        WorkingGroup,
        WorkingGroup.created_at,
        now,
        place_id=place.id,
        created_by_id=user.id,
        title=charter["title"],
    )
    if twin is not None:
        return twin
    group = WorkingGroup(
        landlord_id=place.landlord_id,
        place=place,
        consultation=consultation,
        created_by=user,
        created_at=now,
        updated_at=now,
        proposals=proposals,
        **charter,
    )
    db.session.add(group)
    db.session.add(
        GroupMember(
            group=group,
            user=user,
            party=Party.STAFF,
            status=MembershipStatus.ACTIVE,
            facilitator=True,
            requested_at=now,
            decided_at=now,
            decided_by=user,
        )
    )
    db.session.flush()
    audit.record(
        user,
        "group.create",
        group,
        now,
        landlord_id=group.landlord_id,
        place_id=place.id,
        consultation_id=consultation.id if consultation else None,
        proposal_ids=[p.id for p in proposals],
    )
    db.session.commit()
    return group


def update_group(
    actor: User, group: WorkingGroup, values: GroupValues, now: datetime
) -> None:
    """Staff change the charter: title, purpose, method, rhythm, openness.

    :raises PermissionDenied: the actor does not manage the group.
    :raises ValidationError: bad charter (nothing is saved).
    """
    require(permissions.can_manage_group(actor, group))
    charter = _charter(values)
    changed = sorted(k for k, v in charter.items() if getattr(group, k) != v)
    for name, value in charter.items():
        setattr(group, name, value)
    if changed:
        group.updated_at = now
        audit.record(
            actor,
            "group.edit",
            group,
            now,
            landlord_id=group.landlord_id,
            fields=[name for name in changed if not name.endswith("_html")],
        )
    db.session.commit()


# Membership


def membership_of(user: Any, group: WorkingGroup) -> GroupMember | None:
    """The user's own row in the group (any status), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalars(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.user_id == user.id
        )
    ).first()


def _active_members(group: WorkingGroup, *where) -> list[int]:
    """The ids of the group's active members with an active account, matching
    ``where``."""
    return list(
        db.session.scalars(
            select(GroupMember.user_id)
            .join(GroupMember.user)
            .where(
                GroupMember.group_id == group.id,
                GroupMember.status == MembershipStatus.ACTIVE,
                User.active.is_(True),
                *where,
            )
            .order_by(GroupMember.user_id)
        )
    )


def _facilitator_ids(group: WorkingGroup) -> list[int]:
    """Who hears of a request to join: the active facilitators; without one, the
    group's active staff members; without any, the active staff of the group's
    landlord (never someone who left the group or whose account is closed)."""
    return (
        _active_members(group, GroupMember.facilitator.is_(True))
        or _active_members(
            group,
            GroupMember.party == Party.STAFF,
            User.role == Role.STAFF,
            User.organisation_id == group.landlord_id,
        )
        or [user.id for user in staff_users(group)]
    )


def _already(member: GroupMember) -> str:
    """Why a person with a row in the group cannot ask again."""
    if member.status is MembershipStatus.PENDING:
        return _(
            "Vous avez déjà demandé à rejoindre ce groupe : un·e animateur·rice "
            "va vous répondre."
        )
    if member.status is MembershipStatus.ACTIVE:
        return _("Vous faites déjà partie de ce groupe.")
    return _(
        "Votre demande pour ce groupe a été refusée : vous ne pouvez pas la "
        "renouveler. Parlez-en à l'équipe du bailleur si votre situation a changé."
    )


def join(
    user: User, group: WorkingGroup, now: datetime, message: str = ""
) -> GroupMember:
    """A resident of the group's place joins: at once if the group is open to
    residents, else as a request the facilitators hear of and decide. After
    leaving, one may come back (the same row is reused).

    :raises InvalidTransition: a request already waits, the user is already a
        member, or was refused (a double click lands here too).
    :raises PermissionDenied: not a resident of the group's place.
    :raises ValidationError: message too long.
    """
    member = membership_of(user, group)
    if member is not None and member.status is not MembershipStatus.LEFT:
        raise InvalidTransition(_already(member))
    require(permissions.can_join_group(user, group, member))
    text = clean_line(message)
    if len(text) > MESSAGE_MAX:
        raise ValidationError(
            {"message": _("%(max)d caractères au plus.", max=MESSAGE_MAX)}
        )
    status = (
        MembershipStatus.ACTIVE if group.open_to_residents else MembershipStatus.PENDING
    )
    if member is None:
        member = GroupMember(group=group, user=user)
        db.session.add(member)
    member.party, member.organisation_id = Party.RESIDENT, None
    member.status, member.facilitator, member.message = status, False, text
    member.requested_at, member.decided_at, member.decided_by = now, None, None
    try:
        db.session.flush()
    except IntegrityError:  # the same request, sent twice at once
        db.session.rollback()
        raise InvalidTransition(
            _(
                "Vous avez déjà demandé à rejoindre ce groupe : un·e animateur·rice "
                "va vous répondre."
            )
        ) from None
    if status is MembershipStatus.PENDING:
        notifications.notify(
            _facilitator_ids(group),
            NotificationKind.GROUP_MEMBERSHIP,
            now,
            group=group,
            pending=True,
            title=group.title,
            member_id=member.id,
        )
    db.session.commit()
    return member


def _acting_member(actor: User, group: WorkingGroup) -> GroupMember | None:
    return membership_of(actor, group)


def decide_membership(
    actor: User, member: GroupMember, accept: bool, now: datetime
) -> None:
    """A facilitator (or staff) accepts or refuses a request to join; the
    resident hears of it.

    :raises PermissionDenied: the actor does not facilitate the group.
    :raises InvalidTransition: the request was already decided.
    """
    group = member.group
    require(permissions.can_facilitate(actor, group, _acting_member(actor, group)))
    member.decide(accept, actor, now)
    audit.record(
        actor,
        "group.accept_member" if accept else "group.refuse_member",
        member,
        now,
        landlord_id=group.landlord_id,
        group_id=group.id,
        user_id=member.user_id,
    )
    notifications.notify(
        [member.user_id],
        NotificationKind.GROUP_MEMBERSHIP,
        now,
        group=group,
        accepted=bool(accept),
        title=group.title,
    )
    db.session.commit()


def leave(user: User, group: WorkingGroup, now: datetime) -> None:
    """An active member leaves the group (a resident may ask to come back).

    :raises PermissionDenied: not an active member.
    """
    member = membership_of(user, group)
    require(permissions.can_leave_group(user, member))
    member.status, member.facilitator, member.decided_at = (
        MembershipStatus.LEFT,
        False,
        now,
    )
    db.session.commit()


def set_facilitator(actor: User, member: GroupMember, on: bool, now: datetime) -> None:
    """Staff make an active member a facilitator (or not any more).

    :raises PermissionDenied: the actor does not manage the group.
    :raises InvalidTransition: the member is not active.
    """
    group = member.group
    require(permissions.can_manage_group(actor, group))
    if not member.is_active:
        raise InvalidTransition(_("Seul un membre actif peut animer le groupe."))
    if member.facilitator != bool(on):
        member.facilitator = bool(on)
        audit.record(
            actor,
            "group.set_facilitator",
            member,
            now,
            landlord_id=group.landlord_id,
            group_id=group.id,
            user_id=member.user_id,
            facilitator=bool(on),
        )
    db.session.commit()


def remove_member(actor: User, member: GroupMember, now: datetime) -> None:
    """Staff take someone out of the group. A resident is excluded (they may not
    ask again; they hear of it); a partner's or staff member's row is closed and
    may be added back.

    :raises PermissionDenied: the actor does not manage the group.
    :raises InvalidTransition: the person is not an active member.
    """
    group = member.group
    require(permissions.can_manage_group(actor, group))
    if not member.is_active:
        raise InvalidTransition(_("Cette personne ne fait pas partie du groupe."))
    resident = member.party is Party.RESIDENT
    member.status = MembershipStatus.REFUSED if resident else MembershipStatus.LEFT
    member.facilitator, member.decided_at, member.decided_by = False, now, actor
    audit.record(
        actor,
        "group.remove_member",
        member,
        now,
        landlord_id=group.landlord_id,
        group_id=group.id,
        user_id=member.user_id,
    )
    if resident:
        notifications.notify(
            [member.user_id],
            NotificationKind.GROUP_MEMBERSHIP,
            now,
            group=group,
            accepted=False,
            removed=True,
            title=group.title,
        )
    db.session.commit()


def _enrol(
    group: WorkingGroup,
    person: User,
    party: Party,
    actor: User,
    now: datetime,
    existing: dict[int, GroupMember],
    *,
    organisation_id: int | None = None,
    facilitator: bool | None = None,
) -> GroupMember:
    """Make ``person`` an active member (reusing their row if any)."""
    member = existing.get(person.id)
    if member is None:
        member = GroupMember(group=group, user=person, requested_at=now)
        db.session.add(member)
    if not member.is_active:
        member.facilitator = False
        member.decided_at, member.decided_by = now, actor
    member.party, member.organisation_id = party, organisation_id
    member.status = MembershipStatus.ACTIVE
    if facilitator is not None:
        member.facilitator = facilitator
    return member


def _rows_of(group: WorkingGroup, user_ids: Iterable[int]) -> dict[int, GroupMember]:
    ids = list(user_ids)
    if not ids:
        return {}
    return {
        m.user_id: m
        for m in db.session.scalars(
            select(GroupMember).where(
                GroupMember.group_id == group.id, GroupMember.user_id.in_(ids)
            )
        )
    }


def _active_accounts(organisation_id: int, role: Role) -> list[User]:
    """The active accounts of an organisation with that role, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.organisation_id == organisation_id,
                User.role == role,
                User.active.is_(True),
            )
            .order_by(User.display_name, User.id)
        )
    )


def partner_users(organisation: Organisation) -> list[User]:
    """The active partner accounts of an organisation (its possible
    representatives), by name."""
    return _active_accounts(organisation.id, Role.PARTNER)


def add_partner(
    actor: User,
    group: WorkingGroup,
    organisation: Organisation,
    role_text: str,
    representative_ids: Iterable[int],
    now: datetime,
) -> GroupPartner:
    """Staff bring a partner organisation into the group (or update its role),
    with named representatives: active partner accounts of that organisation,
    who become active members. Adding it again adds representatives.

    :raises PermissionDenied: the actor does not manage the group.
    :raises ValidationError: a landlord, a role too long, or representatives who
        are not active partner accounts of that organisation.
    """
    require(permissions.can_manage_group(actor, group))
    errors: dict[str | None, str] = {}
    role = clean_line(role_text)
    if organisation.is_landlord:
        errors["organisation"] = _(
            "Un bailleur ne peut pas être partenaire d'un groupe : son équipe en fait "
            "partie directement (ajoutez-la comme membre de l'équipe)."
        )
    if len(role) > ROLE_MAX:
        errors["role"] = _("%(max)d caractères au plus.", max=ROLE_MAX)
    wanted = {int(i) for i in representative_ids}
    people = {u.id: u for u in partner_users(organisation)} if wanted else {}
    if not wanted <= people.keys():
        errors["representatives"] = _(
            "Choisissez des représentant·es parmi les comptes partenaires actifs de "
            "%(organisation)s.",
            organisation=organisation.name,
        )
    if errors:
        raise ValidationError(errors)
    partner = db.session.get(GroupPartner, (group.id, organisation.id))
    if partner is None:
        partner = GroupPartner(organisation=organisation, joined_at=now)
        group.partners.append(partner)
    partner.role = role
    existing = _rows_of(group, wanted)
    for user_id in sorted(wanted):
        _enrol(
            group,
            people[user_id],
            Party.PARTNER,
            actor,
            now,
            existing,
            organisation_id=organisation.id,
        )
    try:
        db.session.flush()
    except IntegrityError:  # the same form, sent twice at once
        db.session.rollback()
        raise InvalidTransition(
            _("Cette organisation vient d'être ajoutée : rechargez la page.")
        ) from None
    audit.record(
        actor,
        "group.add_partner",
        group,
        now,
        landlord_id=group.landlord_id,
        organisation_id=organisation.id,
        role=role,
        representative_ids=sorted(wanted),
    )
    db.session.commit()
    return partner


#: How many titles a refusal names before "…".
QUOTED_MAX = 3


def _quoted(titles: list[str]) -> str:
    """« A », « B », « C », … (the first few titles)."""
    named = [f"« {title} »" for title in titles[:QUOTED_MAX]]
    return ", ".join(named + (["…"] if len(titles) > QUOTED_MAX else []))


def _still_needed(group: WorkingGroup, organisation: Organisation) -> list[str]:
    """Why the organisation may not leave the group yet (two queries): it is the
    data source of one of its objectives, or has open commitments in it."""
    reasons = []
    sourced = list(
        db.session.scalars(
            select(Objective.title)
            .where(
                Objective.group_id == group.id,
                Objective.source_organisation_id == organisation.id,
            )
            .order_by(Objective.id)
        )
    )
    if sourced:
        reasons.append(
            ngettext(
                "%(organisation)s est la source des mesures de l'objectif "
                "%(titles)s : choisissez d'abord une autre source.",
                "%(organisation)s est la source des mesures des objectifs "
                "%(titles)s : choisissez d'abord une autre source.",
                len(sourced),
                organisation=organisation.name,
                titles=_quoted(sourced),
            )
        )
    open_ones = list(
        db.session.scalars(
            select(Commitment.title)
            .join(Commitment.objective)
            .where(
                Objective.group_id == group.id,
                Commitment.organisation_id == organisation.id,
                Commitment.status.in_([s for s in CommitmentStatus if s.is_open]),
            )
            .order_by(Commitment.due_date, Commitment.id)
        )
    )
    if open_ones:
        reasons.append(
            ngettext(
                "%(organisation)s a encore un engagement en cours dans ce groupe "
                "(%(titles)s) : indiquez d'abord s'il a été tenu ou non.",
                "%(organisation)s a encore des engagements en cours dans ce groupe "
                "(%(titles)s) : indiquez d'abord s'ils ont été tenus ou non.",
                len(open_ones),
                organisation=organisation.name,
                titles=_quoted(open_ones),
            )
        )
    return reasons


def remove_partner(
    actor: User, group: WorkingGroup, organisation: Organisation, now: datetime
) -> None:
    """Staff take a partner organisation out of the group; its representatives
    stop being members. Refused (nothing changes) while the organisation is the
    data source of one of the group's objectives or has open (planned or in
    progress) commitments in it.

    :raises PermissionDenied: the actor does not manage the group.
    :raises InvalidTransition: the organisation does not take part, is still an
        objective's data source, or still has open commitments in the group.
    """
    require(permissions.can_manage_group(actor, group))
    partner = db.session.get(GroupPartner, (group.id, organisation.id))
    if partner is None:
        raise InvalidTransition(_("Cette organisation ne fait pas partie du groupe."))
    reasons = _still_needed(group, organisation)
    if reasons:
        raise InvalidTransition(" ".join(reasons))
    group.partners.remove(partner)
    for member in db.session.scalars(
        select(GroupMember).where(
            GroupMember.group_id == group.id,
            GroupMember.party == Party.PARTNER,
            GroupMember.organisation_id == organisation.id,
            GroupMember.status == MembershipStatus.ACTIVE,
        )
    ):
        member.status, member.facilitator = MembershipStatus.LEFT, False
        member.decided_at, member.decided_by = now, actor
    audit.record(
        actor,
        "group.remove_partner",
        group,
        now,
        landlord_id=group.landlord_id,
        organisation_id=organisation.id,
    )
    db.session.commit()


def staff_users(group: WorkingGroup) -> list[User]:
    """The active staff accounts of the group's landlord, by name."""
    return _active_accounts(group.landlord_id, Role.STAFF)


def add_staff_member(
    actor: User,
    group: WorkingGroup,
    staff_user: User,
    facilitator: bool,
    now: datetime,
) -> GroupMember:
    """Staff add a colleague of the group's landlord as a member (a facilitator
    if asked); adding them again updates the facilitator flag.

    :raises PermissionDenied: the actor does not manage the group.
    :raises ValidationError: not an active staff account of that landlord.
    """
    require(permissions.can_manage_group(actor, group))
    if not (
        staff_user.role is Role.STAFF
        and staff_user.active
        and staff_user.organisation_id == group.landlord_id
    ):
        raise ValidationError(
            {"staff_user": _("Choisissez un membre actif de l'équipe du bailleur.")}
        )
    member = _enrol(
        group,
        staff_user,
        Party.STAFF,
        actor,
        now,
        _rows_of(group, [staff_user.id]),
        facilitator=bool(facilitator),
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidTransition(
            _("Cette personne vient d'être ajoutée : rechargez la page.")
        ) from None
    audit.record(
        actor,
        "group.add_staff",
        member,
        now,
        landlord_id=group.landlord_id,
        group_id=group.id,
        user_id=staff_user.id,
        facilitator=bool(facilitator),
    )
    db.session.commit()
    return member


# Meetings and show-of-hands votes


def _meeting(values: MeetingValues, now: datetime) -> dict[str, Any]:
    """Clean and check a meeting's values; raise ValidationError with every
    problem."""
    errors: dict[str | None, str] = {}
    starts_at = values.starts_at
    location = clean_line(values.location)
    agenda = (values.agenda or "").strip()
    minutes = (values.minutes or "").strip()
    decisions = (values.decisions or "").strip()
    attendance = values.attendance
    if starts_at is None:
        errors["starts_at"] = _("Indiquez une date et une heure.")
    elif not now - MEETING_SPAN <= starts_at <= now + MEETING_SPAN:
        errors["starts_at"] = _(
            "Cette date est à plus de cinq ans d'aujourd'hui : vérifiez l'année."
        )
    _length(
        errors,
        "location",
        location,
        0,
        LOCATION_MAX,
        _("%(max)d caractères au plus.", max=LOCATION_MAX),
    )
    _length(
        errors,
        "agenda",
        agenda,
        0,
        AGENDA_MAX,
        _("L'ordre du jour fait %(max)s caractères au plus.", max="10 000"),
    )
    _length(
        errors,
        "minutes",
        minutes,
        0,
        MINUTES_MAX,
        _("Le compte rendu fait %(max)s caractères au plus.", max="20 000"),
    )
    _length(
        errors,
        "decisions",
        decisions,
        0,
        DECISIONS_MAX,
        _("Les décisions font %(max)s caractères au plus.", max="10 000"),
    )
    if attendance is not None and (
        isinstance(attendance, bool)
        or not isinstance(attendance, int)
        or not 0 <= attendance <= MAX_ATTENDANCE
    ):
        errors["attendance"] = _(
            "Indiquez le nombre de personnes présentes : un nombre entier entre 0 "
            "et %(max)s.",
            max="10 000",
        )
    started = starts_at is not None and starts_at <= now
    if not started and starts_at is not None:
        late = _(
            "Ceci se remplit une fois la réunion commencée : elle n'a pas encore eu "
            "lieu."
        )
        for name, value in (
            ("minutes", minutes),
            ("decisions", decisions),
            ("attendance", attendance),
        ):
            if value not in ("", None) and name not in errors:
                errors[name] = late
    if errors:
        raise ValidationError(errors)
    return {
        "starts_at": starts_at,
        "location": location,
        "agenda": agenda,
        "agenda_html": render_markdown(agenda),
        "minutes": minutes,
        "minutes_html": render_markdown(minutes),
        "decisions": decisions,
        "decisions_html": render_markdown(decisions),
        "attendance": attendance,
    }


def _announce(group: WorkingGroup, meeting: Meeting, actor: User, now: datetime):
    """Tell the members of an upcoming meeting (caller commits)."""
    if meeting.starts_at > now:
        notifications.notify_group(
            group,
            NotificationKind.MEETING_SCHEDULED,
            now,
            exclude=actor,
            meeting_id=meeting.id,
            title=group.title,
            starts_at=meeting.starts_at.isoformat(),
            location=meeting.location,
        )


def schedule_meeting(
    actor: User, group: WorkingGroup, values: MeetingValues, now: datetime
) -> Meeting:
    """A facilitator (or staff) schedules a meeting: date, place, agenda; the
    members hear of an upcoming one. A past meeting may be recorded with its
    minutes at once. Sent twice in a row, it is saved once.

    :raises PermissionDenied: the actor does not facilitate the group.
    :raises ValidationError: a date more than five years away, texts too long,
        minutes or attendance for a meeting that has not taken place.
    """
    require(permissions.can_facilitate(actor, group, _acting_member(actor, group)))
    cleaned = _meeting(values, now)
    twin = _resubmitted(
        Meeting,
        Meeting.created_at,
        now,
        group_id=group.id,
        created_by_id=actor.id,
        starts_at=cleaned["starts_at"],
    )
    if twin is not None:
        return twin
    meeting = Meeting(
        group=group, created_by=actor, created_at=now, updated_at=now, **cleaned
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        actor,
        "meeting.schedule",
        meeting,
        now,
        landlord_id=group.landlord_id,
        group_id=group.id,
        starts_at=meeting.starts_at.isoformat(),
    )
    _announce(group, meeting, actor, now)
    db.session.commit()
    return meeting


def _largest_hand_vote(meeting: Meeting) -> int:
    return max((vote.total for vote in meeting.hand_votes), default=0)


def record_meeting(
    actor: User, meeting: Meeting, values: MeetingValues, now: datetime
) -> None:
    """A facilitator (or staff) edits a meeting: its date, place and agenda, and
    once it has started its minutes, decisions and attendance. Members hear of
    a new date for an upcoming meeting.

    :raises PermissionDenied: the actor does not facilitate the group.
    :raises ValidationError: as :func:`schedule_meeting`, or an attendance below
        the number of hands already counted in one of its votes.
    """
    group = meeting.group
    require(permissions.can_facilitate(actor, group, _acting_member(actor, group)))
    cleaned = _meeting(values, now)
    counted = _largest_hand_vote(meeting)
    if cleaned["attendance"] is not None and cleaned["attendance"] < counted:
        raise ValidationError(
            {
                "attendance": _(
                    "Un vote à main levée de cette réunion compte déjà %(num)d voix : "
                    "la présence ne peut pas être inférieure.",
                    num=counted,
                )
            }
        )
    if counted and cleaned["starts_at"] > now:
        raise ValidationError(
            {
                "starts_at": _(
                    "Des votes ont été saisis pour cette réunion : elle ne peut pas "
                    "être déplacée dans le futur."
                )
            }
        )
    moved = cleaned["starts_at"] != meeting.starts_at
    changed = sorted(
        k
        for k, v in cleaned.items()
        if not k.endswith("_html") and getattr(meeting, k) != v
    )
    for name, value in cleaned.items():
        setattr(meeting, name, value)
    if changed:
        meeting.updated_at = now
        audit.record(
            actor,
            "meeting.record",
            meeting,
            now,
            landlord_id=group.landlord_id,
            group_id=group.id,
            fields=changed,
        )
    if moved:
        _announce(group, meeting, actor, now)
    db.session.commit()


def _count(value: Any) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= MAX_ATTENDANCE
    )


def add_hand_vote(
    actor: User,
    meeting: Meeting,
    question: str,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    now: datetime,
) -> HandVote:
    """A facilitator (or staff) enters the counts of a show-of-hands vote taken
    in a meeting that has started. It is kept in the group's history and never
    edited; who entered it and when is shown. Sent twice in a row, it is
    saved once.

    :raises PermissionDenied: the actor does not facilitate the group.
    :raises InvalidTransition: the meeting has not started yet.
    :raises ValidationError: no question, counts that are not whole numbers of
        0 or more, no vote at all, or more votes than people present.
    """
    group = meeting.group
    require(permissions.can_facilitate(actor, group, _acting_member(actor, group)))
    if meeting.starts_at > now:
        raise InvalidTransition(
            _(
                "Cette réunion n'a pas encore eu lieu (elle commence le %(date)s) : "
                "un vote à main levée se saisit pendant ou après la réunion.",
                date=format_datetime(meeting.starts_at, "d MMMM y, HH:mm"),
            )
        )
    errors: dict[str | None, str] = {}
    text = clean_line(question)
    _length(
        errors,
        "question",
        text,
        *QUESTION_LENGTH,
        _("La question fait entre %(min)d et %(max)d caractères.", min=3, max=300),
    )
    counts = {
        "votes_for": votes_for,
        "votes_against": votes_against,
        "abstentions": abstentions,
    }
    for name, value in counts.items():
        if not _count(value):
            errors[name] = _(
                "Un nombre entier de voix, 0 ou plus (%(max)s au plus).", max="10 000"
            )
    if not errors:
        total = votes_for + votes_against + abstentions
        if total == 0:
            errors[None] = _(
                "Saisissez au moins une voix : pour, contre ou abstention."
            )
        elif meeting.attendance is not None and total > meeting.attendance:
            errors[None] = _(
                "%(total)d voix (pour, contre et abstentions) pour %(present)d "
                "personnes présentes : le total ne peut pas dépasser la présence. "
                "Corrigez les nombres, ou la présence dans le compte rendu de la "
                "réunion.",
                total=total,
                present=meeting.attendance,
            )
    if errors:
        raise ValidationError(errors)
    twin = _resubmitted(
        HandVote,
        HandVote.entered_at,
        now,
        meeting_id=meeting.id,
        entered_by_id=actor.id,
        question=text,
        **counts,
    )
    if twin is not None:
        return twin
    vote = HandVote(
        meeting=meeting, question=text, entered_by=actor, entered_at=now, **counts
    )
    db.session.add(vote)
    db.session.flush()
    audit.record(
        actor,
        "meeting.hand_vote",
        vote,
        now,
        landlord_id=group.landlord_id,
        group_id=group.id,
        meeting_id=meeting.id,
        question=text,
        **counts,
    )
    db.session.commit()
    return vote


# Reading


def _resident_place_ids(user: User) -> set[int]:
    """The places containing the user's current homes (their own and every
    ancestor), in one query."""
    paths = db.session.scalars(
        select(Place.path)
        .join(Dwelling, Dwelling.place_id == Place.id)
        .join(Residency, Residency.dwelling_id == Dwelling.id)
        .where(Residency.user_id == user.id, Residency.ended_at.is_(None))
    )
    return {int(part) for path in paths for part in path.strip("/").split("/") if part}


def groups_query(user: Any, place: Place | None = None):
    """Select the groups the user may see, by title, with their place and
    partners: staff their landlord's, admins all, residents those of the places
    where they live, partners those their organisation takes part in, and
    everyone the groups they are an active member of. ``place`` keeps the groups
    of that place and below."""
    query = (
        select(WorkingGroup)
        .join(WorkingGroup.place)
        .options(
            db.contains_eager(WorkingGroup.place),
            db.selectinload(WorkingGroup.partners).joinedload(
                GroupPartner.organisation
            ),
        )
        .order_by(WorkingGroup.title, WorkingGroup.id)
    )
    if place is not None:
        query = query.where(descendants_of(place))
    if not getattr(user, "is_authenticated", False) or not user.active:
        return query.where(false())
    if permissions.is_admin(user):
        return query
    if user.role is Role.STAFF:
        return query.where(WorkingGroup.landlord_id == user.organisation_id)
    member_of = select(GroupMember.group_id).where(
        GroupMember.user_id == user.id,
        GroupMember.status == MembershipStatus.ACTIVE,
    )
    conditions = [WorkingGroup.id.in_(member_of)]
    if user.role is Role.RESIDENT:
        place_ids = _resident_place_ids(user)
        if place_ids:
            conditions.append(WorkingGroup.place_id.in_(place_ids))
    elif user.role is Role.PARTNER and user.organisation_id is not None:
        conditions.append(
            WorkingGroup.id.in_(
                select(GroupPartner.group_id).where(
                    GroupPartner.organisation_id == user.organisation_id
                )
            )
        )
    return query.where(or_(*conditions))


def groups_for(
    user: Any, now: datetime, place: Place | None = None
) -> list[WorkingGroup]:
    """The groups the user may see (see :func:`groups_query`), by title.

    ``now`` is taken like every query's, for rules that depend on the date.
    """
    del now  # visibility does not depend on the date (yet)
    return list(db.session.scalars(groups_query(user, place)).unique())


@dataclass
class GroupSummary:
    """What a group's card shows."""

    members: int = 0
    objectives: int = 0
    on_track: int = 0
    next_meeting: datetime | None = None


def summaries(groups: Iterable[WorkingGroup], now: datetime) -> dict[int, GroupSummary]:
    """Active members, objectives (and how many are on track or achieved) and
    the next meeting of each group, keyed by id, in four queries."""
    ids = [g.id for g in groups]
    result = {i: GroupSummary() for i in ids}
    if not ids:
        return result
    for group_id, count in db.session.execute(
        select(GroupMember.group_id, func.count())
        .where(
            GroupMember.group_id.in_(ids),
            GroupMember.status == MembershipStatus.ACTIVE,
        )
        .group_by(GroupMember.group_id)
    ):
        result[group_id].members = count
    items = list(
        db.session.scalars(select(Objective).where(Objective.group_id.in_(ids)))
    )
    assessed = objectives.assessments(items)
    for item in items:
        result[item.group_id].objectives += 1
        if assessed[item.id].status in GOOD_STATUSES:
            result[item.group_id].on_track += 1
    for group_id, starts_at in db.session.execute(
        select(Meeting.group_id, func.min(Meeting.starts_at))
        .where(Meeting.group_id.in_(ids), Meeting.starts_at >= now)
        .group_by(Meeting.group_id)
    ):
        result[group_id].next_meeting = starts_at
    return result


@dataclass
class GroupPage:
    """What the group page shows, loaded in a fixed number of queries."""

    group: WorkingGroup
    #: Active members by party (residents, partners, staff), by name.
    members: dict[Party, list[GroupMember]]
    #: Requests waiting for a facilitator, oldest first.
    pending: list[GroupMember]
    #: Active representatives of each partner organisation, by organisation id.
    representatives: dict[int, list[GroupMember]]
    #: The group's objectives (oldest first) with their assessment.
    objectives: list[tuple[Objective, Assessment]]
    #: Meetings, newest first.
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def consultation(self) -> Consultation | None:
        return self.group.consultation

    @property
    def proposals(self) -> list[Proposal]:
        return self.group.proposals

    @property
    def partners(self) -> list[GroupPartner]:
        return self.group.partners

    def upcoming(self, now: datetime) -> list[Meeting]:
        """Meetings still to come, soonest first."""
        return sorted((m for m in self.meetings if m.starts_at > now), key=_start)

    def past(self, now: datetime) -> list[Meeting]:
        """Meetings that have started, newest first."""
        return [m for m in self.meetings if m.starts_at <= now]


def _start(meeting: Meeting) -> datetime:
    return meeting.starts_at


#: How to load a group for its pages (with ``db.get_or_404``).
GROUP_OPTIONS = [
    db.joinedload(WorkingGroup.place),
    db.joinedload(WorkingGroup.consultation),
    db.selectinload(WorkingGroup.proposals),
    db.selectinload(WorkingGroup.partners).joinedload(GroupPartner.organisation),
]


def members_of(group: WorkingGroup) -> list[GroupMember]:
    """Active and pending members with their account, by name (one query)."""
    return list(
        db.session.scalars(
            select(GroupMember)
            .join(GroupMember.user)
            .where(
                GroupMember.group_id == group.id,
                GroupMember.status.in_(
                    [MembershipStatus.ACTIVE, MembershipStatus.PENDING]
                ),
            )
            .options(
                db.contains_eager(GroupMember.user),
                db.joinedload(GroupMember.organisation),
            )
            .order_by(User.display_name, GroupMember.id)
        )
    )


def group_page(group: WorkingGroup) -> GroupPage:
    """Members by party, partners' representatives, objectives with their
    assessment and meetings, in four queries (the group itself loaded with
    :data:`GROUP_OPTIONS`)."""
    members: dict[Party, list[GroupMember]] = {party: [] for party in Party}
    pending: list[GroupMember] = []
    representatives: dict[int, list[GroupMember]] = defaultdict(list)
    for member in members_of(group):
        if member.status is MembershipStatus.PENDING:
            pending.append(member)
            continue
        members[member.party].append(member)
        if member.party is Party.PARTNER and member.organisation_id is not None:
            representatives[member.organisation_id].append(member)
    pending.sort(key=lambda m: (m.requested_at, m.id))
    items = list(
        db.session.scalars(
            select(Objective)
            .where(Objective.group_id == group.id)
            .order_by(Objective.id)
        )
    )
    assessed = objectives.assessments(items)
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.group_id == group.id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        )
    )
    return GroupPage(
        group=group,
        members=members,
        pending=pending,
        representatives=dict(representatives),
        objectives=[(item, assessed[item.id]) for item in items],
        meetings=meetings,
    )


def born_from(consultation: Consultation) -> list[WorkingGroup]:
    """The working groups born from a consultation, by title, with what
    ``permissions.can_view_group`` reads (place, partners): one query, and one
    more for the partners when there are groups."""
    return list(
        db.session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.consultation_id == consultation.id)
            .options(
                db.joinedload(WorkingGroup.place),
                db.selectinload(WorkingGroup.partners),
            )
            .order_by(WorkingGroup.title, WorkingGroup.id)
        )
    )


def memberships_in(user: Any, items: Iterable[WorkingGroup]) -> dict[int, GroupMember]:
    """The user's own rows in these groups, by group id (one query, none for a
    visitor or no group)."""
    ids = [group.id for group in items]
    if not ids or not getattr(user, "is_authenticated", False):
        return {}
    return {
        member.group_id: member
        for member in db.session.scalars(
            select(GroupMember).where(
                GroupMember.user_id == user.id, GroupMember.group_id.in_(ids)
            )
        )
    }


def meeting_of(group: WorkingGroup, meeting_id: int) -> Meeting | None:
    """The group's meeting with its hand votes and who entered them (two
    queries), or None when it is another group's."""
    return db.session.scalars(
        select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.group_id == group.id)
        .options(
            db.selectinload(Meeting.hand_votes).joinedload(HandVote.entered_by),
            db.joinedload(Meeting.created_by),
        )
    ).first()


def partner_organisations() -> list[Organisation]:
    """Organisations that may take part in a group as partners (not landlords)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind != OrganisationKind.LANDLORD)
            .order_by(Organisation.name)
        )
    )
