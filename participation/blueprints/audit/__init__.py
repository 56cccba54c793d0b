"""The audit log: who did what, for staff (their landlord) and admins (all)."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/journal")

from participation.blueprints.audit import views  # noqa: E402,F401
