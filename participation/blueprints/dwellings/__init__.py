"""Dwellings: listing, editing and importing from CSV (staff)."""

from flask import Blueprint

bp = Blueprint("dwellings", __name__, url_prefix="/logements")

from participation.blueprints.dwellings import views  # noqa: E402,F401
