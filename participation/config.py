"""Configuration in layers: defaults, instance/config.py, PARTICIPATION_* variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

#: Seconds to wait for PostgreSQL to accept a connection.
PG_CONNECT_TIMEOUT = 5

#: A value nobody may run production with; also what tests and docs show.
INSECURE_SECRET = "change-me"  # noqa: S105  (refused, never used)


class DefaultConfig:
    """Defaults for a local, single-machine installation (SQLite in instance/)."""

    # Production mode turns on secure cookies, HSTS and refuses a weak secret.
    PRODUCTION = False
    SECRET_KEY: str | None = None

    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are
    # trusted (client address for rate limits, https scheme). 0: none.
    TRUSTED_PROXIES = 0

    REDIS_URL: str | None = None
    RATELIMIT_STORAGE_URI = "memory://"
    # If Redis goes away, count limits in each process's memory (a warning is
    # logged) and go back to Redis when it answers again; fail fast meanwhile.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS: dict = {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
    }
    RATELIMIT_HEADERS_ENABLED = True
    # Rendered fragments (participation.fragments): Redis when REDIS_URL is set,
    # else each process's memory; "NullCache" turns caching off.
    CACHE_TYPE: str | None = None
    CACHE_DEFAULT_TIMEOUT = 60 * 60
    CACHE_KEY_PREFIX = "faireavec:"
    CACHE_THRESHOLD = 2000  # entries kept per process without Redis
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_PASSWORD_RESET = "5 per minute;20 per hour"  # noqa: S105
    RATELIMIT_REGISTER = "10 per minute;60 per hour"
    # Writing in consultations (per client address; see TRUSTED_PROXIES).
    RATELIMIT_PROPOSAL = "5 per minute;30 per hour"
    RATELIMIT_COMMENT = "10 per minute;100 per hour"
    RATELIMIT_REPORT = "10 per minute;50 per hour"

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30

    WTF_CSRF_TIME_LIMIT = None  # a resident may take long to fill in a form

    # "outbox" writes .eml files to instance/outbox/; "smtp" sends for real.
    MAIL_BACKEND = "outbox"
    MAIL_SENDER = "Faire avec <ne-pas-repondre@faireavec.fr>"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None

    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a method name)
    PASSWORD_RESET_MAX_AGE = 60 * 60  # seconds
    ACCOUNT_SETUP_MAX_AGE = 7 * 24 * 60 * 60  # a new account's first password
    INVITATION_CODE_DAYS = 120
    PAGE_SIZE = 50
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # uploads: the CSV import takes 5 MB
    # Base URL printed on invitation letters and posters (QR codes); defaults to
    # the URL of the request that prints them.
    PUBLIC_BASE_URL: str | None = None


def load(app: Flask, overrides: dict | None) -> None:
    """Fill ``app.config`` from the layers, in order, then derive what follows."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PARTICIPATION")
    if overrides:
        app.config.update(overrides)
    _derive_database_uri(app)
    _derive_redis(app)
    _derive_secret_key(app)
    if app.config["PRODUCTION"]:
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )


def _derive_database_uri(app: Flask) -> None:
    uri = app.config.get("DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "participation.db")
    uri = normalise_database_uri(uri)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("postgresql"):
        # Fail within seconds, not minutes, when PostgreSQL does not answer.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {
            "connect_timeout": PG_CONNECT_TIMEOUT,
            **options.get("connect_args", {}),
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def normalise_database_uri(uri: str) -> str:
    """Point plain ``postgres(ql)://`` URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def _derive_redis(app: Flask) -> None:
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == (
        DefaultConfig.RATELIMIT_STORAGE_URI
    ):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]


def _derive_secret_key(app: Flask) -> None:
    key = app.config.get("SECRET_KEY")
    if app.config["PRODUCTION"]:
        if not app.config.get("PUBLIC_BASE_URL"):
            raise RuntimeError(
                "PARTICIPATION_PUBLIC_BASE_URL manquante : en production, les liens "
                "envoyés par e-mail et imprimés ne dépendent pas de l'en-tête Host."
            )
        if not key or key == INSECURE_SECRET or len(key) < 32:
            raise RuntimeError(
                "PARTICIPATION_SECRET_KEY manquante ou trop faible : en production, "
                "définissez une clé secrète d'au moins 32 caractères."
            )
        return
    if not key:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _instance_secret(instance: Path) -> str:
    """Read the generated secret from instance/, creating it on first run."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    # Several workers may start at once: write a temporary file, then link it into
    # place (atomic, fails if another worker won), and read whatever won.
    temporary = instance / f"secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()
