"""Views of the voting blueprint."""

from __future__ import annotations

from participation.blueprints.voting import bp  # noqa: F401
