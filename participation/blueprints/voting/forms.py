"""Forms of the voting pages.

The choices on a ballot depend on the consultation's method and proposals, so they
are read from the submitted data by :func:`read_choices` and checked by the voting
service; the form classes carry the CSRF token and the fixed fields.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from participation import labels
from participation.models import Channel, VoterUnit, VotingMethod

#: Name of the form fields holding a majority-judgment grade: ``grade-<proposal id>``.
GRADE_PREFIX = "grade-"


def _number(value: str) -> int:
    """A proposal id or grade; anything else becomes an id no ballot offers."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def read_choices(method: VotingMethod, formdata: MultiDict) -> Any:
    """What the voter sent, in the shape ``voting.check_choices`` expects: a list
    of proposal ids, or (majority judgment) a mapping of proposal id to grade."""
    if method is VotingMethod.MAJORITY_JUDGMENT:
        return {
            _number(name.removeprefix(GRADE_PREFIX)): _number(value)
            for name, value in formdata.items()
            if name.startswith(GRADE_PREFIX)
        }
    return [_number(value) for value in formdata.getlist("choices")]


def selection(raw: Any) -> dict[int, int | None]:
    """Submitted choices as the ballot template shows them (id -> grade or None)."""
    return dict(raw) if isinstance(raw, dict) else dict.fromkeys(raw)


class BallotForm(FlaskForm):
    """A resident's own ballot: the choices are read by :func:`read_choices`."""


class RecordForm(FlaskForm):
    """Staff type in a paper or meeting ballot."""

    channel = RadioField(
        _l("Comment ce bulletin a-t-il été reçu ?"),
        choices=lambda: [
            (channel.value, labels.CHANNELS[channel])
            for channel in (Channel.PAPER, Channel.MEETING)
        ],
        default=Channel.PAPER.value,
        validators=[InputRequired(_l("Indiquez d'où vient le bulletin."))],
    )
    voter = StringField(_l("Votant"), filters=[lambda v: v.strip() if v else v])

    def set_voter_unit(self, unit: VoterUnit) -> None:
        """Ask for a dwelling reference or a resident's e-mail address."""
        if unit is VoterUnit.DWELLING:
            self.voter.label.text = _l("Référence du logement")
            message = _l("Indiquez la référence du logement.")
        else:
            self.voter.label.text = _l("Adresse e-mail de l'habitant·e")
            message = _l("Indiquez l'adresse e-mail de l'habitant·e.")
        self.voter.validators = [
            DataRequired(message),
            Length(max=254, message=_l("254 caractères au maximum.")),
        ]
        self.voter.flags.required = True


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OutcomeForm(FlaskForm):
    """Staff say which proposals are selected and what happens next."""

    selected = MultiCheckboxField(
        _l("Propositions retenues"), coerce=int, validate_choice=False
    )
    outcome = TextAreaField(
        _l("Ce qui a été décidé et la suite"),
        validators=[
            DataRequired(_l("Expliquez en quelques mots ce qui a été décidé.")),
            Length(max=10_000, message=_l("10 000 caractères au maximum.")),
        ],
    )
