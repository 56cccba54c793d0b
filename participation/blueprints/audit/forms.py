"""The audit log's filters (a GET form: no CSRF token, nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, SelectField, StringField
from wtforms.validators import Length, Optional

from participation.blueprints.audit.labels import ACTIONS, OBJECT_TYPES

DATE_ERROR = _l("Date invalide (exemple : 2026-03-31).")


class AuditFilterForm(Form):
    action = SelectField(_l("Action"), validate_choice=False)
    actor = StringField(
        _l("Auteur (nom ou adresse e-mail)"), validators=[Optional(), Length(max=120)]
    )
    object_type = SelectField(_l("Type d'objet"), validate_choice=False)
    date_from = DateField(
        _l("Du"), validators=[Optional()], invalid_value_message=DATE_ERROR
    )
    date_to = DateField(
        _l("Au"), validators=[Optional()], invalid_value_message=DATE_ERROR
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _l("Toutes"))]
        self.action.choices = everything + sorted(
            ((key, str(label)) for key, label in ACTIONS.items()),
            key=lambda choice: choice[1],
        )
        self.object_type.choices = [("", _l("Tous"))] + sorted(
            ((key, str(label)) for key, label in OBJECT_TYPES.items()),
            key=lambda choice: choice[1],
        )
