"""Request logging: one JSON line per request, without personal data."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request

#: The logger of the per-request lines (configured by gunicorn.conf.py).
ACCESS_LOGGER = "participation.access"

#: A request id sent by a proxy is kept only if it looks like one (no log injection).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

#: The ``LogRecord`` attributes every record has; anything else is an ``extra`` field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format every record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _STANDARD
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def init_app(app: Flask) -> None:
    """Time every request, give it an id, and log one line when it ends."""
    app.before_request(_start)
    app.after_request(_log)


def _start() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def _log(response: Response) -> Response:
    """Log method, route rule (never the raw URL), status, duration and size.

    No address, account, query string or form data: the line carries nothing
    that identifies a person.
    """
    started = g.get("request_started")
    if started is None:  # a request that failed before its first hook
        return response
    rule = request.url_rule.rule if request.url_rule else None
    duration = (time.perf_counter() - started) * 1000
    response.headers.setdefault("X-Request-ID", g.request_id)
    logging.getLogger(ACCESS_LOGGER).info(
        "%s %s %s",
        request.method,
        rule or "-",
        response.status_code,
        extra={
            "request_id": g.request_id,
            "method": request.method,
            "route": rule,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round(duration, 2),
            # Never ask a streamed body its length: Werkzeug would read the whole
            # generator into memory before the first byte is sent.
            "bytes": None
            if response.is_streamed
            else response.calculate_content_length(),
            "streamed": response.is_streamed,
        },
    )
    return response
