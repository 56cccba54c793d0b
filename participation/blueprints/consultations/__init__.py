"""Consultations: the public list and page, and the staff's tools to run them."""

from flask import Blueprint

bp = Blueprint("consultations", __name__, url_prefix="/consultations")

from participation.blueprints.consultations import views  # noqa: E402,F401
