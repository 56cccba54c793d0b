"""The audit trail: who did what to which object, and when.

Events are written once and never edited nor deleted through the ORM: the mapper
refuses to flush a change or a deletion of a loaded event, and the session refuses
an ORM ``UPDATE``/``DELETE`` statement aimed at the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from participation.extensions import db
from participation.models.organisation import Organisation
from participation.models.types import UTCDateTime
from participation.models.user import User


class AuditEventImmutable(Exception):
    """Something tried to change or delete a recorded audit event."""


class AuditEvent(db.Model):
    """One recorded action; written once, never edited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    landlord_id: Mapped[int | None] = mapped_column(
        ForeignKey(Organisation.id), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    landlord: Mapped[Organisation | None] = relationship()


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target: AuditEvent) -> None:
    raise AuditEventImmutable(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target: AuditEvent) -> None:
    raise AuditEventImmutable(f"audit event {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    """``session.execute(update(AuditEvent)…)`` skips the mapper hooks above."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == AuditEvent.__tablename__:
        raise AuditEventImmutable("audit events cannot be changed or deleted")
