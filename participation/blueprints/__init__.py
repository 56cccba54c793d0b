"""Blueprints: one package, one URL prefix and one template folder each."""

from __future__ import annotations

from flask import Flask

from participation.blueprints import (
    auth,
    dwellings,
    main,
    organisations,
    places,
    residents,
    users,
)


def init_app(app: Flask) -> None:
    """Register every blueprint."""
    for module in (main, auth, organisations, places, dwellings, residents, users):
        app.register_blueprint(module.bp)
