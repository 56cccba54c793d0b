"""Working groups: charter, members, meetings and show-of-hands votes."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groupes")

from participation.blueprints.groups import views  # noqa: E402,F401
