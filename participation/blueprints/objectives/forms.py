"""Forms of the objective pages: the objective, a measurement, a correction, a file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    Field,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as BaseForm
from wtforms.validators import StopValidation
from wtforms.widgets import MonthInput, TextInput

from participation.models import Period
from participation.services.indicators import Direction
from participation.services.objectives import (
    DIRECTION_LABELS,
    NUMBER_MESSAGE,
    number,
    parse_month,
    parse_number,
)

#: Browsers send ISO dates; without a date picker people type French ones.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_MESSAGE = _l("Indiquez une date, par exemple 2026-03-31 ou 31/03/2026.")
MONTH_MESSAGE = _l("Indiquez le mois sous la forme AAAA-MM, par exemple 2026-03.")
#: How many empty milestone rows the form offers (it works without JavaScript).
EMPTY_MILESTONES = 2


class NumberField(Field):
    """A decimal number as typed in France ("3,2", "1 500") or not ("3.2")."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else number(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_number(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(NUMBER_MESSAGE) from None


class MonthField(Field):
    """A ``month`` input (AAAA-MM, typed by hand where browsers have no picker);
    ``data`` is the month's first day."""

    widget = MonthInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:%Y-%m}"

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_month(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(MONTH_MESSAGE) from None


class FrenchDateField(DateField):
    """A date input that also reads "31/03/2026" and says what it expects."""

    def __init__(self, label, **kwargs):
        super().__init__(label, format=DATE_FORMATS, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


class Needed:
    """A value is needed; an unreadable one keeps its own message."""

    field_flags = {"required": True}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)


class Mandatory:
    """Marks a field as required (label, ``required`` attribute); the service
    checks it and says what is wrong, next to the field."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        pass


class MilestoneForm(BaseForm):
    """One milestone row (no CSRF token of its own: the objective form has one)."""

    due_date = FrenchDateField(_l("Date"))
    value = NumberField(_l("Valeur visée"))
    label = StringField(_l("Libellé"))


class ObjectiveForm(FlaskForm):
    title = StringField(_l("Titre de l'objectif"), validators=[Mandatory()])
    description = TextAreaField(_l("Description"))
    indicator = StringField(_l("Indicateur suivi"), validators=[Mandatory()])
    unit = StringField(_l("Unité"), validators=[Mandatory()])
    direction = RadioField(
        _l("Sens de l'objectif"),
        choices=lambda: [(d.value, DIRECTION_LABELS[d]) for d in Direction],
        validate_choice=False,
    )
    baseline_value = NumberField(
        _l("Valeur de départ"), validators=[Needed(_l("Indiquez la valeur de départ."))]
    )
    baseline_date = FrenchDateField(
        _l("Date de la valeur de départ"),
        validators=[Needed(_l("Indiquez la date de la valeur de départ."))],
    )
    target_value = NumberField(
        _l("Valeur visée (cible)"), validators=[Needed(_l("Indiquez la valeur visée."))]
    )
    target_date = FrenchDateField(
        _l("Date cible"),
        validators=[Needed(_l("Indiquez la date à laquelle viser la cible."))],
    )
    source_organisation_id = SelectField(
        _l("Source des données"), coerce=int, validate_choice=False
    )
    milestones = FieldList(
        FormField(MilestoneForm), min_entries=EMPTY_MILESTONES, max_entries=24
    )

    def set_sources(self, organisations) -> None:
        self.source_organisation_id.choices = [(o.id, o.name) for o in organisations]

    def milestone_rows(self):
        """(date, value, label) per row, as typed (the service checks them)."""
        return [
            (row.form.due_date.data, row.form.value.data, row.form.label.data or "")
            for row in self.milestones
        ]

    def milestones_readable(self) -> bool:
        """No row has an unreadable date or number (their messages are shown)."""
        return not any(
            row.form.due_date.errors or row.form.value.errors for row in self.milestones
        )


class MeasurementForm(FlaskForm):
    period = RadioField(
        _l("La valeur porte sur"),
        choices=lambda: [
            (Period.MONTH.value, _l("un mois entier")),
            (Period.DAY.value, _l("un jour précis")),
        ],
        default=Period.MONTH.value,
        validate_choice=False,
    )
    month = MonthField(_l("Mois"))
    day = FrenchDateField(_l("Jour"))
    value = NumberField(_l("Valeur"), validators=[Needed(_l("Indiquez une valeur."))])
    note = TextAreaField(_l("Note"))

    def validate(self, extra_validators=None) -> bool:
        """Only the date field of the chosen period counts."""
        valid = super().validate(extra_validators)
        unused = self.month if self.chosen_period is Period.DAY else self.day
        if unused.errors:
            unused.errors = []
            valid = not any(field.errors for field in self)
        return valid

    @property
    def chosen_period(self) -> Period:
        return Period.DAY if self.period.data == Period.DAY.value else Period.MONTH

    @property
    def date_field(self) -> Field:
        """The field holding the date of the chosen period."""
        return self.day if self.chosen_period is Period.DAY else self.month


class CorrectionForm(FlaskForm):
    value = NumberField(
        _l("Valeur corrigée"), validators=[Needed(_l("Indiquez une valeur."))]
    )
    note = TextAreaField(_l("Note"))
    reason = TextAreaField(_l("Raison de la correction"), validators=[Mandatory()])


class ImportForm(FlaskForm):
    file = FileField(
        _l("Fichier CSV"),
        validators=[
            FileRequired(_l("Choisissez un fichier CSV.")),
            FileAllowed(
                ["csv", "txt"], _l("Le fichier doit être au format CSV (.csv).")
            ),
        ],
    )
