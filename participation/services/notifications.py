"""In-app notifications: who hears of what, unread counts, preferences.

Phases follow the calendar, so nothing happens at the instant a phase starts;
``announce_phase_changes`` (the ``flask notify-phases`` command, run by cron every
few minutes in production) tells residents, and staff actions announce at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update

from participation.extensions import db
from participation.models import (
    Comment,
    Consultation,
    Dwelling,
    GroupMember,
    MembershipStatus,
    Notification,
    NotificationKind,
    NotificationOptOut,
    Phase,
    Proposal,
    Residency,
    Role,
    User,
    WorkingGroup,
    descendants_of,
)
from participation.models.place import Place


def _wanted(kind: NotificationKind):
    """SQL condition on ``User.id``: this person has not switched ``kind`` off."""
    return (
        ~select(NotificationOptOut.user_id)
        .where(NotificationOptOut.user_id == User.id, NotificationOptOut.kind == kind)
        .exists()
    )


def notify(
    user_ids: Iterable[int | None],
    kind: NotificationKind,
    now: datetime,
    *,
    consultation: Consultation | None = None,
    proposal: Proposal | None = None,
    group: WorkingGroup | None = None,
    **details: Any,
) -> None:
    """Add a notification for each user who wants this kind (caller commits)."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return
    wanted = db.session.scalars(
        select(User.id).where(User.id.in_(ids), User.active.is_(True), _wanted(kind))
    ).all()
    db.session.add_all(
        Notification(
            user_id=user_id,
            kind=kind,
            consultation_id=consultation.id if consultation else None,
            proposal_id=proposal.id if proposal else None,
            group_id=group.id if group else None,
            details=details,
            created_at=now,
        )
        for user_id in wanted
    )


def notify_group(
    group: WorkingGroup,
    kind: NotificationKind,
    now: datetime,
    *,
    exclude: User | None = None,
    **details: Any,
) -> None:
    """Tell every active member of ``group`` (but ``exclude``, who did it); the
    caller commits. ``details`` must be JSON-ready."""
    members = db.session.scalars(
        select(GroupMember.user_id).where(
            GroupMember.group_id == group.id,
            GroupMember.status == MembershipStatus.ACTIVE,
        )
    ).all()
    skip = exclude.id if exclude is not None else None
    notify(
        (user_id for user_id in members if user_id != skip),
        kind,
        now,
        group=group,
        **details,
    )


def announce_phase(consultation: Consultation, now: datetime) -> bool:
    """Tell the residents of the consultation's place that it opened or changed
    phase, once per phase; returns whether anything was announced (and commits)."""
    phase = consultation.phase(now)
    if phase is consultation.announced_phase or phase is Phase.DRAFT:
        return False
    previous = consultation.announced_phase
    kind = (
        NotificationKind.CONSULTATION_OPENED
        if previous is Phase.DRAFT
        else NotificationKind.PHASE_CHANGED
    )
    # Claim the announcement first: of two runs racing (cron and a staff action),
    # only the one whose UPDATE finds the old phase goes on.
    claimed = db.session.execute(
        update(Consultation)
        .where(
            Consultation.id == consultation.id,
            Consultation.announced_phase == previous,
        )
        .values(announced_phase=phase)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return False
    homes = (
        select(Residency.user_id)
        .join(Dwelling, Dwelling.id == Residency.dwelling_id)
        .join(Place, Place.id == Dwelling.place_id)
        .where(Residency.ended_at.is_(None), descendants_of(consultation.place))
    )
    # One row per person (not per home) without DISTINCT, which PostgreSQL
    # cannot apply to a JSON column.
    residents = select(
        User.id,
        literal(kind.value),
        literal(consultation.id),
        literal(now, type_=Notification.created_at.type),
        literal({"phase": phase.value}, type_=Notification.details.type),
    ).where(
        User.id.in_(homes),
        User.active.is_(True),
        User.role == Role.RESIDENT,
        _wanted(kind),
    )
    db.session.execute(
        insert(Notification).from_select(
            ["user_id", "kind", "consultation_id", "created_at", "details"], residents
        )
    )
    db.session.commit()
    return True


def announce_phase_changes(now: datetime) -> int:
    """Announce every consultation whose phase moved since it was last announced;
    returns how many were announced."""
    pending = db.session.scalars(
        select(Consultation)
        .where(
            Consultation.opens_at <= now,
            Consultation.announced_phase != Phase.FOLLOW_UP,
        )
        .order_by(Consultation.id)
    ).all()
    return sum(announce_phase(consultation, now) for consultation in pending)


def proposals_answered(proposals: Iterable[Proposal], now: datetime) -> None:
    """Tell each author their proposal has an official answer (caller commits)."""
    for proposal in proposals:
        notify(
            [proposal.author_id],
            NotificationKind.PROPOSAL_ANSWERED,
            now,
            consultation=proposal.consultation,
            proposal=proposal,
            status=proposal.status.value,
        )


def proposal_moderated(proposal: Proposal, now: datetime) -> None:
    """Tell the author their proposal was hidden or merged (caller commits)."""
    notify(
        [proposal.author_id],
        NotificationKind.PROPOSAL_MODERATED,
        now,
        consultation=proposal.consultation,
        proposal=proposal,
        status=proposal.status.value,
    )


def comment_hidden(comment: Comment, now: datetime) -> None:
    """Tell the author their comment was hidden by moderation (caller commits)."""
    notify(
        [comment.author_id],
        NotificationKind.PROPOSAL_MODERATED,
        now,
        consultation=comment.proposal.consultation,
        proposal=comment.proposal,
        comment_id=comment.id,
    )


def comment_posted(comment: Comment, now: datetime) -> None:
    """Tell the proposal's author, and the author of the comment replied to, that
    someone answered (never oneself; caller commits)."""
    recipients = {comment.proposal.author_id}
    if comment.parent is not None:
        recipients.add(comment.parent.author_id)
    recipients.discard(comment.author_id)
    notify(
        recipients,
        NotificationKind.PROPOSAL_COMMENTED,
        now,
        consultation=comment.proposal.consultation,
        proposal=comment.proposal,
        comment_id=comment.id,
    )


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (one COUNT)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_query(user: User):
    """The user's notifications, newest first, with what they point to."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(
            db.joinedload(Notification.consultation),
            db.joinedload(Notification.proposal),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(user: User, now: datetime, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read; returns how
    many changed. Someone else's notification is never touched."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    count = db.session.execute(statement).rowcount
    db.session.commit()
    return count


def disabled_kinds(user: User) -> set[NotificationKind]:
    """The kinds the user switched off."""
    return set(
        db.session.scalars(
            select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user.id)
        )
    )


def set_preferences(user: User, wanted: Iterable[NotificationKind]) -> None:
    """Keep only the kinds in ``wanted`` switched on."""
    keep = set(wanted)
    db.session.execute(
        NotificationOptOut.__table__.delete().where(
            NotificationOptOut.user_id == user.id
        )
    )
    db.session.add_all(
        NotificationOptOut(user_id=user.id, kind=kind)
        for kind in NotificationKind
        if kind not in keep
    )
    db.session.commit()
