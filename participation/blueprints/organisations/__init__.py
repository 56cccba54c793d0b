"""Organisations: the landlords and their partners (admins)."""

from flask import Blueprint

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

from participation.blueprints.organisations import views  # noqa: E402,F401
