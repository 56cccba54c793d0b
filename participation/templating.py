"""What every template can use: permission predicates, labels, date filters."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from participation import labels, text
from participation.permissions import TEMPLATE_PREDICATES


def init_app(app: Flask) -> None:
    """Expose predicates and labels; show dates in Europe/Paris."""
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    app.jinja_env.globals["labels"] = labels
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="long": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["user_html"] = text.user_html
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
