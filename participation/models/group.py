"""Working groups: residents, the landlord's staff and partners acting together.

A group works for a place, possibly born from a consultation's selected proposals.
People belong to it by party (resident, partner representative, staff); partner
organisations belong to it as such, and their members represent them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.extensions import db
from participation.models.consultation import Consultation
from participation.models.organisation import Organisation
from participation.models.place import Place
from participation.models.proposal import Proposal
from participation.models.state import InvalidTransition
from participation.models.types import UTCDateTime, str_enum
from participation.models.user import User
from participation.timeutil import utcnow

#: The selected proposals a group was born from (shown on its page).
group_proposal = Table(
    "group_proposal",
    db.metadata,
    Column(
        "group_id",
        ForeignKey("working_group.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "proposal_id", ForeignKey(Proposal.id, ondelete="CASCADE"), primary_key=True
    ),
)


class WorkingGroup(db.Model):
    """A "groupe de travail" for a place, with its charter.

    ``open_to_residents``: eligible residents join at once; otherwise they ask and a
    facilitator (or the staff) accepts. ``published_at`` puts the initiative on the
    public showcase, with ``showcase_summary`` (no personal data there).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey(Place.id), index=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey(Consultation.id, ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(160))
    purpose: Mapped[str] = mapped_column(Text, default="")
    purpose_html: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(Text, default="")
    method_html: Mapped[str] = mapped_column(Text, default="")
    rhythm: Mapped[str] = mapped_column(String(200), default="")
    open_to_residents: Mapped[bool] = mapped_column(Boolean, default=False)

    showcase_summary: Mapped[str] = mapped_column(Text, default="")
    showcase_summary_html: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    landlord: Mapped[Organisation] = relationship()
    place: Mapped[Place] = relationship()
    consultation: Mapped[Consultation | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    proposals: Mapped[list[Proposal]] = relationship(
        secondary=group_proposal, order_by=Proposal.id
    )
    partners: Mapped[list[GroupPartner]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        order_by="GroupPartner.joined_at",
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.id} {self.title!r}>"


class Party(StrEnum):
    """On whose behalf a member takes part."""

    RESIDENT = "resident"
    PARTNER = "partner"
    STAFF = "staff"


class MembershipStatus(StrEnum):
    """A resident's request to join, then their membership."""

    PENDING = "pending"
    ACTIVE = "active"
    REFUSED = "refused"
    LEFT = "left"


class GroupMember(db.Model):
    """A person in a group: a resident, a partner's representative or a staff member.

    ``facilitator``: runs the group (accepts members, records meetings).
    """

    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey(WorkingGroup.id, ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), index=True
    )
    party: Mapped[Party] = mapped_column(str_enum(Party))
    #: The organisation a partner represents (a partner member's organisation).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey(Organisation.id))
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus), default=MembershipStatus.PENDING
    )
    facilitator: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(String(300), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )

    group: Mapped[WorkingGroup] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_active(self) -> bool:
        return self.status is MembershipStatus.ACTIVE

    def decide(self, accept: bool, by: User, now: datetime) -> None:
        """Accept or refuse a pending request, once.

        :raises InvalidTransition: the request was already decided.
        """
        if self.status is not MembershipStatus.PENDING:
            raise InvalidTransition(_l("Cette demande a déjà été traitée."))
        self.status = MembershipStatus.ACTIVE if accept else MembershipStatus.REFUSED
        self.decided_at, self.decided_by = now, by


class GroupPartner(db.Model):
    """A partner organisation taking part in a group (its members represent it)."""

    group_id: Mapped[int] = mapped_column(
        ForeignKey(WorkingGroup.id, ondelete="CASCADE"), primary_key=True
    )
    #: Indexed on its own: "the groups my organisation takes part in".
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey(Organisation.id), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(200), default="")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkingGroup] = relationship(back_populates="partners")
    organisation: Mapped[Organisation] = relationship()


class Meeting(db.Model):
    """A meeting of the group: agenda before, minutes and decisions after."""

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey(WorkingGroup.id, ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    agenda_html: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_html: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    decisions_html: Mapped[str] = mapped_column(Text, default="")
    attendance: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkingGroup] = relationship()
    created_by: Mapped[User | None] = relationship()
    hand_votes: Mapped[list[HandVote]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="HandVote.id",
    )


class HandVote(db.Model):
    """A show-of-hands vote taken in a meeting: counts only, and who entered them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey(Meeting.id, ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(String(300))
    votes_for: Mapped[int] = mapped_column(Integer, default=0)
    votes_against: Mapped[int] = mapped_column(Integer, default=0)
    abstentions: Mapped[int] = mapped_column(Integer, default=0)
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="hand_votes")
    entered_by: Mapped[User | None] = relationship()

    @property
    def total(self) -> int:
        return self.votes_for + self.votes_against + self.abstentions

    @property
    def adopted(self) -> bool:
        """More for than against (abstentions do not count)."""
        return self.votes_for > self.votes_against
