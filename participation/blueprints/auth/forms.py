"""Forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from participation.labels import LANGUAGES, choices
from participation.services.accounts import PASSWORD_MIN_LENGTH

EMAIL = [
    DataRequired(_l("Indiquez votre adresse e-mail.")),
    Email(
        _l("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).")
    ),
    Length(max=254),
]


def new_password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=128,
                message=_l("Le mot de passe doit contenir entre 12 et 128 caractères."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def confirm_field(other):
    return PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(_l("Retapez le mot de passe.")),
            EqualTo(other, _l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"), validators=EMAIL, render_kw={"autocomplete": "email"}
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Indiquez votre mot de passe."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté·e sur cet appareil"))


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Prénom ou pseudonyme"),
        validators=[
            DataRequired(_l("Indiquez comment vous appeler.")),
            Length(max=80, message=_l("80 caractères au maximum.")),
        ],
        render_kw={"autocomplete": "nickname"},
    )
    email = EmailField(
        _l("Adresse e-mail"), validators=EMAIL, render_kw={"autocomplete": "email"}
    )
    password = new_password_field(_l("Mot de passe"))
    password_confirm = confirm_field("password")
    code = StringField(
        _l("Code d'invitation"),
        validators=[Optional(), Length(max=40)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"), validators=EMAIL, render_kw={"autocomplete": "email"}
    )


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("Nouveau mot de passe"))
    password_confirm = confirm_field("password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Indiquez votre mot de passe actuel."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field(_l("Nouveau mot de passe"))
    password_confirm = confirm_field("new_password")


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Prénom ou pseudonyme"),
        validators=[
            DataRequired(_l("Indiquez comment vous appeler.")),
            Length(max=80, message=_l("80 caractères au maximum.")),
        ],
    )
    language = SelectField(_l("Langue"), choices=choices(LANGUAGES))


class ClaimCodeForm(FlaskForm):
    code = StringField(
        _l("Code d'invitation"),
        validators=[
            DataRequired(_l("Indiquez le code reçu par courrier.")),
            Length(max=40),
        ],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )


class VerificationForm(FlaskForm):
    place = SelectField(
        _l("Votre immeuble"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez votre immeuble."))],
    )
    details = StringField(
        _l("Étage, numéro de porte, nom sur la boîte aux lettres"),
        validators=[
            DataRequired(
                _l("Ces précisions aident l'équipe à trouver votre logement.")
            ),
            Length(max=300, message=_l("300 caractères au maximum.")),
        ],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(_l("Indiquez votre mot de passe pour confirmer."))],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("J'ai compris : la suppression est définitive."),
        validators=[DataRequired(_l("Cochez la case pour confirmer la suppression."))],
    )
