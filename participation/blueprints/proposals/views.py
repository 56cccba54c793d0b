"""Views of the proposals blueprint."""

from __future__ import annotations

from participation.blueprints.proposals import bp  # noqa: F401
