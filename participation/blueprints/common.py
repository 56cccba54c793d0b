"""Helpers shared by the views: authorisation, service errors onto forms, redirects."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from participation import permissions
from participation.extensions import db, limiter
from participation.models import Consultation, Place
from participation.services import ValidationError


def rate_limit(setting: str):
    """Limit POSTs to the rate named by the config key ``setting``."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


def authorize(allowed: bool) -> None:
    """Answer 403 unless ``allowed`` (the same predicate the service checks)."""
    if not allowed:
        abort(403)


@login_required
def require_back_office():
    """A ``before_request`` hook: staff and admins only (others get 403, anonymous
    visitors the login page)."""
    authorize(permissions.can_access_back_office(current_user))


def visible_consultation(consultation_id: int, now: datetime) -> Consultation:
    """The consultation, or 404 when it does not exist or is a draft the user may
    not see (a 403 would tell that it exists)."""
    consultation = db.get_or_404(
        Consultation, consultation_id, options=[db.joinedload(Consultation.place)]
    )
    if not permissions.can_view_consultation(current_user, consultation, now):
        abort(404)
    return consultation


def place_filter() -> Place | None:
    """The place named by ``?place_id``, which the user must manage (else 404/403)."""
    place_id = request.args.get("place_id", type=int)
    if place_id is None:
        return None
    place = db.get_or_404(Place, place_id)
    authorize(permissions.can_manage_place(current_user, place))
    return place


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
