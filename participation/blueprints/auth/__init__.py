"""Accounts: sign-up, log-in, password reset, profile and verification."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/compte")

from participation.blueprints.auth import views  # noqa: E402,F401
