"""Forms of the commitment pages: commitments, their status, reported actions."""

from __future__ import annotations

import math
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation
from wtforms.widgets import TextInput

from participation.models import CommitmentParty
from participation.services.commitments import (
    DESCRIPTION_LENGTH,
    DETAILS_LENGTH,
    RESIDENTS,
    STATUS_LABELS,
    TITLE_LENGTH,
    UNIT_LENGTH,
)

# The messages are the service's own, so that one translation serves both.
TITLE_MESSAGE = _l(
    "L'engagement fait entre %(min)d et %(max)d caractères.",
    min=TITLE_LENGTH[0],
    max=TITLE_LENGTH[1],
)
DESCRIPTION_MESSAGE = _l(
    "Décrivez ce qui a été fait, en %(min)d à %(max)d caractères.",
    min=DESCRIPTION_LENGTH[0],
    max=DESCRIPTION_LENGTH[1],
)
#: Browsers send ISO dates; without a date picker people type French ones.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_MESSAGE = _l("Indiquez une date, par exemple 31/12/2026.")


class FrenchDateField(DateField):
    """A date input that also reads "31/12/2026" and says what it expects."""

    def __init__(self, label, required_message, **kwargs):
        super().__init__(
            label,
            format=DATE_FORMATS,
            validators=[RequiredDate(required_message)],
            **kwargs,
        )

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


class RequiredDate:
    """A date is needed; an unreadable one keeps its own message."""

    field_flags = {"required": True}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)


class QuantityField(Field):
    """A decimal number as French people write it: "3,2", "1 250,5" or "3.2"."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data:g}".replace(".", ",")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = re.sub(r"[\s\u00a0\u202f]", "", valuelist[0])
        if not text:
            self.data = None
            return
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            value = math.nan
        if not re.fullmatch(r"[+-]?\d+([.,]\d+)?", text) or not math.isfinite(value):
            self.data = None
            raise ValueError(
                _l("Indiquez un nombre, par exemple 3,2 (virgule pour les décimales).")
            )
        self.data = value


def party_value(party: CommitmentParty, organisation) -> str:
    """The form value of a party: the organisation's id, or "habitants"."""
    return "habitants" if organisation is None else str(organisation.id)


def read_party(value: str | None) -> tuple[CommitmentParty, int | None]:
    """The party a form value names (an unknown one: an organisation the service
    refuses)."""
    if value == "habitants":
        return CommitmentParty.RESIDENTS, None
    return CommitmentParty.ORGANISATION, int(value) if (value or "").isdigit() else None


class CommitmentForm(FlaskForm):
    # The service, not the list, decides: a party the user may not commit for
    # is refused (403), one outside the group explained.
    party = SelectField(
        _l("Qui s'engage ?"),
        validators=[DataRequired(_l("Choisissez qui s'engage."))],
        validate_choice=False,
    )
    title = StringField(
        _l("L'engagement"),
        validators=[
            DataRequired(TITLE_MESSAGE),
            Length(min=TITLE_LENGTH[0], max=TITLE_LENGTH[1], message=TITLE_MESSAGE),
        ],
        render_kw={"maxlength": TITLE_LENGTH[1]},
    )
    details = TextAreaField(
        _l("Précisions"),
        validators=[
            Length(
                max=DETAILS_LENGTH,
                message=_l("%(max)d caractères au plus.", max=DETAILS_LENGTH),
            )
        ],
        render_kw={"rows": 5},
        default="",
    )
    due_date = FrenchDateField(
        _l("Échéance"), _l("Indiquez l'échéance de l'engagement.")
    )

    def set_parties(self, parties) -> None:
        """Offer only the parties the user may commit for."""
        self.party.choices = [
            (
                party_value(party, organisation),
                organisation.name if organisation is not None else str(RESIDENTS),
            )
            for party, organisation in parties
        ]


class StatusForm(FlaskForm):
    """A status button: the status to give, and the CSRF token."""

    status = SelectField(
        choices=lambda: [(s.value, label) for s, label in STATUS_LABELS.items()],
        validators=[DataRequired()],
    )


class ActionForm(FlaskForm):
    done_on = FrenchDateField(_l("Date"), _l("Indiquez la date de l'action."))
    description = TextAreaField(
        _l("Ce qui a été fait"),
        validators=[
            DataRequired(DESCRIPTION_MESSAGE),
            Length(
                min=DESCRIPTION_LENGTH[0],
                max=DESCRIPTION_LENGTH[1],
                message=DESCRIPTION_MESSAGE,
            ),
        ],
        render_kw={"rows": 4},
    )
    quantity = QuantityField(
        _l("Quantité"),
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    unit = StringField(
        _l("Unité"),
        validators=[
            Length(
                max=UNIT_LENGTH,
                message=_l("%(max)d caractères au plus.", max=UNIT_LENGTH),
            )
        ],
        render_kw={"maxlength": UNIT_LENGTH},
        default="",
    )
