"""Redis goes away while the app runs: it keeps serving, rate limits fall back to
this process's memory with a logged warning, and go back to Redis when it returns."""

from __future__ import annotations

import logging
import time

import pytest

from participation.extensions import limiter
from tests.ops.conftest import keys_with

LOGIN = "/compte/connexion"
WRONG = {"email": "personne@example.fr", "password": "mauvais mot de passe"}


@pytest.fixture
def app_behind_proxy(make_app, redis_proxy, key_prefix):
    """An app whose Redis (rate limits, health) is reached through the proxy."""
    app = make_app(
        REDIS_URL=f"redis://127.0.0.1:{redis_proxy.port}/0",
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=key_prefix,
        RATELIMIT_LOGIN="3 per minute",
    )
    yield app
    # The limiter is one object per process: never leave it believing Redis dead
    # for the tests that follow, whatever happened here.
    limiter._storage_dead = False


def attempts(client, address: str, count: int) -> list[int]:
    """``count`` failed logins from ``address``; their status codes."""
    return [
        client.post(
            LOGIN, data=WRONG, environ_base={"REMOTE_ADDR": address}
        ).status_code
        for _ in range(count)
    ]


def health(client) -> dict:
    response = client.get("/sante")
    assert response.status_code == 200
    return response.get_json()


def test_rate_limits_survive_a_redis_outage_and_come_back(
    app_behind_proxy, redis_proxy, redis_url, key_prefix, caplog
):
    client = app_behind_proxy.test_client()
    caplog.set_level(logging.INFO, logger="flask-limiter")

    # Redis up: the fourth attempt is refused, and the count lives in Redis.
    assert attempts(client, "10.20.0.1", 4) == [200, 200, 200, 429]
    assert keys_with(redis_url, key_prefix, "10.20.0.1")
    assert health(client) == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "rate_limits": "redis",
    }

    # Redis gone: pages are still served, the limit still applies (from memory),
    # a warning is logged and the health endpoint says so.
    redis_proxy.close()
    assert client.get("/").status_code == 200
    assert attempts(client, "10.20.0.2", 4) == [200, 200, 200, 429]
    assert any(
        r.levelno == logging.WARNING and "falling back to in-memory" in r.getMessage()
        for r in caplog.records
    )
    assert health(client) == {
        "status": "degraded",
        "database": "ok",
        "redis": "error",
        "rate_limits": "memory",
    }

    # Redis back: within the limiter's back-off (seconds), counts are shared again.
    redis_proxy.open()
    deadline = time.monotonic() + 45
    while health(client)["rate_limits"] != "redis":
        assert time.monotonic() < deadline, "rate limits never went back to Redis"
        client.get("/")  # a request to a limited page makes the limiter retry
        time.sleep(0.25)
    assert health(client)["status"] == "ok"
    assert attempts(client, "10.20.0.3", 4) == [200, 200, 200, 429]
    assert keys_with(redis_url, key_prefix, "10.20.0.3")
    # What was counted during the outage stayed in this process.
    assert not keys_with(redis_url, key_prefix, "10.20.0.2")
