"""In-app notifications and what each person chose to receive."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.extensions import db
from participation.models.consultation import Consultation
from participation.models.group import WorkingGroup
from participation.models.proposal import Proposal
from participation.models.types import UTCDateTime, str_enum
from participation.models.user import User


class NotificationKind(StrEnum):
    """What happened; each person can switch each kind off."""

    CONSULTATION_OPENED = "consultation_opened"
    PHASE_CHANGED = "phase_changed"
    PROPOSAL_ANSWERED = "proposal_answered"
    PROPOSAL_MODERATED = "proposal_moderated"
    PROPOSAL_COMMENTED = "proposal_commented"
    GROUP_MEMBERSHIP = "group_membership"
    MEETING_SCHEDULED = "meeting_scheduled"
    MEASUREMENT_REPORTED = "measurement_reported"
    ACTION_REPORTED = "action_reported"
    COMMITMENT_ADDED = "commitment_added"
    COMMITMENT_DUE = "commitment_due"


class Notification(db.Model):
    """Something a person should know; the text is written when shown, in their
    language, from ``kind`` and ``details``."""

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey(Consultation.id, ondelete="CASCADE")
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey(Proposal.id, ondelete="CASCADE")
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey(WorkingGroup.id, ondelete="CASCADE")
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consultation: Mapped[Consultation | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    group: Mapped[WorkingGroup | None] = relationship()


class NotificationOptOut(db.Model):
    """A kind of notification this person does not want (all are on by default)."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(
        str_enum(NotificationKind), primary_key=True
    )
