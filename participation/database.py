"""Database wiring: Flask-SQLAlchemy, Flask-Migrate and SQLite connection settings."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from participation.extensions import db, migrate

MIGRATIONS = Path(__file__).parent / "migrations"


def init_app(app: Flask) -> None:
    """Bind the database and migrations; tune every SQLite connection."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from participation import models, revisions  # noqa: F401  (register the tables)

    revisions.init()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    app.cli.add_command(check_database_command)


class DatabaseUnavailable(Exception):
    """The database does not answer; the message says, in French, what to check."""


#: Seconds to wait for PostgreSQL to accept a connection before giving up.
CONNECT_TIMEOUT = 5


def check_connection(uri: str, engine_options: dict | None = None) -> None:
    """Open one connection and run ``SELECT 1``.

    :raises DatabaseUnavailable: with a one-paragraph French explanation naming
        the host, port and database (never the password) and what to check.
    """
    if not uri.startswith("postgresql"):
        return  # SQLite: the file is created on demand
    options = dict(engine_options or {})
    connect_args = {
        "connect_timeout": CONNECT_TIMEOUT,
        **options.pop("connect_args", {}),
    }
    options.pop("pool_pre_ping", None)
    engine = sa.create_engine(uri, connect_args=connect_args, **options)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as error:
        raise DatabaseUnavailable(unreachable_message(uri, error.orig)) from None
    finally:
        engine.dispose()


def unreachable_message(uri: str, cause: BaseException | None) -> str:
    """What went wrong and what to check, with the password hidden."""
    url = make_url(uri)
    reason = " ".join(line.strip() for line in str(cause or "").splitlines()[:2])
    return (
        f"Impossible de se connecter à PostgreSQL sur {url.host or 'localhost'}:"
        f"{url.port or 5432}, base « {url.database} », utilisateur "
        f"« {url.username} » ({url.render_as_string(hide_password=True)}). "
        "Vérifiez que le serveur PostgreSQL est démarré et accepte les connexions "
        "sur cet hôte et ce port (pare-feu, listen_addresses, pg_hba.conf), que la "
        "base existe et que l'utilisateur et le mot de passe donnés par "
        "PARTICIPATION_DATABASE_URL sont les bons."
        + (f" Cause : {reason}" if reason else "")
    )


def create_database_if_missing(uri: str) -> bool:
    """Create the PostgreSQL database named by ``uri`` if it does not exist.

    Connects to the server's ``postgres`` database to do so; returns True when
    it created the database.

    :raises DatabaseUnavailable: when the server does not answer.
    """
    url = make_url(uri)
    if not url.drivername.startswith("postgresql") or not url.database:
        return False
    server = url.set(database="postgres")
    engine = sa.create_engine(
        server,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": url.database},
            )
            if exists:
                return False
            quoted = connection.dialect.identifier_preparer.quote(url.database)
            connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
            return True
    except sa.exc.DBAPIError as error:
        raise DatabaseUnavailable(unreachable_message(uri, error.orig)) from None
    finally:
        engine.dispose()


@click.command("check-database")
@click.option(
    "--create", is_flag=True, help="Create the PostgreSQL database if it is missing."
)
def check_database_command(create: bool) -> None:
    """Check that the configured database answers, or explain what to check.

    Exits with status 1 and a short French message (password hidden) when the
    database is unreachable. With --create, creates a missing PostgreSQL database
    first (its server must answer and the user may create databases).
    """
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        if create and create_database_if_missing(uri):
            click.echo(f"Base de données créée : {make_url(uri).database}")
        check_connection(uri, current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS"))
    except DatabaseUnavailable as error:
        raise click.ClickException(str(error)) from None
    click.echo("Base de données joignable.")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # With WAL, NORMAL stays safe from corruption and spares an fsync per commit
    # (a power cut may lose the last commits, never the database).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
    # SQLite's lower() folds ASCII only; names like "Étoile" must match "ÉTOILE"
    # as they do on PostgreSQL.
    dbapi_connection.create_function(
        "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
    )
