"""Forms of the account management pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from participation.labels import ROLES, choices


class UserForm(FlaskForm):
    display_name = StringField(
        _l("Nom affiché"),
        validators=[
            DataRequired(_l("Indiquez un nom.")),
            Length(max=80, message=_l("80 caractères au maximum.")),
        ],
    )
    role = SelectField(_l("Rôle"), choices=choices(ROLES))
    organisation = SelectField(_l("Organisation"), coerce=int)
    active = BooleanField(_l("Compte actif"), default=True)


class NewUserForm(UserForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(_l("Indiquez l'adresse e-mail.")),
            Email(_l("Cette adresse e-mail n'est pas valide.")),
            Length(max=254),
        ],
    )
