"""Rendered fragments kept in a cache that every process shares (Redis when
``REDIS_URL`` is set, else each process's memory, through Flask-Caching).

A fragment is keyed by what it shows: its consultation or objective and that
one's ``revision`` (moved by every change it could show, see
``participation.revisions``), the language,
the templates and translations of this release, and the caller's own parts
(filters, page, phase). Nothing is ever invalidated by hand and nothing is
served stale; entries simply expire after ``CACHE_DEFAULT_TIMEOUT``.

Only what is the same for every reader is cached: never a form, a CSRF token or
anything that depends on who reads. The cache is an accelerator, not a store: if
it fails (Redis gone), pages are rendered as if it were empty, a warning is
logged once, and the cache is tried again a few seconds later.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from flask_babel import get_locale
from markupsafe import Markup

from participation.extensions import cache
from participation.models import Consultation, Objective

#: What fragments belong to: it has an id, a created_at and a revision.
Owner = Consultation | Objective

log = logging.getLogger(__name__)

#: Seconds without the cache after it failed, before trying it again.
RETRY_AFTER = 5.0

PACKAGE = Path(__file__).parent


@dataclass
class _State:
    build: str  # templates and translations of this release
    down_until: float = 0.0  # monotonic time; 0: the cache answers


def init_app(app: Flask) -> None:
    """Configure Flask-Caching from ``REDIS_URL`` unless ``CACHE_TYPE`` is set."""
    config = app.config
    if not config.get("CACHE_TYPE"):
        redis = bool(config.get("REDIS_URL"))
        config["CACHE_TYPE"] = "RedisCache" if redis else "SimpleCache"
    if config["CACHE_TYPE"] == "RedisCache":
        config.setdefault("CACHE_REDIS_URL", config.get("REDIS_URL"))
        config.setdefault("CACHE_OPTIONS", dict(config["RATELIMIT_STORAGE_OPTIONS"]))
    cache.init_app(app)
    app.extensions["fragments"] = _State(build=release_fingerprint())


def release_fingerprint(
    folders: Iterable[Path] = (PACKAGE / "templates", PACKAGE / "translations"),
) -> str:
    """A digest of every template and translation file: a new release never
    reads fragments rendered by the previous one."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".html", ".txt", ".mo"}:
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key(name: str, owner: Owner, parts: tuple) -> str:
    """The cache key of fragment ``name`` of ``owner`` for ``parts``.

    ``created_at`` joins the id so that a database recreated with the same ids
    (a reseeded demo, a benchmark) never meets the previous one's fragments.
    """
    state: _State = current_app.extensions["fragments"]
    identity = repr(
        (
            state.build,
            str(get_locale()),
            owner.created_at.isoformat(),
            owner.revision,
            parts,
        )
    )
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"fragment:{name}:{owner.id}:{digest}"


def fragment(
    name: str, owner: Owner, parts: tuple, render: Callable[[], str]
) -> Markup:
    """The cached HTML of fragment ``name``, or ``render()`` stored for the next
    reader. ``parts`` are everything else the HTML depends on (hashable reprs)."""
    state: _State = current_app.extensions["fragments"]
    cache_key = key(name, owner, parts)
    if time.monotonic() >= state.down_until:
        try:
            html = cache.get(cache_key)
        except Exception as error:  # any backend failure: render without cache
            _failed(state, error)
        else:
            if state.down_until:
                state.down_until = 0.0
                log.warning("fragment cache available again")
            if html is not None:
                return Markup(html)  # noqa: S704  # nosec B704 (rendered by Jinja)
    html = str(render())
    if time.monotonic() >= state.down_until:
        try:
            cache.set(cache_key, html)
        except Exception as error:
            _failed(state, error)
    return Markup(html)  # noqa: S704  # nosec B704 (rendered by Jinja)


def _failed(state: _State, error: Exception) -> None:
    if not state.down_until:
        name = type(error).__name__
        log.warning("fragment cache unavailable (%s); rendering without it", name)
    state.down_until = time.monotonic() + RETRY_AFTER
