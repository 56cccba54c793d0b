"""Ballots: one per voter unit and consultation, whatever the channel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.extensions import db
from participation.models.consultation import Consultation
from participation.models.place import Dwelling
from participation.models.proposal import Proposal
from participation.models.types import UTCDateTime, str_enum
from participation.models.user import User


class Channel(StrEnum):
    """How a ballot reached us."""

    ONLINE = "online"
    PAPER = "paper"
    MEETING = "meeting"


class Ballot(db.Model):
    """A voter unit's ballot in a consultation.

    ``voter_key`` names the unit ("person:12" or "dwelling:345"); the unique
    constraint on (consultation, voter_key) is what guarantees one ballot per unit,
    even when two submissions race. The ballot is secret: only its own voter is
    shown its choices; pages and exports show counts, never who chose what.
    """

    __table_args__ = (
        UniqueConstraint("consultation_id", "voter_key"),
        Index("ix_ballot_consultation_channel", "consultation_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey(Consultation.id, ondelete="CASCADE")
    )
    voter_key: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL"), index=True
    )
    dwelling_id: Mapped[int | None] = mapped_column(
        ForeignKey(Dwelling.id, ondelete="SET NULL")
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    #: Staff who typed in a paper or meeting ballot.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    consultation: Mapped[Consultation] = relationship()
    choices: Mapped[list[BallotChoice]] = relationship(
        cascade="all, delete-orphan", order_by="BallotChoice.proposal_id"
    )


class BallotChoice(db.Model):
    """One proposal on a ballot: chosen (``grade`` None) or graded 0–6."""

    # The recount reads (proposal, grade) from this index alone.
    __table_args__ = (Index("ix_ballot_choice_proposal_grade", "proposal_id", "grade"),)

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey(Ballot.id, ondelete="CASCADE"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey(Proposal.id, ondelete="CASCADE"), primary_key=True
    )
    grade: Mapped[int | None] = mapped_column(SmallInteger)
