"""Views of the dashboard blueprint: how a place's objectives are doing."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from participation import permissions
from participation.blueprints.common import authorize
from participation.blueprints.dashboard import bp
from participation.extensions import db
from participation.models import Place
from participation.services import dashboard, places
from participation.timeutil import local_date, utcnow


@bp.get("/lieux/<int:place_id>/tableau-de-bord")
@login_required
def place(place_id: int):
    """The objectives of the place's working groups (and those below it)."""
    place = db.get_or_404(Place, place_id, options=[db.joinedload(Place.landlord)])
    groups = dashboard.groups_below(place)
    authorize(permissions.can_view_place_dashboard(current_user, place, groups))
    board = dashboard.place_dashboard(current_user, place, local_date(utcnow()), groups)
    return render_template(
        "dashboard/place.html",
        place=place,
        board=board,
        ancestors=places.ancestors_by_id([place]),
    )
