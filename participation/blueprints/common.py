"""Helpers shared by the views: authorisation, service errors onto forms, redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request
from flask_wtf import FlaskForm

from participation.services import ValidationError


def authorize(allowed: bool) -> None:
    """Answer 403 unless ``allowed`` (the same predicate the service checks)."""
    if not allowed:
        abort(403)


def apply_errors(form: FlaskForm, error: ValidationError) -> None:
    """Put a service's French messages next to the fields they concern."""
    for name, messages in error.errors.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)


def safe_next(default: str) -> str:
    """The ``next`` parameter if it stays on this site, else ``default``."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for lone action buttons."""
