"""Recording audit events; the caller's transaction commits them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from participation.extensions import db
from participation.models import AuditEvent, User


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
