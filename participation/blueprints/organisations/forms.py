"""Forms of the organisation pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from participation.labels import ORGANISATION_KINDS, choices


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Nom"),
        validators=[
            DataRequired(_l("Indiquez le nom de l'organisation.")),
            Length(max=120, message=_l("120 caractères au maximum.")),
        ],
    )
    kind = SelectField(
        _l("Type"), choices=choices(ORGANISATION_KINDS)
    )  # narrowed per user
