"""Views of the notifications blueprint."""

from __future__ import annotations

from participation.blueprints.notifications import bp  # noqa: F401
