"""Sessions: Flask-Login, keyed on each account's rotating login token."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from participation.extensions import db, login_manager
from participation.models import User


def init_app(app: Flask) -> None:
    """Tell Flask-Login how to find the user behind a session cookie."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(login_token: str) -> User | None:
    """The active account whose current login token the cookie carries."""
    user = db.session.scalar(db.select(User).filter_by(login_token=login_token))
    return user if user is not None and user.active else None
