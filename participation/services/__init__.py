"""Use cases: one public function is one change and one commit.

Services take the acting user and ``now`` as parameters, check permissions
themselves, and never read the request, flash, render or redirect.
"""

from __future__ import annotations

from participation.models.state import InvalidTransition

__all__ = [
    "InvalidTransition",
    "PermissionDenied",
    "ServiceError",
    "ValidationError",
    "require",
]


class ServiceError(Exception):
    """Base class of what a service refuses to do."""


class PermissionDenied(ServiceError):
    """The acting user may not do this."""


class ValidationError(ServiceError):
    """Bad input; ``errors`` maps a field name (or ``None``) to French messages."""

    def __init__(self, errors: dict[str | None, str | list[str]]):
        self.errors = {
            field: [messages] if isinstance(messages, str) else list(messages)
            for field, messages in errors.items()
        }
        super().__init__(
            "; ".join(m for messages in self.errors.values() for m in messages)
        )


def require(allowed: bool) -> None:
    """Raise PermissionDenied unless ``allowed``."""
    if not allowed:
        raise PermissionDenied()
