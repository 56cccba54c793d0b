"""Health endpoint for load balancers and monitoring (/sante)."""

from flask import Blueprint

bp = Blueprint("health", __name__, url_prefix="/sante")

from participation.blueprints.health import views  # noqa: E402,F401
