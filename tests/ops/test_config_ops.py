"""Configuration for several processes: one generated secret, fast failures."""

from __future__ import annotations

import threading

from participation import config, create_app
from participation.config import PG_CONNECT_TIMEOUT


def test_workers_starting_at_once_all_read_the_same_generated_secret(tmp_path):
    """Eight workers generating the instance secret at the same instant end up with
    one key (else sessions signed by one would be refused by the others)."""
    barrier = threading.Barrier(8)
    keys: list[str] = []

    def start() -> None:
        barrier.wait()
        keys.append(config._instance_secret(tmp_path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgresql_connections_time_out_quickly_unless_configured(tmp_path):
    """A PostgreSQL URL gets a connect timeout; one given explicitly is kept."""

    def options(**engine_options):
        app = create_app(
            {
                "SECRET_KEY": "x" * 40,
                "DATABASE_URL": "postgresql://u@127.0.0.1:1/db",
                "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            },
            instance_path=str(tmp_path),
        )
        return app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]

    assert options() == {"connect_timeout": PG_CONNECT_TIMEOUT}
    assert options(connect_args={"connect_timeout": 1, "options": "-c x=1"}) == {
        "connect_timeout": 1,
        "options": "-c x=1",
    }
