"""Commitments of each party, the actions reported against them, scorecards."""

from flask import Blueprint

bp = Blueprint("commitments", __name__)

from participation.blueprints.commitments import views  # noqa: E402,F401
