"""Sessions: Flask-Login, keyed on each account's rotating login token."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from participation.extensions import db, login_manager
from participation.models import Dwelling, Residency, User


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
    # Eligibility checks walk the residencies to their places: when they are
    # first read, one query brings them all, not one query per home.
    homes = db.defaultload(User.residencies).joinedload(Residency.dwelling)
    user = db.session.scalar(
        db.select(User)
        .filter_by(login_token=login_token)
        .options(homes.joinedload(Dwelling.place))
        # The page may have loaded this account already (as an author).
        .execution_options(populate_existing=True)
    )
    return user if user is not None and user.active else None
