"""Consultations: dated phases, voting rules and the published outcome."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.extensions import db
from participation.models.organisation import Organisation
from participation.models.place import Place
from participation.models.state import InvalidTransition
from participation.models.types import UTCDateTime, str_enum
from participation.models.user import User
from participation.timeutil import utcnow


class Phase(StrEnum):
    """Where a consultation stands; always computed from its dates."""

    DRAFT = "draft"
    IDEAS = "ideas"
    VOTING = "voting"
    RESULTS = "results"
    FOLLOW_UP = "follow_up"


class Theme(StrEnum):
    """What a consultation is about (used to filter the list)."""

    WASTE = "waste"
    GREEN_SPACES = "green_spaces"
    SAFETY = "safety"
    WORKS = "works"
    SOCIAL_LIFE = "social_life"
    OTHER = "other"


class VotingMethod(StrEnum):
    """How a ballot is filled in and counted."""

    APPROVAL = "approval"
    SINGLE = "single"
    MAJORITY_JUDGMENT = "majority_judgment"
    BUDGET = "budget"


class VoterUnit(StrEnum):
    """One vote per person, or one per household (dwelling)."""

    PERSON = "person"
    DWELLING = "dwelling"


#: The date that starts each phase after the draft, in order.
BOUNDARIES = {
    Phase.IDEAS: "opens_at",
    Phase.VOTING: "voting_opens_at",
    Phase.RESULTS: "voting_closes_at",
    Phase.FOLLOW_UP: "follow_up_at",
}
PHASES = list(Phase)


class Consultation(db.Model):
    """A question put to the residents of a place, from ideas to follow-up.

    Phases are never stored: ``phase(now)`` reads them off four ordered dates.
    Closing a phase early or extending it moves those dates (and only forward
    in time), so the history of what happened stays true.
    """

    __table_args__ = (
        Index("ix_consultation_landlord_opens", "landlord_id", "opens_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id))
    place_id: Mapped[int] = mapped_column(ForeignKey(Place.id), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[Theme] = mapped_column(str_enum(Theme), default=Theme.OTHER)

    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    follow_up_at: Mapped[datetime] = mapped_column(UTCDateTime)

    method: Mapped[VotingMethod] = mapped_column(
        str_enum(VotingMethod), default=VotingMethod.APPROVAL
    )
    max_choices: Mapped[int] = mapped_column(Integer, default=3)
    budget: Mapped[int | None] = mapped_column(Integer)
    voter_unit: Mapped[VoterUnit] = mapped_column(
        str_enum(VoterUnit), default=VoterUnit.DWELLING
    )
    quorum_percent: Mapped[int | None] = mapped_column(Integer)
    live_results: Mapped[bool] = mapped_column(Boolean, default=False)

    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_html: Mapped[str] = mapped_column(Text, default="")
    outcome_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last phase residents were told about (see services.notifications).
    announced_phase: Mapped[Phase] = mapped_column(str_enum(Phase), default=Phase.DRAFT)
    #: Ballots per channel, moved in the same transaction as each ballot by an
    #: atomic ``UPDATE … SET n = n + 1`` (see services.voting); the results read
    #: them instead of counting ballots. ``voting.full_recount`` checks them.
    ballots_online: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ballots_paper: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ballots_meeting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The voter units that could vote, counted once voting has closed (the
    #: electoral roll of the results); ``None`` until then.
    eligible_at_close: Mapped[int | None] = mapped_column(Integer)
    #: Moved (atomically, last in the transaction) by every change to what the
    #: proposal list or the count shows: the consultation, its proposals, their
    #: comments, ballots, authors' names, places' names (see ``revisions``).
    #: Cached fragments are keyed by it, so a change is never served stale.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    place: Mapped[Place] = relationship()
    landlord: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    def phase(self, now: datetime) -> Phase:
        """The phase at ``now``."""
        current = Phase.DRAFT
        for phase, attribute in BOUNDARIES.items():
            if now >= getattr(self, attribute):
                current = phase
        return current

    def starts(self, phase: Phase) -> datetime | None:
        """When ``phase`` starts (``None`` for the draft)."""
        attribute = BOUNDARIES.get(phase)
        return getattr(self, attribute) if attribute else None

    def ends(self, phase: Phase) -> datetime | None:
        """When ``phase`` ends (``None`` for the follow-up, which never does)."""
        index = PHASES.index(phase)
        return self.starts(PHASES[index + 1]) if index + 1 < len(PHASES) else None

    def timeline(self) -> list[tuple[Phase, datetime | None, datetime | None]]:
        """Every phase after the draft with its start and end."""
        return [(phase, self.starts(phase), self.ends(phase)) for phase in PHASES[1:]]

    def is_visible_to_residents(self, now: datetime) -> bool:
        return self.phase(now) is not Phase.DRAFT

    def voting_has_started(self, now: datetime) -> bool:
        return now >= self.voting_opens_at

    def voting_has_closed(self, now: datetime) -> bool:
        return now >= self.voting_closes_at

    def results_visible(self, now: datetime) -> bool:
        """Results show once voting closes, or while it runs if set to live."""
        phase = self.phase(now)
        if phase in (Phase.RESULTS, Phase.FOLLOW_UP):
            return True
        return phase is Phase.VOTING and self.live_results

    def close_phase(self, now: datetime) -> Phase:
        """End the current phase now; the next one starts. Returns the new phase.

        :raises InvalidTransition: the follow-up never ends.
        """
        phase = self.phase(now)
        end = self.ends(phase)
        if end is None:
            raise InvalidTransition(_l("Le suivi n'a pas de date de fin."))
        setattr(self, BOUNDARIES[PHASES[PHASES.index(phase) + 1]], now)
        return self.phase(now)

    def extend_phase(self, now: datetime, until: datetime) -> None:
        """Move the end of the current phase to ``until``; later dates move by the
        same amount, so each later phase keeps its length.

        :raises InvalidTransition: the follow-up never ends, or ``until`` is not
            later than the current end.
        """
        phase = self.phase(now)
        end = self.ends(phase)
        if end is None:
            raise InvalidTransition(_l("Le suivi n'a pas de date de fin."))
        if until <= end:
            raise InvalidTransition(
                _l("La nouvelle date doit être après la fin actuelle de l'étape.")
            )
        shift = until - end
        for later in PHASES[PHASES.index(phase) + 1 :]:
            attribute = BOUNDARIES[later]
            setattr(self, attribute, getattr(self, attribute) + shift)

    def publish_outcome(self, now: datetime, outcome: str, outcome_html: str) -> None:
        """Say what was decided and what happens next (again, to correct it).

        :raises InvalidTransition: voting has not closed yet.
        """
        if self.phase(now) not in (Phase.RESULTS, Phase.FOLLOW_UP):
            raise InvalidTransition(
                _l("Le résultat se publie une fois le vote terminé.")
            )
        self.outcome, self.outcome_html = outcome, outcome_html
        self.outcome_published_at = now

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.title!r}>"
