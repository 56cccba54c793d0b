"""Residents: verification requests and verified residents (staff)."""

from flask import Blueprint

bp = Blueprint("residents", __name__, url_prefix="/habitants")

from participation.blueprints.residents import views  # noqa: E402,F401
