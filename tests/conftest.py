"""Shared fixtures: a real app on a real database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from participation import create_app
from participation.extensions import cache, db
from tests import factories

POSTGRES_URL = os.environ.get("PARTICIPATION_TEST_DATABASE_URL")


def pytest_report_header(config) -> str:
    if POSTGRES_URL:
        return f"database: PostgreSQL ({POSTGRES_URL})"
    return (
        "database: SQLite (set PARTICIPATION_TEST_DATABASE_URL to run the suite "
        "on PostgreSQL; PostgreSQL-only tests are skipped)"
    )


@pytest.fixture(scope="session")
def database() -> Iterator[tuple[str, dict]]:
    """A database for this run: a fresh PostgreSQL schema, or a SQLite file."""
    if not POSTGRES_URL:
        yield "sqlite://", {}  # replaced per test by a file in tmp_path
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as connection:  # fails loudly if PostgreSQL is unreachable
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    options = {
        "connect_args": {"options": f"-csearch_path={schema}"},
        "pool_pre_ping": True,
    }
    try:
        yield POSTGRES_URL, options
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


_created: set[str] = set()


def make_test_config(database_url: str, engine_options: dict, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "faireavec.test",
        # Per app, in memory: a Redis shared by tests would mix their databases.
        "CACHE_TYPE": "SimpleCache",
    }
    config.update(overrides)
    return config


@pytest.fixture
def make_app(database, tmp_path) -> Iterator:
    """Build an app on the test database, with config overrides; clean up after."""
    url, options = database
    if url == "sqlite://":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    apps: list[Flask] = []

    def build(**overrides) -> Flask:
        app = create_app(
            make_test_config(url, options, **overrides),
            instance_path=str(tmp_path / "instance"),
        )
        with app.app_context():
            if url not in _created or url.startswith("sqlite"):
                db.create_all()
                _created.add(url)
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests never share the test's app context.

    The ``app`` fixture keeps an app context pushed so that tests can use models and
    services directly. Flask would reuse that context (its ``g``, Flask-Login's
    cached user, the database session) for every request; running each request in
    an empty ``contextvars`` context gives it its own, as in production. Afterwards
    the test's own session forgets what it had loaded, so that it reads what the
    request committed.

    Streamed bodies (CSV/JSON exports) are read inside that context too
    (``buffered=True``): a generator left open would be closed later, outside the
    request's context. A test about streaming itself passes ``buffered=False``
    and reads the body before the response is closed.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """The app, with an app context pushed for direct use of models and services."""
    application = make_app()
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def world(app) -> factories.World:
    """A landlord with a small place tree, a partner organisation and one account of
    each role, plus the same for a second landlord (for isolation tests)."""
    return factories.build_world()


@pytest.fixture
def login(client):
    """Log a user in through the real login form."""

    def do(user, password: str = factories.PASSWORD):
        response = client.post(
            "/compte/connexion", data={"email": user.email, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a ``with`` block.

    Rendered fragments are forgotten first (``warm=True`` keeps them): a count
    measures the page as its first reader pays for it, whatever came before.
    """

    @contextmanager
    def counter(warm: bool = False):
        statements: list[str] = []
        if not warm:
            with app.app_context():
                cache.clear()

        def listener(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return counter
