"""Voting in a consultation: ballots, paper ballots, results, outcome, exports."""

from flask import Blueprint

bp = Blueprint("voting", __name__, url_prefix="/consultations/<int:consultation_id>")

from participation.blueprints.voting import views  # noqa: E402,F401
