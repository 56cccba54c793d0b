"""In-app notifications and the choice of which to receive."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from participation.blueprints.notifications import views  # noqa: E402,F401
