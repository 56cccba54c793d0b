"""Forms of the resident pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class ApproveForm(FlaskForm):
    dwelling = SelectField(
        _l("Logement"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez le logement de cette personne."))],
    )


class RefuseForm(FlaskForm):
    reason = StringField(
        _l("Raison du refus (envoyée à la personne)"),
        validators=[
            DataRequired(_l("Indiquez la raison du refus.")),
            Length(max=300, message=_l("300 caractères au maximum.")),
        ],
    )
