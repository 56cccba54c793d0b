"""Structured request logs: one JSON line per request, nothing that identifies a
person."""

from __future__ import annotations

import json
import logging

from participation.observability import ACCESS_LOGGER, JsonFormatter
from tests import factories


def access_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS_LOGGER]


def test_one_line_per_request_with_rule_status_duration_size_and_id(
    client, world, caplog
):
    """The line names the route rule (not the URL with its ids and query string),
    the status, the duration, the size and the id echoed in X-Request-ID."""
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    response = client.get(f"/lieux/{world.territory.id}?secret=1")

    [record] = access_records(caplog)
    assert record.method == "GET"
    assert record.route == "/lieux/<int:place_id>"
    assert record.status == response.status_code
    assert record.duration_ms >= 0
    assert record.bytes == len(response.get_data())
    assert record.request_id == response.headers["X-Request-ID"]
    line = JsonFormatter().format(record)
    assert "secret" not in line
    assert str(world.territory.id) not in json.loads(line)["route"]


def test_a_login_is_logged_without_address_email_or_form_data(client, world, caplog):
    """A login POST logs neither the client address, the email, the password nor
    the account."""
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    client.post(
        "/compte/connexion",
        data={"email": world.resident.email, "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )

    [record] = access_records(caplog)
    line = JsonFormatter().format(record)
    assert record.route == "/compte/connexion" and record.status == 302
    for secret in (
        "203.0.113.77",
        world.resident.email,
        factories.PASSWORD,
        world.resident.display_name,
    ):
        assert secret not in line
    assert set(json.loads(line)) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "route",
        "endpoint",
        "status",
        "duration_ms",
        "bytes",
        "streamed",
    }


def test_unknown_pages_and_errors_are_logged_too(client, caplog):
    """A 404 has no route rule: the line says so instead of copying the URL."""
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    client.get("/nulle-part/42")

    [record] = access_records(caplog)
    assert record.status == 404 and record.route is None
    assert "nulle-part" not in JsonFormatter().format(record)


def test_a_request_id_from_the_proxy_is_kept_only_if_well_formed(client, caplog):
    """A sane X-Request-ID is reused; a forged one (log injection) is replaced."""
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    kept = client.get("/sante", headers={"X-Request-ID": "abc-123-def-456"})
    forged = client.get("/sante", headers={"X-Request-ID": 'x" {"level":"ERROR"}'})

    assert kept.headers["X-Request-ID"] == "abc-123-def-456"
    assert "ERROR" not in forged.headers["X-Request-ID"]
    assert [r.request_id for r in access_records(caplog)][0] == "abc-123-def-456"


def test_the_json_formatter_writes_one_parseable_line_with_extras():
    """Extras become fields; exceptions are kept inside the one line."""
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "échec %s", ("ici",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    record.route = "/a"

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "échec ici" and entry["route"] == "/a"
    assert "ValueError: boom" in entry["exception"]


def test_a_streamed_response_is_logged_without_reading_its_body(make_app, caplog):
    """The log hook runs before the body is sent: asking a streamed response its
    length would read the whole generator into memory before the first byte."""
    app = make_app()
    produced: list[int] = []

    def rows():
        for number in range(1000):
            produced.append(number)
            yield f"{number}\n"

    app.add_url_rule("/flux", "flux", lambda: app.response_class(rows()))
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    response = app.test_client().get("/flux", buffered=False)

    [record] = access_records(caplog)
    assert (record.streamed, record.bytes) == (True, None)
    # At most the first chunk (which the test client reads to start the
    # response) was generated before the body is read.
    assert len(produced) <= 1
    assert response.get_data(as_text=True).count("\n") == 1000
    response.close()
