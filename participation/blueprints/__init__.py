"""Blueprints: one package, one URL prefix and one template folder each."""

from __future__ import annotations

from flask import Flask

from participation.blueprints import (
    audit,
    auth,
    commitments,
    consultations,
    dashboard,
    dwellings,
    groups,
    health,
    main,
    notifications,
    objectives,
    organisations,
    places,
    proposals,
    residents,
    showcase,
    users,
    voting,
)


def init_app(app: Flask) -> None:
    """Register every blueprint."""
    for module in (
        main,
        auth,
        consultations,
        proposals,
        voting,
        notifications,
        organisations,
        places,
        dwellings,
        residents,
        users,
        groups,
        objectives,
        commitments,
        showcase,
        dashboard,
        health,
        audit,
    ):
        app.register_blueprint(module.bp)
