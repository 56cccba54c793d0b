"""Time helpers: store UTC, show Europe/Paris; ``now`` is always a parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC (the only clock read in the app)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC; convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local_date(now: datetime) -> date:
    """The calendar date in Paris at ``now`` ("today" for due dates and reports)."""
    return now.astimezone(PARIS).date()
