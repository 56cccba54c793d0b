"""Forms of the showcase: the public summary of an initiative, and the staff's
word that the texts made public were read for personal data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField


class PublishForm(FlaskForm):
    """The summary visitors read first (Markdown); the service checks its length
    and the review box so that the messages are the same everywhere."""

    summary = TextAreaField(_l("Résumé pour les visiteurs"))
    reviewed = BooleanField(
        _l(
            "J'ai relu ces textes : ils ne contiennent aucune donnée personnelle "
            "(nom, adresse, téléphone…)"
        )
    )
