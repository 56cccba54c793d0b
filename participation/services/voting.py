"""Ballots and results: one ballot per voter unit, running tallies, recounts.

How a ballot is stored without ever checking then inserting: an
``INSERT … ON CONFLICT DO NOTHING`` on the (consultation, voter_key) unique
constraint either creates the ballot or does nothing; in the second case the
existing ballot is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has a
single writer) and replaced. Two submissions racing each other therefore leave one
ballot. The tallies on the proposals move by the difference between the old and
new choices in the same transaction, so the stored totals always equal a recount.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    BigInteger,
    bindparam,
    cast,
    delete,
    func,
    insert,
    inspect,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from participation import permissions, revisions
from participation.extensions import db
from participation.models import (
    Ballot,
    BallotChoice,
    Channel,
    Consultation,
    Dwelling,
    Proposal,
    ProposalStatus,
    Residency,
    User,
    VoterUnit,
    VotingMethod,
    descendants_of,
)
from participation.models.proposal import (
    GRADE_COUNT,
    LISTED_STATUSES,
    SUPPORTING_GRADE,
    VOTABLE_STATUSES,
)
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    audit,
    consultations,
    require,
    tally,
)
from participation.timeutil import utcnow

Choices = dict[int, int | None]  # proposal id -> grade (None: chosen)


# Casting


def _votable(consultation: Consultation, *columns):
    query = (
        select(*columns)
        .where(
            Proposal.consultation_id == consultation.id,
            Proposal.status.in_(VOTABLE_STATUSES),
        )
        .order_by(Proposal.created_at, Proposal.id)
    )
    if consultation.method is VotingMethod.BUDGET:
        query = query.where(Proposal.estimated_cost.is_not(None))
    return query


def votable_proposals(consultation: Consultation) -> list[Proposal]:
    """What a ballot may choose from, in a stable order (oldest first). With a
    budget, only proposals with a cost."""
    return list(db.session.scalars(_votable(consultation, Proposal)))


def _choosable(consultation: Consultation) -> list[Any]:
    """The votable proposals as :func:`check_choices` reads them: ``id`` and
    ``estimated_cost`` only (a vote loads no titles or texts)."""
    return list(
        db.session.execute(_votable(consultation, Proposal.id, Proposal.estimated_cost))
    )


def check_choices(
    consultation: Consultation, proposals: list[Proposal], raw: Any
) -> Choices:
    """Turn what the voter sent into choices the method allows.

    ``raw`` is a list of proposal ids (approval, single choice, budget) or a
    mapping of proposal id to grade (majority judgment; a proposal left ungraded
    gets "À rejeter", as the ballot says).

    :raises ValidationError: in French, what is wrong with the ballot.
    """
    by_id = {p.id: p for p in proposals}
    method = consultation.method
    if method is VotingMethod.MAJORITY_JUDGMENT:
        grades = dict(raw or {})
        if not grades or any(
            pid not in by_id or grade not in range(GRADE_COUNT)
            for pid, grade in grades.items()
        ):
            raise ValidationError(
                {"choices": _("Donnez une mention à au moins une proposition.")}
            )
        return {pid: grades.get(pid, GRADE_COUNT - 1) for pid in by_id}
    chosen = list(dict.fromkeys(raw or []))
    if not chosen:
        raise ValidationError({"choices": _("Choisissez au moins une proposition.")})
    if any(pid not in by_id for pid in chosen):
        raise ValidationError(
            {
                "choices": _(
                    "Ce choix ne fait pas partie des propositions soumises au vote."
                )
            }
        )
    if method is VotingMethod.SINGLE and len(chosen) != 1:
        raise ValidationError({"choices": _("Choisissez une seule proposition.")})
    if method is VotingMethod.APPROVAL and len(chosen) > consultation.max_choices:
        raise ValidationError(
            {
                "choices": _(
                    "Vous pouvez choisir %(max)d propositions au plus.",
                    max=consultation.max_choices,
                )
            }
        )
    if method is VotingMethod.BUDGET:
        total = sum(by_id[pid].estimated_cost or 0 for pid in chosen)
        if total > (consultation.budget or 0):
            raise ValidationError(
                {
                    "choices": _(
                        "Votre sélection coûte %(total)s € : elle dépasse le budget "
                        "de %(budget)s €.",
                        total=f"{total:,}".replace(",", " "),
                        budget=f"{consultation.budget:,}".replace(",", " "),
                    )
                }
            )
    return dict.fromkeys(chosen)


def voter_home(user: User, consultation: Consultation) -> Dwelling | None:
    """The user's current dwelling inside the consultation's place (the first).

    Read from the account's residencies when they are loaded already (the
    signed-in voter's are, with their dwellings and places: no query)."""
    if "residencies" not in inspect(user).unloaded:
        homes = [
            r
            for r in user.current_residencies
            if r.dwelling.place.is_within(consultation.place)
        ]
        return min(homes, key=lambda r: r.id).dwelling if homes else None
    return db.session.scalar(
        select(Dwelling)
        .join(Residency, Residency.dwelling_id == Dwelling.id)
        .join(Dwelling.place)
        .where(
            Residency.user_id == user.id,
            Residency.ended_at.is_(None),
            descendants_of(consultation.place),
        )
        .order_by(Residency.id)
        .limit(1)
    )


def voter_key(
    consultation: Consultation, user: User | None, dwelling: Dwelling | None
) -> str:
    if consultation.voter_unit is VoterUnit.DWELLING:
        assert dwelling is not None
        return f"dwelling:{dwelling.id}"
    assert user is not None
    return f"person:{user.id}"


def cast_ballot(
    voter: User, consultation: Consultation, raw: Any, now: datetime
) -> int:
    """Cast, or change, the voter's own ballot online; returns the ballot's id
    (nothing is read back once it is stored: a vote burst is mostly this).

    :raises PermissionDenied: not eligible, or voting is not open.
    :raises ValidationError: the choices break the method's rules.
    :raises InvalidTransition: a paper or meeting ballot was already entered for
        this voter unit, or another member of the household voted.
    """
    require(permissions.can_vote(voter, consultation, now))
    choices = check_choices(consultation, _choosable(consultation), raw)
    home = voter_home(voter, consultation)
    return _store_ballot(
        consultation,
        voter_key(consultation, voter, home),
        Channel.ONLINE,
        choices,
        now,
        user=voter,
        dwelling=home,
    )


def record_ballot(
    actor: User,
    consultation: Consultation,
    channel: Channel,
    raw: Any,
    now: datetime,
    *,
    dwelling: Dwelling | None = None,
    resident: User | None = None,
) -> Ballot:
    """Staff enter a paper or meeting ballot for a dwelling (one vote per household)
    or a resident (one vote per person); the entry is audited.

    :raises PermissionDenied: the actor does not run the consultation, or voting
        is not open.
    :raises ValidationError: no such voter inside the place, or bad choices.
    :raises InvalidTransition: this voter unit already has a ballot.
    """
    require(permissions.can_record_ballot(actor, consultation, now))
    if channel is Channel.ONLINE:
        raise ValueError("staff record paper or meeting ballots")
    if consultation.voter_unit is VoterUnit.DWELLING:
        if dwelling is None or not dwelling.place.is_within(consultation.place):
            raise ValidationError(
                {
                    "voter": _(
                        "Ce logement ne fait pas partie du lieu de la consultation."
                    )
                }
            )
        resident = None
    else:
        if resident is None or not permissions.can_take_part(resident, consultation):
            raise ValidationError(
                {"voter": _("Cette personne n'est pas habitant·e vérifié·e du lieu.")}
            )
        dwelling = voter_home(resident, consultation)
    choices = check_choices(consultation, _choosable(consultation), raw)
    ballot_id = _store_ballot(
        consultation,
        voter_key(consultation, resident, dwelling),
        channel,
        choices,
        now,
        user=resident,
        dwelling=dwelling,
        entered_by=actor,
    )
    ballot = db.session.get(Ballot, ballot_id, populate_existing=True)
    audit.record(
        actor,
        "ballot.record",
        ballot,
        now,
        landlord_id=consultation.landlord_id,
        consultation_id=consultation.id,
        channel=channel.value,
        voter_key=ballot.voter_key,
    )
    db.session.commit()
    return ballot


def _insert_ignoring_conflict(values: dict[str, Any]):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return (
        module.insert(Ballot)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["consultation_id", "voter_key"])
        .returning(Ballot.id)
    )


def _store_ballot(
    consultation: Consultation,
    key: str,
    channel: Channel,
    choices: Choices,
    now: datetime,
    *,
    user: User | None,
    dwelling: Dwelling | None,
    entered_by: User | None = None,
) -> int:
    """Insert the ballot, or replace the voter unit's, with its tallies and
    counters, and commit; the ballot's id."""
    try:
        ballot_id = db.session.execute(
            _insert_ignoring_conflict(
                {
                    "consultation_id": consultation.id,
                    "voter_key": key,
                    "user_id": user.id if user else None,
                    "dwelling_id": dwelling.id if dwelling else None,
                    "channel": channel,
                    "entered_by_id": entered_by.id if entered_by else None,
                    "cast_at": now,
                    "updated_at": now,
                }
            )
        ).scalar()
        if ballot_id is not None:
            old: Choices = {}
            new_ballot = True
        else:
            new_ballot = False
            ballot_id = _replaceable(consultation, key, channel, user)
            old = dict(
                db.session.execute(
                    select(BallotChoice.proposal_id, BallotChoice.grade).where(
                        BallotChoice.ballot_id == ballot_id
                    )
                ).all()
            )
            db.session.execute(
                delete(BallotChoice).where(BallotChoice.ballot_id == ballot_id)
            )
            db.session.execute(
                Ballot.__table__.update()
                .where(Ballot.__table__.c.id == ballot_id)
                .values(updated_at=now)
            )
        db.session.execute(
            insert(BallotChoice),
            [
                {"ballot_id": ballot_id, "proposal_id": pid, "grade": grade}
                for pid, grade in choices.items()
            ],
        )
        _move_tallies(old, choices)
        # Last, so the consultation row stays locked (PostgreSQL) for as
        # little of the transaction as possible; always after the proposals.
        if new_ballot:
            _count_ballot(consultation.id, channel, 1)
        else:
            db.session.connection().execute(revisions.bump(consultation.id))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ballot_id


def _replaceable(
    consultation: Consultation, key: str, channel: Channel, user: User | None
) -> int:
    """Lock the unit's existing ballot and say whether this submission may replace
    it: only an online voter changing their own online ballot may."""
    existing = db.session.execute(
        select(Ballot.id, Ballot.channel, Ballot.user_id)
        .where(Ballot.consultation_id == consultation.id, Ballot.voter_key == key)
        .with_for_update()
    ).one()
    household = consultation.voter_unit is VoterUnit.DWELLING
    if channel is Channel.ONLINE:
        if existing.channel is not Channel.ONLINE:
            raise InvalidTransition(
                _(
                    "Un bulletin papier ou de réunion a déjà été enregistré pour "
                    "votre foyer : vous ne pouvez pas voter en ligne en plus."
                )
                if household
                else _(
                    "Un bulletin papier ou de réunion a déjà été enregistré à votre "
                    "nom : vous ne pouvez pas voter en ligne en plus."
                )
            )
        if user is None or existing.user_id != user.id:
            raise InvalidTransition(
                _("Une autre personne de votre foyer a déjà voté pour le logement.")
            )
        return existing.id
    if existing.channel is Channel.ONLINE:
        raise InvalidTransition(
            _("Ce logement a déjà voté en ligne : le bulletin papier est refusé.")
            if household
            else _(
                "Cette personne a déjà voté en ligne : le bulletin papier est refusé."
            )
        )
    raise InvalidTransition(
        _("Un bulletin a déjà été enregistré pour ce logement.")
        if household
        else _("Un bulletin a déjà été enregistré pour cette personne.")
    )


def _deltas(old: Choices, new: Choices) -> dict[int, list[int]]:
    """Per proposal: [support, grade_0 … grade_6] to add."""
    deltas: dict[int, list[int]] = defaultdict(lambda: [0] * (GRADE_COUNT + 1))
    for choices, sign in ((old, -1), (new, 1)):
        for pid, grade in choices.items():
            if grade is None:
                deltas[pid][0] += sign
            else:
                deltas[pid][grade + 1] += sign
                if grade <= SUPPORTING_GRADE:
                    deltas[pid][0] += sign
    return {pid: d for pid, d in deltas.items() if any(d)}


_table = Proposal.__table__
_increment = (
    _table.update()
    .where(_table.c.id == bindparam("pid"))
    .values(
        support_count=_table.c.support_count + bindparam("d_support"),
        **{
            f"grade_{g}": _table.c[f"grade_{g}"] + bindparam(f"d_{g}")
            for g in range(GRADE_COUNT)
        },
    )
)


def _move_tallies(old: Choices, new: Choices) -> None:
    """Apply the difference to the running tallies, in proposal order (no
    deadlock between two ballots touching the same proposals)."""
    rows = [
        {"pid": pid, "d_support": d[0], **{f"d_{g}": d[g + 1] for g in range(7)}}
        for pid, d in sorted(_deltas(old, new).items())
    ]
    if rows:
        db.session.connection().execute(_increment, rows)


_consultations = Consultation.__table__


def _count_ballot(consultation_id: int, channel: Channel, delta: int) -> None:
    """Move the consultation's counter for ``channel`` by ``delta``, atomically
    (``UPDATE … SET n = n + delta``: no read, so two ballots racing both count).
    Call it in the transaction that inserts or deletes the ballot, or changes its
    channel (-1 on the old channel, +1 on the new). Moves the consultation's
    revision in the same statement (the tallies changed)."""
    column = _consultations.c[f"ballots_{channel.value}"]
    db.session.connection().execute(
        revisions.bump(consultation_id).values({column: column + delta})
    )


def delete_ballot(ballot: Ballot) -> None:
    """Remove a ballot with its choices, and take it off the tallies and the
    channel counters, in the caller's transaction (not committed here)."""
    choices = dict(
        db.session.execute(
            select(BallotChoice.proposal_id, BallotChoice.grade).where(
                BallotChoice.ballot_id == ballot.id
            )
        ).all()
    )
    _move_tallies(choices, {})
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    db.session.execute(delete(Ballot).where(Ballot.id == ballot.id))
    _count_ballot(ballot.consultation_id, ballot.channel, -1)


# Reading one's own ballot


@dataclass
class BallotState:
    """What the voter may know: their own ballot, or that their household voted."""

    ballot: Ballot | None = None
    household_voted: bool = False
    paper: bool = False

    @property
    def choices(self) -> Choices:
        if self.ballot is None:
            return {}
        return {c.proposal_id: c.grade for c in self.ballot.choices}


def ballot_state(user: Any, consultation: Consultation) -> BallotState:
    """The user's own ballot, if they cast it; never someone else's choices."""
    if not permissions.can_take_part(user, consultation):
        return BallotState()
    home = voter_home(user, consultation)
    ballot = db.session.scalar(
        select(Ballot)
        .where(
            Ballot.consultation_id == consultation.id,
            Ballot.voter_key == voter_key(consultation, user, home),
        )
        .options(db.selectinload(Ballot.choices))
    )
    if ballot is None:
        return BallotState()
    if ballot.channel is not Channel.ONLINE:
        return BallotState(paper=True)
    if ballot.user_id != user.id:
        return BallotState(household_voted=True)
    return BallotState(ballot=ballot)


# Results


@dataclass
class ResultRow:
    proposal: Proposal
    support: int
    share: Fraction  # of ballots cast
    rank: int
    grades: list[int] = field(default_factory=list)
    gauge: tally.Gauge | None = None
    funded: bool = False


@dataclass
class Results:
    consultation: Consultation
    rows: list[ResultRow]
    ballots: int
    by_channel: dict[Channel, int]
    eligible: int
    budget_spent: int = 0

    @property
    def participation(self) -> Fraction | None:
        return Fraction(self.ballots, self.eligible) if self.eligible else None

    @property
    def quorum_met(self) -> bool | None:
        quorum = self.consultation.quorum_percent
        if quorum is None:
            return None
        return self.participation is not None and self.participation * 100 >= quorum

    @property
    def winners(self) -> list[ResultRow]:
        """What the count puts first, once someone voted: the funded proposals
        (budget), else those ranked first."""
        if not self.ballots:
            return []
        if self.consultation.method is VotingMethod.BUDGET:
            rows = [row for row in self.rows if row.funded]
        else:
            rows = [row for row in self.rows if row.rank == 1]
        return [row for row in rows if row.proposal.is_votable]

    @property
    def selected(self) -> list[ResultRow]:
        """The proposals staff selected (the published outcome)."""
        return [
            row for row in self.rows if row.proposal.status is ProposalStatus.SELECTED
        ]


def channel_counts(consultation: Consultation) -> dict[Channel, int]:
    """Ballots per channel, from the stored counters (no query)."""
    return {
        channel: getattr(consultation, f"ballots_{channel.value}")
        for channel in Channel
    }


def recount_channels(consultation: Consultation) -> dict[Channel, int]:
    """Ballots per channel counted from the ballots themselves (for audits)."""
    counts = dict(
        db.session.execute(
            select(Ballot.channel, func.count())
            .where(Ballot.consultation_id == consultation.id)
            .group_by(Ballot.channel)
        ).all()
    )
    return {channel: counts.get(channel, 0) for channel in Channel}


def eligible_units(consultation: Consultation, now: datetime | None = None) -> int:
    """How many voter units may vote. Once voting has closed, the count is taken
    once and kept on the consultation (the roll the results are read against,
    ``eligible_at_close``); while voting runs (live results) it is counted."""
    now = now or utcnow()
    if not consultation.voting_has_closed(now):
        return consultations.eligible_units(consultation)
    if consultation.eligible_at_close is None:
        counted = consultations.eligible_units(consultation)
        # Only the first reader stores it: a racing reader keeps the first count.
        db.session.execute(
            _consultations.update()
            .where(
                _consultations.c.id == consultation.id,
                _consultations.c.eligible_at_close.is_(None),
            )
            .values(eligible_at_close=counted, revision=_consultations.c.revision + 1)
        )
        db.session.commit()
        db.session.refresh(consultation)
    return consultation.eligible_at_close or 0


def results(consultation: Consultation, now: datetime | None = None) -> Results:
    """The tally of a consultation from the stored totals and counters (one
    query; once voting has closed, the first reading also counts the roll)."""
    eligible = eligible_units(consultation, now)  # first: it may commit
    proposals = list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.consultation_id == consultation.id,
                Proposal.status.in_(LISTED_STATUSES),
            )
            .order_by(Proposal.id)
        )
    )
    by_channel = channel_counts(consultation)
    ballots = sum(by_channel.values())
    method = consultation.method
    rows = {
        p.id: ResultRow(
            proposal=p,
            support=p.support_count,
            share=Fraction(p.support_count, ballots) if ballots else Fraction(0),
            rank=0,
            grades=p.grade_counts,
        )
        for p in proposals
        if _was_on_ballot(p, method)
    }
    spent = 0
    if method is VotingMethod.MAJORITY_JUDGMENT:
        for row in rows.values():
            row.gauge = tally.majority_gauge(row.grades)
        ranks = tally.majority_judgment_ranks(
            {pid: r.grades for pid, r in rows.items()}
        )
    else:
        ranks = tally.support_ranks({pid: r.support for pid, r in rows.items()})
    if method is VotingMethod.BUDGET:
        funded, spent = tally.budget_allocation(
            [pid for pid in rows if rows[pid].proposal.estimated_cost is not None],
            lambda pid: rows[pid].support,
            lambda pid: rows[pid].proposal.estimated_cost or 0,
            consultation.budget or 0,
        )
        for pid in funded:
            rows[pid].funded = True
    for pid, position in ranks.items():
        rows[pid].rank = position
    ordered = sorted(rows.values(), key=lambda r: (r.rank, r.proposal.id))
    return Results(
        consultation=consultation,
        rows=ordered,
        ballots=ballots,
        by_channel=by_channel,
        eligible=eligible,
        budget_spent=spent,
    )


def _was_on_ballot(proposal: Proposal, method: VotingMethod) -> bool:
    """Votable (with a cost, for a budget), or chosen on some ballot before being
    answered: a proposal turned down before the vote is not in the results."""
    if proposal.support_count or any(proposal.grade_counts):
        return True
    if method is VotingMethod.BUDGET and proposal.estimated_cost is None:
        return False
    return proposal.is_votable


def recount(consultation: Consultation) -> dict[int, list[int]]:
    """Count every ballot again from its choices: per proposal, [support,
    grade_0 … grade_6]. For audits: it must equal the stored totals.

    The choices are read per proposal of the consultation, as the tallies are
    kept, from the index on (proposal, grade) alone (an index-only scan: a
    million ballots are counted without reading the ballot table)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0] * (GRADE_COUNT + 1))
    proposal_ids = select(Proposal.id).where(
        Proposal.consultation_id == consultation.id
    )
    rows = db.session.execute(
        select(BallotChoice.proposal_id, BallotChoice.grade, func.count())
        .where(BallotChoice.proposal_id.in_(proposal_ids))
        .group_by(BallotChoice.proposal_id, BallotChoice.grade)
    )
    for pid, grade, count in rows:
        for delta_pid, delta in _deltas({}, {pid: grade}).items():
            for index, value in enumerate(delta):
                totals[delta_pid][index] += value * count
    return dict(totals)


@dataclass
class Recount:
    """A full audit recount: tallies and channel counters counted again from the
    ballots, against what is stored."""

    totals: dict[int, list[int]]
    stored_totals: dict[int, list[int]]
    channels: dict[Channel, int]
    stored_channels: dict[Channel, int]

    @property
    def differences(self) -> list[str]:
        """What the stored figures get wrong (empty when they are right)."""
        found = []
        for pid in sorted(self.totals.keys() | self.stored_totals.keys()):
            counted = self.totals.get(pid, [0] * (GRADE_COUNT + 1))
            stored = self.stored_totals.get(pid, [0] * (GRADE_COUNT + 1))
            if counted != stored:
                found.append(f"proposal {pid}: stored {stored}, counted {counted}")
        for channel in Channel:
            counted_n = self.channels[channel]
            stored_n = self.stored_channels[channel]
            if counted_n != stored_n:
                found.append(
                    f"ballots {channel.value}: stored {stored_n}, counted {counted_n}"
                )
        return found

    @property
    def equal(self) -> bool:
        return not self.differences


def full_recount(consultation: Consultation) -> Recount:
    """Count the tallies and the ballots per channel again and compare them with
    the stored ones (reads the consultation's counters afresh)."""
    db.session.refresh(consultation)
    return Recount(
        totals=recount(consultation),
        stored_totals=stored_totals(consultation),
        channels=recount_channels(consultation),
        stored_channels=channel_counts(consultation),
    )


def stored_totals(consultation: Consultation) -> dict[int, list[int]]:
    """The running tallies, in the same shape as :func:`recount` (non-zero only)."""
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation.id)
    )
    return {
        p.id: [p.support_count, *p.grade_counts]
        for p in proposals
        if p.support_count or any(p.grade_counts)
    }


# Exports (streamed, row by row)


def _csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_proposals(consultation: Consultation, visible: bool) -> Iterator[str]:
    """CSV of the listed proposals, with their results when they are visible."""
    header = [
        "id",
        "titre",
        "statut",
        "auteur",
        "recueillie_en_personne",
        "cout_estime",
        "commentaires",
        "cree_le",
    ]
    if visible:
        header += ["soutiens", *[f"mention_{g}" for g in range(GRADE_COUNT)]]

    def rows() -> Iterator[list[Any]]:
        yield header
        query = (
            select(Proposal)
            .where(
                Proposal.consultation_id == consultation.id,
                Proposal.status.in_(LISTED_STATUSES),
            )
            .options(db.joinedload(Proposal.author))
            .order_by(Proposal.id)
            .execution_options(yield_per=500)
        )
        for p in db.session.scalars(query):
            row = [
                p.id,
                _spreadsheet_safe(p.title),
                p.status.value,
                _spreadsheet_safe(
                    p.on_behalf_of
                    if p.collected_in_person
                    else (p.author.display_name if p.author else "")
                ),
                "oui" if p.collected_in_person else "non",
                "" if p.estimated_cost is None else p.estimated_cost,
                p.comment_count,
                p.created_at.isoformat(),
            ]
            if visible:
                row += [p.support_count, *p.grade_counts]
            yield row

    return _csv_lines(rows())


def _spreadsheet_safe(text: str) -> str:
    """Neutralise CSV formula injection (=, +, -, @ at the start of a cell)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


#: Ballots the export sorts at once: a larger consultation is exported slice by
#: slice of its shuffled order, so that its first rows leave at once instead of
#: after a sort of every ballot (and the database never sorts more than this).
EXPORT_SLICE = 50_000
_SHUFFLE_MODULUS = 2_147_483_647  # a prime: (id × multiplier) mod it permutes ids


def export_ballots(consultation: Consultation) -> Iterator[str]:
    """CSV of anonymous ballots, for audit: a ballot number, its channel and its
    choices; no voter, no dwelling, no time. Ballots are listed in an order keyed
    by the app's secret, so the row order does not reveal the order of voting."""
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(),
        f"ballots:{consultation.id}".encode(),
        hashlib.sha256,
    ).digest()
    multiplier = int.from_bytes(key[:4]) | 1
    # In 64-bit arithmetic: the product overflows PostgreSQL's 32-bit integers.
    order = (cast(Ballot.id, BigInteger) * literal(multiplier, BigInteger)) % literal(
        _SHUFFLE_MODULUS, BigInteger
    )
    query = (
        select(order.label("number"), Ballot.channel, BallotChoice.proposal_id)
        .add_columns(BallotChoice.grade)
        .join(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.consultation_id == consultation.id)
        .order_by(order, BallotChoice.proposal_id)
        .execution_options(yield_per=2000)
    )

    def rows() -> Iterator[list[Any]]:
        yield ["bulletin", "canal", "proposition", "choix"]
        ballots = sum(channel_counts(consultation).values())
        slices = max(1, -(-ballots // EXPORT_SLICE))
        width = -(-_SHUFFLE_MODULUS // slices)
        for start in range(0, _SHUFFLE_MODULUS, width):
            piece = (
                query
                if slices == 1
                else query.where(order >= start, order < start + width)
            )
            for number, channel, pid, grade in db.session.execute(piece):
                yield [number, channel.value, pid, "x" if grade is None else grade]

    return _csv_lines(rows())


def require_results(user: Any, consultation: Consultation, now: datetime) -> Results:
    """Results, if the user may see them now.

    :raises PermissionDenied: hidden until the vote closes, or not visible.
    """
    if not permissions.can_see_results(user, consultation, now):
        raise PermissionDenied()
    return results(consultation, now)
