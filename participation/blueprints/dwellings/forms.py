"""Forms of the dwelling pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class DwellingForm(FlaskForm):
    reference = StringField(
        _l("Référence du logement"),
        validators=[
            DataRequired(_l("Indiquez la référence du logement.")),
            Length(max=64, message=_l("64 caractères au maximum.")),
        ],
    )
    label = StringField(
        _l("Description"),
        validators=[Length(max=120, message=_l("120 caractères au maximum."))],
        default="",  # an omitted optional field is empty, not None
    )
    place = SelectField(_l("Bâtiment ou entrée"), coerce=int)


class ImportForm(FlaskForm):
    landlord = SelectField(_l("Bailleur"), coerce=int)
    file = FileField(
        _l("Fichier CSV"),
        validators=[
            FileRequired(_l("Choisissez un fichier CSV.")),
            FileAllowed(
                ["csv", "txt"], _l("Le fichier doit être au format CSV (.csv).")
            ),
        ],
    )
