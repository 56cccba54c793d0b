"""Forms of the notifications blueprint."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField

from participation import labels


class PreferencesForm(FlaskForm):
    """One checkbox per kind of notification, named after the kind."""

    # Sent even when every box is unticked, so that the form still counts as
    # submitted and "nothing" is saved rather than ignored.
    sent = HiddenField(default="1")


for _kind, _label in labels.NOTIFICATION_KINDS.items():
    setattr(PreferencesForm, _kind.value, BooleanField(_label))
