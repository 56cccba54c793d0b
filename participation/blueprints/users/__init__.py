"""Accounts and roles (admins)."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/utilisateurs")

from participation.blueprints.users import views  # noqa: E402,F401
