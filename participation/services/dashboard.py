"""How objectives are doing: a place's dashboard and each role's home-page panel.

Read-only; every function runs a fixed number of queries whatever the number of
groups, objectives or commitments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, or_, select

from participation import permissions
from participation.extensions import db
from participation.models import (
    Commitment,
    CommitmentStatus,
    GroupMember,
    GroupPartner,
    Measurement,
    MembershipStatus,
    Objective,
    Place,
    Residency,
    User,
    WorkingGroup,
    descendants_of,
)
from participation.services import require
from participation.services.indicators import (
    Assessment,
    Status,
)
from participation.services.objectives import assessments
from participation.timeutil import local_date

#: The order statuses are counted and shown in: what needs attention first.
STATUS_ORDER = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.ON_TRACK,
    Status.ACHIEVED,
    Status.NO_DATA,
)
#: A data source is reminded when its latest measurement is older than this.
REPORTING_INTERVAL = timedelta(days=31)
#: At most this many rows per list in a home-page panel (with the total beside).
PANEL_ROWS = 8
#: The staff's home page watches objectives whose target date is at most this far
#: behind (older ones are for the group and place pages, not for every visit).
WATCH_AFTER_TARGET = timedelta(days=90)
OPEN_STATUSES = [s for s in CommitmentStatus if s.is_open]


def _assessed(
    objectives: Sequence[Objective],
) -> list[tuple[Objective, Assessment]]:
    """Objectives with their assessment (one query for all of them)."""
    assessed = assessments(objectives)
    return [(o, assessed[o.id]) for o in objectives]


def count_statuses(rows: Sequence[tuple[Objective, Assessment]]) -> dict[Status, int]:
    """How many objectives have each status, in :data:`STATUS_ORDER` (zeros left
    out)."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for _objective, assessment in rows:
        counts[assessment.status] += 1
    return {status: n for status, n in counts.items() if n}


def _objectives_of(group_ids: Sequence[int]) -> list[Objective]:
    if not group_ids:
        return []
    return list(
        db.session.scalars(
            select(Objective)
            .where(Objective.group_id.in_(group_ids))
            .order_by(Objective.group_id, Objective.id)
        )
    )


def _late_counts(group_ids: Sequence[int], today: date) -> dict[int, int]:
    """Open commitments past their due date, per group (one query)."""
    if not group_ids:
        return {}
    rows = db.session.execute(
        select(Objective.group_id, func.count(Commitment.id))
        .join(Objective, Objective.id == Commitment.objective_id)
        .where(
            Objective.group_id.in_(group_ids),
            Commitment.status.in_(OPEN_STATUSES),
            Commitment.due_date < today,
        )
        .group_by(Objective.group_id)
    )
    return dict(rows.all())


# The place dashboard ------------------------------------------------------------


@dataclass(frozen=True)
class GroupProgress:
    group: WorkingGroup
    objectives: list[tuple[Objective, Assessment]]
    statuses: dict[Status, int]
    late_commitments: int
    #: The viewer may open the group's own pages; if not, it is listed because it
    #: is published, and its links go to the public showcase.
    can_view: bool = True


@dataclass(frozen=True)
class PlaceDashboard:
    place: Place
    groups: list[GroupProgress]
    statuses: dict[Status, int]
    late_commitments: int

    @property
    def objectives(self) -> int:
        return sum(len(g.objectives) for g in self.groups)


def groups_below(place: Place) -> list[WorkingGroup]:
    """The working groups of ``place`` and of the places inside it, with their
    place and partners, by title (two queries)."""
    return list(
        db.session.scalars(
            select(WorkingGroup)
            .join(WorkingGroup.place)
            .where(descendants_of(place))
            .options(
                db.contains_eager(WorkingGroup.place),
                db.selectinload(WorkingGroup.partners),
            )
            .order_by(WorkingGroup.title, WorkingGroup.id)
        )
    )


def _memberships(user: Any, group_ids: Sequence[int]) -> dict[int, GroupMember]:
    """The user's own membership rows in these groups, keyed by group id."""
    if not group_ids or not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.scalars(
        select(GroupMember).where(
            GroupMember.user_id == user.id, GroupMember.group_id.in_(group_ids)
        )
    )
    return {m.group_id: m for m in rows}


def place_dashboard(
    user: Any,
    place: Place,
    today: date,
    groups: list[WorkingGroup] | None = None,
) -> PlaceDashboard:
    """The objectives of the groups of ``place`` (and below) the viewer may open,
    their statuses counted, and the commitments past due. ``groups`` are those of
    :func:`groups_below`, when the caller already has them.

    :raises PermissionDenied: the viewer may not see this place's dashboard.
    """
    groups = groups_below(place) if groups is None else groups
    require(permissions.can_view_place_dashboard(user, place, groups))
    members = _memberships(user, [g.id for g in groups])
    opens = {
        g.id: permissions.can_view_group(user, g, members.get(g.id)) for g in groups
    }
    visible = [g for g in groups if opens[g.id] or g.is_published]
    ids = [g.id for g in visible]
    rows = _assessed(_objectives_of(ids))
    late = _late_counts(ids, today)
    by_group: dict[int, list[tuple[Objective, Assessment]]] = {i: [] for i in ids}
    for objective, assessment in rows:
        by_group[objective.group_id].append((objective, assessment))
    return PlaceDashboard(
        place=place,
        groups=[
            GroupProgress(
                group=g,
                objectives=by_group[g.id],
                statuses=count_statuses(by_group[g.id]),
                late_commitments=late.get(g.id, 0),
                can_view=opens[g.id],
            )
            for g in visible
        ],
        statuses=count_statuses(rows),
        late_commitments=sum(late.values()),
    )


# Home-page panels --------------------------------------------------------------


@dataclass(frozen=True)
class GroupLine:
    """A group on a resident's home page, with their membership if any."""

    group: WorkingGroup
    member: GroupMember | None
    objectives: list[tuple[Objective, Assessment]]
    #: They may open the group's pages (not after moving out while a request
    #: waits, say): else the public showcase, if published, or no link.
    can_view: bool = True


@dataclass(frozen=True)
class ToReport:
    """An objective whose data source has a value to report."""

    objective: Objective
    latest: date | None


@dataclass
class Landing:
    """What the home page shows about working groups, by role."""

    today: date
    groups: list[GroupLine] = field(default_factory=list)
    # Partners
    partner_groups: list[WorkingGroup] = field(default_factory=list)
    to_report: list[ToReport] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    commitments_total: int = 0
    # Staff
    watch: list[tuple[Objective, Assessment]] = field(default_factory=list)
    watch_total: int = 0
    late: list[Commitment] = field(default_factory=list)
    late_total: int = 0
    pending: list[GroupMember] = field(default_factory=list)
    pending_total: int = 0


def resident_landing(user: User, homes: Sequence[Residency], now: datetime) -> Landing:
    """A resident's groups — those they belong to or asked to join, and those of
    the places where they live — each with its objectives' statuses."""
    landing = Landing(today=local_date(now))
    paths = [r.dwelling.place.path for r in homes]
    covers = [literal(path).startswith(Place.path) for path in paths]
    mine = select(GroupMember.group_id).where(
        GroupMember.user_id == user.id,
        GroupMember.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]),
    )
    rows = db.session.execute(
        select(WorkingGroup, GroupMember)
        .join(WorkingGroup.place)
        .outerjoin(
            GroupMember,
            and_(
                GroupMember.group_id == WorkingGroup.id,
                GroupMember.user_id == user.id,
            ),
        )
        .where(or_(WorkingGroup.id.in_(mine), *covers))
        .options(db.contains_eager(WorkingGroup.place))
        .order_by(WorkingGroup.title, WorkingGroup.id)
    ).all()
    by_group: dict[int, list[tuple[Objective, Assessment]]] = {
        g.id: [] for g, _ in rows
    }
    for objective, assessment in _assessed(_objectives_of(list(by_group))):
        by_group[objective.group_id].append((objective, assessment))
    landing.groups = [
        GroupLine(g, m, by_group[g.id], permissions.can_view_group(user, g, m))
        for g, m in rows
    ]
    return landing


def partner_landing(user: User, now: datetime) -> Landing:
    """A partner's groups, the indicators their organisation must report next
    (objectives under way — between their baseline and target dates — of groups it
    still takes part in, whose latest value is older than a month, or none), and
    its open commitments by due date."""
    landing = Landing(today=local_date(now))
    org = user.organisation_id
    if org is None:
        return landing
    landing.partner_groups = list(
        db.session.scalars(
            select(WorkingGroup)
            .join(GroupPartner, GroupPartner.group_id == WorkingGroup.id)
            .where(GroupPartner.organisation_id == org)
            .options(db.joinedload(WorkingGroup.place))
            .order_by(WorkingGroup.title, WorkingGroup.id)
        )
    )
    latest = (
        select(func.max(Measurement.measured_on))
        .where(Measurement.objective_id == Objective.id)
        .scalar_subquery()
    )
    since = landing.today - REPORTING_INTERVAL
    rows = db.session.execute(
        select(Objective, latest.label("latest"))
        .where(
            Objective.source_organisation_id == org,
            Objective.group_id.in_(
                select(GroupPartner.group_id).where(GroupPartner.organisation_id == org)
            ),
            Objective.baseline_date <= landing.today,
            Objective.target_date >= landing.today,
            or_(latest.is_(None), latest < since),
        )
        .options(db.joinedload(Objective.group))
        .order_by(latest.is_not(None), latest, Objective.id)
    ).all()
    landing.to_report = [ToReport(o, day) for o, day in rows]
    mine = and_(Commitment.organisation_id == org, Commitment.status.in_(OPEN_STATUSES))
    landing.commitments = list(
        db.session.scalars(
            select(Commitment)
            .where(mine)
            .options(db.joinedload(Commitment.objective).joinedload(Objective.group))
            .order_by(Commitment.due_date, Commitment.id)
            .limit(PANEL_ROWS)
        )
    )
    landing.commitments_total = db.session.scalar(
        select(func.count(Commitment.id)).where(mine)
    )
    return landing


def staff_landing(user: User, now: datetime) -> Landing:
    """What is late in the groups the staff member's landlord runs: objectives
    "en retard" or "à surveiller" (among those whose target date is at most
    :data:`WATCH_AFTER_TARGET` behind, each assessed from its last few
    measurements), commitments past due, membership requests."""
    landing = Landing(today=local_date(now))
    landlord_ids = permissions.managed_landlord_ids(user)

    def scoped(query):
        if landlord_ids is None:
            return query
        return query.where(WorkingGroup.landlord_id.in_(landlord_ids))

    objectives = db.session.scalars(
        scoped(
            select(Objective)
            .join(WorkingGroup, WorkingGroup.id == Objective.group_id)
            .where(Objective.target_date >= landing.today - WATCH_AFTER_TARGET)
            .options(db.contains_eager(Objective.group))
            .order_by(Objective.target_date, Objective.id)
        )
    ).all()
    worrying = [
        row
        for row in _assessed(objectives)
        if row[1].status in (Status.OFF_TRACK, Status.AT_RISK)
    ]
    worrying.sort(key=lambda row: STATUS_ORDER.index(row[1].status))
    landing.watch, landing.watch_total = worrying[:PANEL_ROWS], len(worrying)

    late = scoped(
        select(Commitment)
        .join(Objective, Objective.id == Commitment.objective_id)
        .join(WorkingGroup, WorkingGroup.id == Objective.group_id)
        .where(
            Commitment.status.in_(OPEN_STATUSES),
            Commitment.due_date < landing.today,
        )
    )
    landing.late = list(
        db.session.scalars(
            late.options(
                db.contains_eager(Commitment.objective).contains_eager(Objective.group),
                db.joinedload(Commitment.organisation),
            )
            .order_by(Commitment.due_date, Commitment.id)
            .limit(PANEL_ROWS)
        )
    )
    landing.late_total = db.session.scalar(
        select(func.count()).select_from(late.subquery())
    )

    pending = scoped(
        select(GroupMember)
        .join(WorkingGroup, WorkingGroup.id == GroupMember.group_id)
        .where(GroupMember.status == MembershipStatus.PENDING)
    )
    landing.pending = list(
        db.session.scalars(
            pending.options(
                db.contains_eager(GroupMember.group), db.joinedload(GroupMember.user)
            )
            .order_by(GroupMember.requested_at, GroupMember.id)
            .limit(PANEL_ROWS)
        )
    )
    landing.pending_total = db.session.scalar(
        select(func.count()).select_from(pending.subquery())
    )
    return landing
