"""The place tree: neighbourhoods, residences, buildings, entrances (staff)."""

from flask import Blueprint

bp = Blueprint("places", __name__, url_prefix="/lieux")

from participation.blueprints.places import views  # noqa: E402,F401
