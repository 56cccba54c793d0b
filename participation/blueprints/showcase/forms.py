"""Forms of the showcase: the public summary of an initiative."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class PublishForm(FlaskForm):
    """The summary visitors read first (Markdown); the service checks its length
    so that the message is the same everywhere."""

    summary = TextAreaField(_l("Résumé pour les visiteurs"))
