"""Residents' proposals, their comments and abuse reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.extensions import db
from participation.models.consultation import Consultation
from participation.models.place import Place
from participation.models.state import InvalidTransition
from participation.models.types import UTCDateTime, str_enum
from participation.models.user import User
from participation.timeutil import utcnow

#: Majority-judgment grades, best first ("Excellent" is 0, "À rejeter" is 6).
GRADE_COUNT = 7
#: A grade at or above this one counts as support ("Assez bien" or better).
SUPPORTING_GRADE = 3


class ProposalStatus(StrEnum):
    """Where a proposal stands, from publication to the official answer."""

    PUBLISHED = "published"
    HIDDEN = "hidden"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"
    UNDER_STUDY = "under_study"
    SELECTED = "selected"
    NOT_RETAINED = "not_retained"
    DONE = "done"

    @property
    def is_listed(self) -> bool:
        """Shown in lists and counted (hidden, duplicate, withdrawn are not)."""
        return self not in (
            ProposalStatus.HIDDEN,
            ProposalStatus.DUPLICATE,
            ProposalStatus.WITHDRAWN,
        )


LISTED_STATUSES = [s for s in ProposalStatus if s.is_listed]
#: What a ballot may choose: listed, and not already turned down.
VOTABLE_STATUSES = [
    ProposalStatus.PUBLISHED,
    ProposalStatus.UNDER_STUDY,
    ProposalStatus.SELECTED,
]
#: The statuses staff give as the official answer.
ANSWER_STATUSES = [
    ProposalStatus.UNDER_STUDY,
    ProposalStatus.SELECTED,
    ProposalStatus.NOT_RETAINED,
    ProposalStatus.DONE,
]


class Proposal(db.Model):
    """An idea put forward in a consultation.

    ``support_count`` and ``grade_0`` … ``grade_6`` are the running tallies of the
    ballots, updated in the same transaction as each ballot (see
    ``services.voting``) so that lists and results never count rows.
    """

    __table_args__ = (
        Index("ix_proposal_consultation_support", "consultation_id", "support_count"),
        Index("ix_proposal_consultation_created", "consultation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey(Consultation.id, ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL"), index=True
    )
    #: Staff who typed in an idea collected in person (None: written online).
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    #: The name given by the person met ("" with ``entered_by``: anonymous).
    on_behalf_of: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    estimated_cost: Mapped[int | None] = mapped_column(Integer)
    place_id: Mapped[int | None] = mapped_column(ForeignKey(Place.id))
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus), default=ProposalStatus.PUBLISHED
    )
    moderation_reason: Mapped[str] = mapped_column(String(500), default="")
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="SET NULL")
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_html: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    grade_0: Mapped[int] = mapped_column(Integer, default=0)
    grade_1: Mapped[int] = mapped_column(Integer, default=0)
    grade_2: Mapped[int] = mapped_column(Integer, default=0)
    grade_3: Mapped[int] = mapped_column(Integer, default=0)
    grade_4: Mapped[int] = mapped_column(Integer, default=0)
    grade_5: Mapped[int] = mapped_column(Integer, default=0)
    grade_6: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    place: Mapped[Place | None] = relationship()
    duplicate_of: Mapped[Proposal | None] = relationship(remote_side=[id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    moderated_by: Mapped[User | None] = relationship(foreign_keys=[moderated_by_id])

    @property
    def grade_counts(self) -> list[int]:
        """How many ballots gave each grade, best first."""
        return [getattr(self, f"grade_{g}") for g in range(GRADE_COUNT)]

    @property
    def collected_in_person(self) -> bool:
        return self.entered_by_id is not None

    @property
    def is_listed(self) -> bool:
        return self.status.is_listed

    @property
    def is_votable(self) -> bool:
        return self.status in VOTABLE_STATUSES

    def _require_listed(self) -> None:
        if not self.is_listed:
            raise InvalidTransition(_l("Cette proposition n'est plus publiée."))

    def withdraw(self, now: datetime) -> None:
        """The author takes the proposal back.

        :raises InvalidTransition: it is not published any more.
        """
        if self.status is not ProposalStatus.PUBLISHED:
            raise InvalidTransition(_l("Cette proposition ne peut plus être retirée."))
        self.status, self.updated_at = ProposalStatus.WITHDRAWN, now

    def hide(self, by: User, reason: str, now: datetime) -> None:
        """Moderation: take it out of lists and counts, with a reason.

        :raises InvalidTransition: it is already hidden, merged or withdrawn.
        """
        self._require_listed()
        self.status, self.moderation_reason = ProposalStatus.HIDDEN, reason
        self.moderated_by, self.moderated_at = by, now

    def mark_duplicate(self, of: Proposal, by: User, now: datetime) -> None:
        """Moderation: this idea is the same as ``of``, which carries on alone.

        :raises InvalidTransition: not listed, or ``of`` is not a listed proposal
            of the same consultation.
        """
        self._require_listed()
        if (
            of.id == self.id
            or of.consultation_id != self.consultation_id
            or not of.is_listed
        ):
            raise InvalidTransition(
                _l("Choisissez une autre proposition publiée de la consultation.")
            )
        self.status, self.duplicate_of = ProposalStatus.DUPLICATE, of
        self.moderated_by, self.moderated_at = by, now

    def give_answer(
        self,
        status: ProposalStatus,
        answer: str,
        answer_html: str,
        by: User,
        now: datetime,
    ) -> None:
        """The landlord's official answer and status.

        :raises InvalidTransition: the proposal is hidden, merged or withdrawn.
        """
        self._require_listed()
        if status not in ANSWER_STATUSES:
            raise ValueError(f"{status} is not an answer")
        self.status, self.answer, self.answer_html = status, answer, answer_html
        self.answered_by, self.answered_at = by, now

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.title!r}>"


class Comment(db.Model):
    """A comment on a proposal, or a reply to one (one level deep)."""

    __table_args__ = (
        Index("ix_comment_proposal_created", "proposal_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey(Proposal.id, ondelete="CASCADE")
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )

    proposal: Mapped[Proposal] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def hide(self, by: User, reason: str, now: datetime) -> None:
        """Moderation: remove from the page, keep for the audit trail.

        :raises InvalidTransition: already hidden.
        """
        if self.is_hidden:
            raise InvalidTransition(_l("Ce commentaire est déjà masqué."))
        self.hidden_at, self.hidden_reason, self.hidden_by_id = now, reason, by.id


class Report(db.Model):
    """Someone flags a proposal or a comment as abusive; staff handle it.

    ``target`` ("proposal:12", "comment:5") makes a second report of the same thing
    by the same person bounce off a unique constraint.
    """

    __table_args__ = (UniqueConstraint("reporter_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    target: Mapped[str] = mapped_column(String(40))
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey(Proposal.id, ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey(Comment.id, ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    proposal: Mapped[Proposal] = relationship()
    comment: Mapped[Comment | None] = relationship()
