"""gunicorn settings for Faire avec: `gunicorn -c gunicorn.conf.py` (see README).

Every value can be changed by the environment: WEB_CONCURRENCY (worker processes),
GUNICORN_THREADS (threads per worker; more than 1 uses gthread workers),
GUNICORN_BIND (default 127.0.0.1:$PORT, PORT defaulting to 8000), GUNICORN_TIMEOUT,
LOG_LEVEL. Command-line options override this file.
"""

from __future__ import annotations

import os
import sys

wsgi_app = "participation:create_app()"

bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:" + os.environ.get("PORT", "8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1), 8))
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so that a slow leak never grows for ever.
max_requests = 10_000
max_requests_jitter = 1_000

# gunicorn's control socket lives at one fixed path per user: two instances on one
# machine would fight over it, and nothing here uses it.
control_socket_disable = True

# One JSON line per request comes from participation.observability: gunicorn's own
# access log (which prints the client address and the full URL) stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "participation.observability.JsonFormatter"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"level": loglevel.upper(), "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["stderr"],
            "propagate": False,
        },
        "gunicorn.access": {"handlers": [], "propagate": False},
        # Alembic's plugin list at import time is noise in a server log.
        "alembic": {"level": "WARNING"},
    },
}


def on_starting(server) -> None:
    """Refuse to start, with a short French explanation, if the database is down.

    Without this check every worker would boot, then answer each request with a
    server error and a long traceback in the log.
    """
    from participation import create_app
    from participation.database import DatabaseUnavailable, check_connection

    app = create_app()
    try:
        check_connection(
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config.get("SQLALCHEMY_ENGINE_OPTIONS"),
        )
    except DatabaseUnavailable as error:
        print(f"Faire avec ne démarre pas. {error}", file=sys.stderr, flush=True)
        sys.exit(1)
