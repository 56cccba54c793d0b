"""Forms of the place pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class PlaceForm(FlaskForm):
    name = StringField(
        _l("Nom"),
        validators=[
            DataRequired(_l("Indiquez un nom.")),
            Length(max=120, message=_l("120 caractères au maximum.")),
        ],
    )
    address = StringField(
        _l("Adresse"),
        validators=[Length(max=200, message=_l("200 caractères au maximum."))],
        default="",  # an omitted optional field is empty, not None
    )


class TerritoryForm(PlaceForm):
    landlord = SelectField(_l("Bailleur"), coerce=int)


class LettersForm(FlaskForm):
    only_vacant = BooleanField(
        _l("Seulement les logements sans habitant·e vérifié·e"), default=True
    )
    replace_valid = BooleanField(
        _l(
            "Remplacer aussi les codes encore valables (les courriers déjà "
            "distribués ne fonctionneront plus)"
        ),
        default=False,
    )
