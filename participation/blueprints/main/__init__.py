"""Home page and language choice."""

from flask import Blueprint

bp = Blueprint("main", __name__, url_prefix="")

from participation.blueprints.main import views  # noqa: E402,F401
