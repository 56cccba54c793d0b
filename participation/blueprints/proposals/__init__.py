"""Proposals: submitting, editing, discussing, reporting and moderating them."""

from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/propositions")

from participation.blueprints.proposals import views  # noqa: E402,F401
