"""Objectives with a measured indicator, each party's commitments and actions.

Progress and status are never stored: ``services.indicators`` computes them from
the baseline, the target and the measurements (DESIGN §4).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.extensions import db
from participation.models.group import WorkingGroup
from participation.models.organisation import Organisation
from participation.models.types import UTCDateTime, str_enum
from participation.models.user import User
from participation.services.indicators import Direction, Plan
from participation.timeutil import utcnow


class Objective(db.Model):
    """A shared objective of a group, e.g. fewer bulky-waste reports a month.

    ``source_organisation``: the partner that reports the measurements (staff of
    the landlord may always report too).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey(WorkingGroup.id, ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    indicator: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(60))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    baseline_value: Mapped[float] = mapped_column(Float)
    baseline_date: Mapped[date] = mapped_column(Date)
    target_value: Mapped[float] = mapped_column(Float)
    target_date: Mapped[date] = mapped_column(Date)
    source_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey(Organisation.id), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moved, last in the transaction, by every change to the objective, its
    #: milestones, measurements, commitments and actions, or its organisations'
    #: names (see ``participation.revisions``): the key of its cached fragments.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    group: Mapped[WorkingGroup] = relationship()
    source_organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="objective",
        cascade="all, delete-orphan",
        order_by="Milestone.due_date",
    )

    @property
    def plan(self) -> Plan:
        return Plan(
            direction=self.direction,
            baseline=self.baseline_value,
            baseline_date=self.baseline_date,
            target=self.target_value,
            target_date=self.target_date,
        )

    def __repr__(self) -> str:
        return f"<Objective {self.id} {self.title!r}>"


class Milestone(db.Model):
    """An intermediate value to reach by a date (drawn on the chart)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey(Objective.id, ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(160), default="")

    objective: Mapped[Objective] = relationship(back_populates="milestones")


class Period(StrEnum):
    """A measurement is for a day, or for a whole month (dated its last day)."""

    DAY = "day"
    MONTH = "month"


class Measurement(db.Model):
    """One value of the indicator, for a date or a month; corrections keep history
    in ``MeasurementRevision``."""

    __table_args__ = (UniqueConstraint("objective_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey(Objective.id, ondelete="CASCADE")
    )
    measured_on: Mapped[date] = mapped_column(Date)
    period: Mapped[Period] = mapped_column(str_enum(Period), default=Period.DAY)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(300), default="")
    #: The organisation the value comes from (the reporter's, at the time).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey(Organisation.id))
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    objective: Mapped[Objective] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    reported_by: Mapped[User | None] = relationship()
    revisions: Mapped[list[MeasurementRevision]] = relationship(
        back_populates="measurement",
        cascade="all, delete-orphan",
        order_by="MeasurementRevision.changed_at",
    )


class MeasurementRevision(db.Model):
    """What a measurement was before a correction, who changed it and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    measurement_id: Mapped[int] = mapped_column(
        ForeignKey(Measurement.id, ondelete="CASCADE"), index=True
    )
    previous_value: Mapped[float] = mapped_column(Float)
    previous_note: Mapped[str] = mapped_column(String(300), default="")
    new_value: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(300), default="")
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    measurement: Mapped[Measurement] = relationship(back_populates="revisions")
    changed_by: Mapped[User | None] = relationship()


class CommitmentParty(StrEnum):
    """Who commits: an organisation (the landlord or a partner), or the residents."""

    ORGANISATION = "organisation"
    RESIDENTS = "residents"


class CommitmentStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    KEPT = "kept"
    NOT_KEPT = "not_kept"

    @property
    def is_open(self) -> bool:
        return self in (CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)


class Commitment(db.Model):
    """What one party promises towards an objective ("engagement respectif")."""

    __table_args__ = (Index("ix_commitment_objective_due", "objective_id", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey(Objective.id, ondelete="CASCADE")
    )
    party: Mapped[CommitmentParty] = mapped_column(str_enum(CommitmentParty))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey(Organisation.id), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    details_html: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[CommitmentStatus] = mapped_column(
        str_enum(CommitmentStatus), default=CommitmentStatus.PLANNED
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once the "falling due" reminder went out (see services.notifications).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    objective: Mapped[Objective] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def is_late(self, today: date) -> bool:
        """Past its due date and still open."""
        return self.status.is_open and self.due_date < today


class Action(db.Model):
    """What a party reports having done for one of its commitments."""

    __table_args__ = (
        Index("ix_action_commitment_done", "commitment_id", "done_on"),
        # The objective's timeline: its latest actions without sorting them all.
        Index("ix_action_objective_done", "objective_id", "done_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey(Commitment.id, ondelete="CASCADE")
    )
    #: Denormalised from the commitment, for the objective's timeline.
    objective_id: Mapped[int] = mapped_column(
        ForeignKey(Objective.id, ondelete="CASCADE")
    )
    done_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    description_html: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey(Organisation.id))
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    commitment: Mapped[Commitment] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    reported_by: Mapped[User | None] = relationship()
