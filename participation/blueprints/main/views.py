"""Views of the home page and the language switch."""

from __future__ import annotations

from flask import redirect, render_template, request, session
from flask_login import current_user

from participation import permissions
from participation.blueprints.common import safe_next
from participation.blueprints.main import bp
from participation.models import Role
from participation.services import (
    accounts,
    consultations,
    dashboard,
    places,
    residents,
)
from participation.timeutil import utcnow


@bp.get("/")
def index():
    """Say what the platform is; show each person what concerns them."""
    context = {}
    if current_user.is_authenticated:
        now = utcnow()
        homes = residents.current_homes(current_user)
        context["homes"] = homes
        context["ancestors"] = places.ancestors_by_id([r.dwelling.place for r in homes])
        context["pending"] = residents.pending_request(current_user)
        if homes:
            context["now"] = now
            context["nearby"] = consultations.for_resident(current_user, now)
        if permissions.can_access_back_office(current_user):
            context["summary"] = places.summary(current_user)
            context["landing"] = dashboard.staff_landing(current_user, now)
        elif current_user.role == Role.PARTNER:
            context["landing"] = dashboard.partner_landing(current_user, now)
        elif current_user.role == Role.RESIDENT:
            context["landing"] = dashboard.resident_landing(current_user, homes, now)
    return render_template("main/index.html", **context)


@bp.post("/langue")
def set_language():
    """Remember the chosen language (on the account when logged in)."""
    language = request.form.get("language", "fr")
    if language in ("fr", "en"):
        session["language"] = language
        if current_user.is_authenticated:
            accounts.update_profile(
                current_user, display_name=current_user.display_name, language=language
            )
    return redirect(safe_next("/"))
