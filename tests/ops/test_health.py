"""The health endpoint: no login, no personal data, 503 only when the database is
down, never rate-limited."""

from __future__ import annotations

import pytest

from participation import create_app
from participation.extensions import limiter
from tests.conftest import make_test_config


def test_health_answers_ok_without_login_cookie_or_personal_data(client, world):
    """Anonymous GET /sante: 200, JSON state of each dependency, no cookie set."""
    response = client.get("/sante")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "redis": "absent",
        "rate_limits": "disabled",
    }
    body = response.get_data(as_text=True)
    assert world.resident.email not in body


def test_health_answers_503_when_the_database_does_not(tmp_path):
    """A database that refuses connections makes the endpoint answer 503, fast."""
    app = create_app(
        make_test_config(
            "postgresql+psycopg://nobody:secret@"  # pragma: allowlist secret
            "127.0.0.1:1/nothing",
            {"connect_args": {"connect_timeout": 2}},
        ),
        instance_path=str(tmp_path / "instance"),
    )

    response = app.test_client().get("/sante")

    assert response.status_code == 503
    assert response.get_json()["database"] == "error"
    assert response.get_json()["status"] == "error"
    assert "secret" not in response.get_data(as_text=True)


def test_health_reports_redis_down_as_degraded_but_still_200(make_app):
    """Redis configured but unreachable: the app keeps serving, so 200, degraded."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")

    response = app.test_client().get("/sante")

    assert response.status_code == 200
    assert response.get_json()["redis"] == "error"
    assert response.get_json()["status"] == "degraded"


@pytest.mark.parametrize("path, limited", [("/sante", False), ("/", True)])
def test_health_is_exempt_from_rate_limits(make_app, path, limited):
    """With a default limit of 2 a minute, the home page answers 429 on the third
    request but the health endpoint never does."""
    # Flask-Limiter keeps default limits on its (process-wide) limiter once set:
    # put the previous ones back, or every later app would inherit this one.
    previous = list(limiter.limit_manager._default_limits)
    try:
        app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
        client = app.test_client()
        address = {"REMOTE_ADDR": f"10.9.{int(limited)}.1"}
        statuses = [
            client.get(path, environ_base=address).status_code for _ in range(4)
        ]
    finally:
        limiter.limit_manager.set_default_limits(previous)

    assert (429 in statuses) is limited
