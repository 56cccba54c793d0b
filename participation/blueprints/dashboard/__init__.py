"""Place dashboards: how a place's objectives are doing."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from participation.blueprints.dashboard import views  # noqa: E402,F401
