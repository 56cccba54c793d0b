"""Views of the audit log (read-only: no route changes or deletes an event)."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, render_template, request
from flask_login import current_user, login_required

from participation import permissions
from participation.blueprints.audit import bp
from participation.blueprints.audit.forms import AuditFilterForm
from participation.blueprints.audit.labels import action_label, object_label
from participation.blueprints.common import authorize
from participation.extensions import db
from participation.services import audit


@bp.before_request
@login_required
def require_audit_reader():
    """Staff and admins only (others get 403, anonymous visitors the login page)."""
    authorize(permissions.can_view_audit_log(current_user))


@bp.get("/")
def index():
    """The events the reader may see, newest first, filtered and paginated."""
    form = AuditFilterForm(request.args)
    form.validate()
    filters = audit.EventFilters(
        action=form.action.data or "",
        actor=(form.actor.data or "").strip() if not form.actor.errors else "",
        object_type=form.object_type.data or "",
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data,
    )
    size = current_app.config["PAGE_SIZE"]
    page = db.paginate(
        audit.events_query(current_user, filters), per_page=size, max_per_page=size
    )
    return render_template(
        "audit/index.html",
        form=form,
        page=page,
        args={k: v for k, v in request.args.items() if v and k != "page"},
        all_landlords=permissions.managed_landlord_ids(current_user) is None,
        action_label=action_label,
        object_label=object_label,
        details_text=details_text,
    )


def details_text(details: dict[str, Any] | None) -> str:
    """``key : value`` pairs on one line (values as compact JSON)."""
    return " ; ".join(
        f"{key} : {value if isinstance(value, str) else json.dumps(value)}"
        for key, value in (details or {}).items()
    )
