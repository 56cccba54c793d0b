"""Objectives: indicator, measurements (one by one or from CSV), corrections, chart."""

from flask import Blueprint

bp = Blueprint("objectives", __name__)

from participation.blueprints.objectives import views  # noqa: E402,F401
