"""Configuration layers, the generated secret and production safety."""

from __future__ import annotations

import pytest

from participation import create_app
from participation.config import normalise_database_uri


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    """Without configuration the database is SQLite inside instance/."""
    monkeypatch.delenv("PARTICIPATION_DATABASE_URL", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'participation.db'}"
    )


def test_a_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    """The first run writes instance/secret_key; later runs read the same key."""
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert len(first) >= 32
    assert first == second == (tmp_path / "secret_key").read_text()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_instance_config_file_overrides_defaults(tmp_path):
    (tmp_path / "config.py").write_text('PAGE_SIZE = 7\nMAIL_BACKEND = "smtp"\n')
    app = create_app(instance_path=str(tmp_path))
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["MAIL_BACKEND"] == "smtp"


def test_environment_variables_override_the_instance_file(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("PAGE_SIZE = 7\n")
    monkeypatch.setenv("PARTICIPATION_PAGE_SIZE", "9")
    monkeypatch.setenv("PARTICIPATION_DATABASE_URL", "postgresql://u@db:5432/fa")
    monkeypatch.setenv("PARTICIPATION_REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["PAGE_SIZE"] == 9
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/fa"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize("secret", [None, "change-me", "short"])
def test_production_refuses_a_missing_default_or_weak_secret(tmp_path, secret):
    config = {"PRODUCTION": True, "SECRET_KEY": secret, "PUBLIC_BASE_URL": "https://x"}
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config, instance_path=str(tmp_path))
    assert not (tmp_path / "secret_key").exists()


def test_production_hardens_cookies(tmp_path):
    app = create_app(
        {"PRODUCTION": True, "SECRET_KEY": "k" * 48, "PUBLIC_BASE_URL": "https://x"},
        instance_path=str(tmp_path),
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a@h/db", "postgresql+psycopg://a@h/db"),
        ("postgresql://a@h/db", "postgresql+psycopg://a@h/db"),
        ("postgresql+psycopg://a@h/db", "postgresql+psycopg://a@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg_3(given, expected):
    assert normalise_database_uri(given) == expected


def test_production_refuses_to_build_links_from_the_host_header(tmp_path):
    """Reset links must not follow a forged Host: production needs a base URL."""
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(
            {"PRODUCTION": True, "SECRET_KEY": "k" * 48}, instance_path=str(tmp_path)
        )


def test_every_sqlite_connection_is_tuned(tmp_path):
    """WAL with synchronous=NORMAL, foreign keys and a busy timeout, on each
    connection of the pool (PRAGMAs are per connection)."""
    import sqlalchemy as sa

    from participation.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context(), db.engine.connect() as connection:
        pragma = lambda name: connection.execute(sa.text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 5000
        assert pragma("synchronous") == 1  # NORMAL
        assert pragma("temp_store") == 2  # MEMORY
    with app.app_context():
        db.engine.dispose()
