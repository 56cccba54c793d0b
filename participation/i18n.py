"""Languages and time zones: French first, English available, Europe/Paris."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_login import current_user

from participation.extensions import babel


def select_locale() -> str:
    """The account's language, else the one chosen this session, else French."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line, or a service called directly
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    """Plug Babel in with our locale selector."""
    babel.init_app(app, locale_selector=select_locale)
