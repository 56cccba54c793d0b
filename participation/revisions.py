"""Revisions: a number on a consultation or an objective that moves whenever
what its cached fragments show may have changed.

Cached fragments (``participation.fragments``) are keyed by it, so the cache never
needs clearing: a change moves the revision and the next reader renders anew.

ORM changes are caught here, on every session's flush:

- a consultation moves with itself, its proposals, their comments, ballots, the
  name of a proposal's author and the name of a place it or a proposal is in;
- an objective moves with itself, its milestones, measurements, commitments and
  actions, and the name of an organisation that is its source or a party.

The revisions move in one ``UPDATE … SET revision = revision + 1`` per table,
issued just before the transaction commits, so those rows are locked last and
briefly (the ballot path, which writes with Core statements, moves the
consultation in its own last statement: ``services.voting``). A rolled-back
transaction moves nothing; a savepoint rolled back inside a committed
transaction may move a revision for nothing, which only costs one rendering.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, Update, event, inspect, or_, select
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from participation.models import (
    Action,
    Ballot,
    BallotChoice,
    Comment,
    Commitment,
    Consultation,
    Measurement,
    Milestone,
    Objective,
    Organisation,
    Place,
    Proposal,
    User,
)

_KEY = "revisions"
_consultations: Table = Consultation.__table__
_objectives: Table = Objective.__table__
_proposals: Table = Proposal.__table__


def bump(consultation_id: int) -> Update:
    """The statement that moves one consultation's revision (for Core writers)."""
    return (
        _consultations.update()
        .where(_consultations.c.id == consultation_id)
        .values(revision=_consultations.c.revision + 1)
    )


#: What a flush noted: ids by kind, until the transaction commits.
KINDS = (
    "consultation",
    "proposal",  # → its consultation
    "author",  # a user renamed → the consultations of their proposals
    "place",  # a place renamed → consultations there or with proposals there
    "objective",
    "organisation",  # renamed → objectives it is the source of or a party to
)


def _pending(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(_KEY, {kind: set() for kind in KINDS})


def _renamed(session: Session, obj, attribute: str) -> bool:
    """Deleted, or ``attribute`` (the name others see) changed."""
    if obj in session.deleted:
        return True
    history = inspect(obj).attrs[attribute].history
    return obj not in session.new and history.has_changes()


def _collect(session: Session, flush_context: UOWTransaction) -> None:
    """After each flush: note which consultations and objectives it touched."""
    pending = _pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Consultation, Objective)):
            if obj not in session.new and session.is_modified(obj):
                kind = "consultation" if isinstance(obj, Consultation) else "objective"
                pending[kind].add(obj.id)
        elif isinstance(obj, (Proposal, Ballot)):
            pending["consultation"].add(obj.consultation_id)
        elif isinstance(obj, (Comment, BallotChoice)):
            pending["proposal"].add(obj.proposal_id)
        elif isinstance(obj, (Milestone, Measurement, Commitment, Action)):
            pending["objective"].add(obj.objective_id)
        elif isinstance(obj, User) and _renamed(session, obj, "display_name"):
            pending["author"].add(obj.id)
        elif isinstance(obj, Place) and _renamed(session, obj, "name"):
            pending["place"].add(obj.id)
        elif isinstance(obj, Organisation) and _renamed(session, obj, "name"):
            pending["organisation"].add(obj.id)


def _consultation_conditions(pending: dict[str, set[int]]) -> list[ColumnElement]:
    conditions = []
    if pending["consultation"]:
        conditions.append(_consultations.c.id.in_(sorted(pending["consultation"])))
    for column, kind in (
        (_proposals.c.id, "proposal"),
        (_proposals.c.author_id, "author"),
        (_proposals.c.place_id, "place"),
    ):
        if pending[kind]:
            conditions.append(
                _consultations.c.id.in_(
                    select(_proposals.c.consultation_id).where(
                        column.in_(sorted(pending[kind]))
                    )
                )
            )
    if pending["place"]:
        conditions.append(_consultations.c.place_id.in_(sorted(pending["place"])))
    return conditions


def _objective_conditions(pending: dict[str, set[int]]) -> list[ColumnElement]:
    conditions = []
    if pending["objective"]:
        conditions.append(_objectives.c.id.in_(sorted(pending["objective"])))
    if pending["organisation"]:
        ids = sorted(pending["organisation"])
        conditions.append(_objectives.c.source_organisation_id.in_(ids))
        for model in (Commitment, Action, Measurement):
            table = model.__table__
            conditions.append(
                _objectives.c.id.in_(
                    select(table.c.objective_id).where(table.c.organisation_id.in_(ids))
                )
            )
    return conditions


def _apply(session: Session) -> None:
    """Just before the outermost commit: move every touched revision at once."""
    if session.in_nested_transaction():
        return
    session.flush()  # what is still pending, so that _collect sees everything
    pending = session.info.pop(_KEY, None)
    if not pending:
        return
    for table, conditions in (
        (_consultations, _consultation_conditions(pending)),
        (_objectives, _objective_conditions(pending)),
    ):
        if conditions:
            session.connection().execute(
                table.update()
                .where(or_(*conditions))
                .values(revision=table.c.revision + 1)
            )


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)


def init() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "before_commit", _apply)
        event.listen(Session, "after_transaction_end", _forget)
