"""Faire avec: tenant participation and co-design for social housing."""

from __future__ import annotations

from flask import Flask


def create_app(
    test_config: dict | None = None, instance_path: str | None = None
) -> Flask:
    """Build the application: each concern plugs itself in with ``init_app``.

    ``test_config`` overrides every other configuration layer; ``instance_path``
    moves the instance folder (tests use a temporary one).
    """
    from participation import (
        auth_setup,
        blueprints,
        cli,
        config,
        database,
        errors,
        fragments,
        i18n,
        observability,
        security,
        templating,
    )

    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    config.load(app, test_config)
    observability.init_app(app)
    database.init_app(app)
    fragments.init_app(app)
    auth_setup.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    blueprints.init_app(app)
    cli.init_app(app)
    return app
