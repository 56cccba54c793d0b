"""A clear French message, not a traceback, when PostgreSQL is unreachable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.ops.conftest import ROOT, free_port

UNREACHABLE = (
    "postgresql+psycopg://faireavec:s3cr3t-pw@"  # pragma: allowlist secret
    "127.0.0.1:1/faireavec"
)


def run(*command: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PARTICIPATION_DATABASE_URL": UNREACHABLE,
        "PARTICIPATION_SECRET_KEY": "x" * 40,
        "WEB_CONCURRENCY": "1",
    }
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "-b",
                "127.0.0.1:{port}",
            ],
            id="gunicorn",
        ),
        pytest.param(
            [sys.executable, "-m", "flask", "--app", "participation", "check-database"],
            id="flask-check-database",
        ),
    ],
)
def test_startup_names_the_server_hides_the_password_and_exits_non_zero(command):
    """Exit status 1, one paragraph naming host, port and database, what to check,
    the password replaced by ***, and no traceback."""
    result = run(*(part.format(port=free_port()) for part in command))

    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Impossible de se connecter à PostgreSQL sur 127.0.0.1:1" in output
    assert "base « faireavec »" in output and "Vérifiez" in output
    assert "s3cr3t-pw" not in output and "***" in output
    assert "Traceback" not in output
