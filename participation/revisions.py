"""Consultation revisions: a number that moves whenever what the proposal list or
the count of a consultation shows may have changed.

Cached fragments (``participation.fragments``) are keyed by it, so the cache never
needs clearing: a change moves the revision and the next reader renders anew.

ORM changes are caught here, on every session's flush: the consultation itself,
its proposals, their comments, ballots, an author's name, a place's name. The
revisions move in one ``UPDATE … SET revision = revision + 1`` issued just before
the transaction commits, so that row is locked last and briefly (the ballot path,
which writes with Core statements, moves it in its own last statement:
``services.voting``). A rolled-back transaction moves nothing; a savepoint rolled
back inside a committed transaction may move a revision for nothing, which only
costs one rendering.
"""

from __future__ import annotations

from sqlalchemy import Update, event, inspect, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from participation.models import (
    Ballot,
    BallotChoice,
    Comment,
    Consultation,
    Place,
    Proposal,
    User,
)

_KEY = "consultation_revisions"
_consultations = Consultation.__table__
_proposals = Proposal.__table__


def bump(consultation_id: int) -> Update:
    """The statement that moves one consultation's revision (for Core writers)."""
    return (
        _consultations.update()
        .where(_consultations.c.id == consultation_id)
        .values(revision=_consultations.c.revision + 1)
    )


def _pending(session: Session) -> dict[str, set[int]]:
    kinds = ("consultations", "proposals", "authors", "places")
    return session.info.setdefault(_KEY, {kind: set() for kind in kinds})


def _renamed(session: Session, obj, attribute: str) -> bool:
    """Deleted, or ``attribute`` (the name others see) changed."""
    if obj in session.deleted:
        return True
    history = inspect(obj).attrs[attribute].history
    return obj not in session.new and history.has_changes()


def _collect(session: Session, flush_context: UOWTransaction) -> None:
    """After each flush: note which consultations the flushed changes touch."""
    pending = _pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Consultation):
            if obj not in session.new and session.is_modified(obj):
                pending["consultations"].add(obj.id)
        elif isinstance(obj, (Proposal, Ballot)):
            pending["consultations"].add(obj.consultation_id)
        elif isinstance(obj, (Comment, BallotChoice)):
            pending["proposals"].add(obj.proposal_id)
        elif isinstance(obj, User) and _renamed(session, obj, "display_name"):
            pending["authors"].add(obj.id)
        elif isinstance(obj, Place) and _renamed(session, obj, "name"):
            pending["places"].add(obj.id)


def _apply(session: Session) -> None:
    """Just before the outermost commit: move every touched revision at once."""
    if session.in_nested_transaction():
        return
    session.flush()  # what is still pending, so that _collect sees everything
    pending = session.info.pop(_KEY, None)
    if not pending or not any(pending.values()):
        return
    conditions = []
    if pending["consultations"]:
        conditions.append(_consultations.c.id.in_(sorted(pending["consultations"])))
    by_proposal = [
        (_proposals.c.id, pending["proposals"]),
        (_proposals.c.author_id, pending["authors"]),
        (_proposals.c.place_id, pending["places"]),
    ]
    for column, ids in by_proposal:
        if ids:
            conditions.append(
                _consultations.c.id.in_(
                    select(_proposals.c.consultation_id).where(column.in_(sorted(ids)))
                )
            )
    if pending["places"]:
        conditions.append(_consultations.c.place_id.in_(sorted(pending["places"])))
    session.connection().execute(
        update(_consultations)
        .where(or_(*conditions))
        .values(revision=_consultations.c.revision + 1)
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
