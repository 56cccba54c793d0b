"""Views of the consultations blueprint."""

from __future__ import annotations

from participation.blueprints.consultations import bp  # noqa: F401
