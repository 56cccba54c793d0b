"""Health checks for load balancers and monitoring: database, Redis, rate limits."""

from __future__ import annotations

import logging

import redis
from flask import Flask, current_app
from limits.storage import MemoryStorage
from sqlalchemy import text

from participation.extensions import db, limiter

log = logging.getLogger(__name__)

#: Seconds a health probe waits for Redis (connect, then answer).
REDIS_TIMEOUT = 0.5
#: Milliseconds PostgreSQL may spend on the probe's statement.
DATABASE_TIMEOUT_MS = 2000


def report(app: Flask) -> dict[str, str]:
    """Check each dependency; ``status`` is ``ok``, ``degraded`` or ``error``.

    ``degraded`` means the app still serves everything but rate limits are kept
    per process (Redis unreachable); ``error`` means the database does not answer.
    """
    database = check_database()
    redis_state = check_redis(app)
    limits = rate_limit_storage()
    if database != "ok":
        status = "error"
    elif redis_state == "error" or (limits == "memory" and redis_state != "absent"):
        status = "degraded"
    else:
        status = "ok"
    return {
        "status": status,
        "database": database,
        "redis": redis_state,
        "rate_limits": limits,
    }


def check_database() -> str:
    """``ok`` when the database runs a statement, else ``error`` (logged)."""
    try:
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_MS}")
                )
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver failure means "not answering"
        log.warning("health: database unreachable (%s)", type(error).__name__)
        return "error"
    return "ok"


def check_redis(app: Flask) -> str:
    """``ok`` when Redis answers PING, ``absent`` when none is configured."""
    client = redis_client(app)
    if client is None:
        return "absent"
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        log.warning("health: redis unreachable (%s)", type(error).__name__)
        return "error"
    return "ok"


def redis_client(app: Flask) -> redis.Redis | None:
    """This process's client for the health probe (short timeouts), or None."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("health_redis")
    if client is None:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
        )
        app.extensions["health_redis"] = client
    return client


def rate_limit_storage() -> str:
    """Where rate limits are counted now: ``redis`` (shared) or ``memory``.

    Flask-Limiter has no public flag for its in-memory fallback; ``_storage_dead``
    is the attribute it switches when the shared storage fails and back when it
    answers again.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return "disabled"
    if getattr(limiter, "_storage_dead", False):
        return "memory"
    if isinstance(limiter.storage, MemoryStorage):
        return "memory"
    return "redis"
