"""Forms of the consultation pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from participation import labels
from participation.timeutil import PARIS

#: The browser sends and shows ``datetime-local`` values as Paris wall time.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class ParisDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input in Paris time; ``data`` is an aware datetime."""

    def process_formdata(self, valuelist):
        # WTForms would re-label the zone of a value it did not receive (a
        # disabled input): keep that value as it is.
        if valuelist and not "".join(valuelist).strip():
            self.data = None  # left empty: RequiredDateTime says so
        elif valuelist:
            super().process_formdata(valuelist)


class RequiredDateTime:
    """A date is needed; an unreadable one keeps its own message."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(_l("Indiquez une date et une heure."))


def paris_datetime(label) -> ParisDateTimeField:
    """A date and time typed in Paris time."""
    return ParisDateTimeField(
        label,
        tz=PARIS,
        format=DATETIME_FORMATS,
        invalid_value_message=_l("Indiquez une date et une heure valides."),
        validators=[RequiredDateTime()],
    )


class ConsultationForm(FlaskForm):
    title = StringField(
        _l("Titre"),
        validators=[
            DataRequired(_l("Donnez un titre.")),
            Length(max=160, message=_l("160 caractères au maximum.")),
        ],
    )
    summary = TextAreaField(
        _l("Résumé"),
        validators=[
            DataRequired(_l("Écrivez un court résumé.")),
            Length(max=400, message=_l("400 caractères au maximum.")),
        ],
    )
    body = TextAreaField(
        _l("Présentation détaillée"),
        validators=[Length(max=20000, message=_l("20 000 caractères au maximum."))],
        default="",
    )
    theme = SelectField(_l("Thème"), choices=labels.choices(labels.THEMES))
    opens_at = paris_datetime(_l("Ouverture du recueil des idées"))
    voting_opens_at = paris_datetime(_l("Début du vote"))
    voting_closes_at = paris_datetime(_l("Fin du vote"))
    follow_up_at = paris_datetime(_l("Début du suivi"))
    method = SelectField(
        _l("Mode de vote"), choices=labels.choices(labels.VOTING_METHODS)
    )
    max_choices = IntegerField(
        _l("Nombre de choix par bulletin"),
        validators=[
            Optional(),
            NumberRange(min=1, max=20, message=_l("Entre 1 et 20.")),
        ],
        default=3,
    )
    budget = IntegerField(
        _l("Budget disponible (en euros)"),
        validators=[
            Optional(),
            NumberRange(min=1, message=_l("Un montant positif, en euros.")),
        ],
    )
    voter_unit = RadioField(
        _l("Qui vote ?"), choices=labels.choices(labels.VOTER_UNITS), default="dwelling"
    )
    quorum_percent = IntegerField(
        _l("Quorum (en pourcentage des votants possibles)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message=_l("Un pourcentage entre 1 et 100.")),
        ],
    )
    live_results = BooleanField(_l("Afficher les résultats en direct pendant le vote"))


class NewConsultationForm(ConsultationForm):
    place = SelectField(_l("Lieu concerné"), coerce=int)


class ExtendPhaseForm(FlaskForm):
    until = paris_datetime(_l("Nouvelle date de fin de l'étape"))


class ClosePhaseForm(FlaskForm):
    #: The phase shown on the page: a second click must not close the next one.
    phase = HiddenField()
