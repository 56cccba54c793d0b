"""Recording audit events (the caller's transaction commits them) and reading them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from participation import permissions
from participation.extensions import db
from participation.models import AuditEvent, User
from participation.services import require
from participation.timeutil import PARIS


def record(
    actor: User | None,
    action: str,
    obj: Any,
    now: datetime,
    *,
    landlord_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` to the current transaction.

    The object must already have an id (flush first). ``details`` must be JSON-ready.
    """
    event = AuditEvent(
        occurred_at=now,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        landlord_id=landlord_id,
        details=details,
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class EventFilters:
    """What the audit log page narrows the events to (empty: no filter)."""

    action: str = ""
    actor: str = ""
    object_type: str = ""
    date_from: date | None = None  # Paris calendar days, both included
    date_to: date | None = None


def events_query(viewer: User, filters: EventFilters = EventFilters()) -> Select:
    """The events ``viewer`` may read that match ``filters``, newest first, with
    their actor and landlord loaded in the same query.

    Staff see the events recorded for their landlord; admins see all of them,
    platform events (accounts, organisations) included.

    :raises PermissionDenied: the viewer is neither staff nor admin.
    """
    require(permissions.can_view_audit_log(viewer))
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.landlord))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    landlords = permissions.managed_landlord_ids(viewer)
    if landlords is not None:
        query = query.where(AuditEvent.landlord_id.in_(landlords))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.actor:
        term = filters.actor.strip().lower()
        query = query.where(
            AuditEvent.actor_id.in_(
                select(User.id).where(
                    func.lower(User.display_name).contains(term, autoescape=True)
                    | func.lower(User.email).contains(term, autoescape=True)
                )
            )
        )
    if filters.date_from:
        query = query.where(
            AuditEvent.occurred_at >= _paris_midnight(filters.date_from)
        )
    if filters.date_to:
        after = filters.date_to + timedelta(days=1)
        query = query.where(AuditEvent.occurred_at < _paris_midnight(after))
    return query


def _paris_midnight(day: date) -> datetime:
    """The instant a Paris calendar day starts, in UTC."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
