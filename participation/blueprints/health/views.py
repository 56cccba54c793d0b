"""Views of the health blueprint: one JSON answer, no login, no personal data."""

from __future__ import annotations

from flask import current_app, jsonify

from participation import health
from participation.blueprints.health import bp
from participation.extensions import limiter


@bp.route("")
@limiter.exempt
def index():
    """Dependencies' state: 200 while the database answers (even with Redis down,
    the app keeps serving), 503 when it does not."""
    report = health.report(current_app)
    response = jsonify(report)
    response.status_code = 503 if report["database"] != "ok" else 200
    response.headers["Cache-Control"] = "no-store"
    return response
