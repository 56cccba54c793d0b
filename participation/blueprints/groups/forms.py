"""Forms of the working group pages: charter, members, meetings and hand votes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from participation.blueprints.consultations.forms import paris_datetime
from participation.services.groups import (
    AGENDA_MAX,
    DECISIONS_MAX,
    LOCATION_MAX,
    MESSAGE_MAX,
    METHOD_MAX,
    MINUTES_MAX,
    PURPOSE_LENGTH,
    QUESTION_LENGTH,
    RHYTHM_MAX,
    ROLE_MAX,
    TITLE_LENGTH,
)

# The messages are the services' own, so that one translation serves both.
TITLE_MESSAGE = _l(
    "Le titre fait entre %(min)d et %(max)d caractères.",
    min=TITLE_LENGTH[0],
    max=TITLE_LENGTH[1],
)
PURPOSE_MESSAGE = _l(
    "L'objet du groupe fait entre %(min)d et %(max)d caractères.",
    min=PURPOSE_LENGTH[0],
    max=PURPOSE_LENGTH[1],
)
QUESTION_MESSAGE = _l(
    "La question fait entre %(min)d et %(max)d caractères.",
    min=QUESTION_LENGTH[0],
    max=QUESTION_LENGTH[1],
)
COUNT_MESSAGE = _l(
    "Un nombre entier de voix, 0 ou plus (%(max)s au plus).", max="10 000"
)


def _at_most(limit: int):
    return Length(max=limit, message=_l("%(max)d caractères au plus.", max=limit))


class WholeNumberField(IntegerField):
    """A whole number; anything else is refused with ``message`` (in French)."""

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Indiquez un nombre entier.")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None


def optional_int(value) -> int | None:
    """Select choices where "" means "none"."""
    return int(value) if value not in ("", None) else None


class MultiCheckboxField(SelectMultipleField):
    """Several choices, as a list of checkboxes (the page wraps it in a
    fieldset with a legend). The service checks the choices, in French."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class GroupForm(FlaskForm):
    title = StringField(
        _l("Nom du groupe"),
        validators=[
            DataRequired(TITLE_MESSAGE),
            Length(min=TITLE_LENGTH[0], max=TITLE_LENGTH[1], message=TITLE_MESSAGE),
        ],
        render_kw={"maxlength": TITLE_LENGTH[1]},
    )
    purpose = TextAreaField(
        _l("Objet du groupe"),
        validators=[
            DataRequired(PURPOSE_MESSAGE),
            Length(
                min=PURPOSE_LENGTH[0], max=PURPOSE_LENGTH[1], message=PURPOSE_MESSAGE
            ),
        ],
        render_kw={"rows": 6},
    )
    method = TextAreaField(
        _l("Méthode de travail"),
        validators=[_at_most(METHOD_MAX)],
        render_kw={"rows": 6},
        default="",
    )
    rhythm = StringField(
        _l("Rythme des réunions"),
        validators=[_at_most(RHYTHM_MAX)],
        render_kw={"maxlength": RHYTHM_MAX},
        default="",
    )
    open_to_residents = BooleanField(
        _l("Ouvert : les habitant·es du lieu rejoignent le groupe sans validation")
    )


class NewGroupForm(GroupForm):
    place = SelectField(
        _l("Lieu du groupe"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez le lieu du groupe."))],
    )
    consultation_id = HiddenField()
    proposals = MultiCheckboxField(_l("Propositions à l'origine du groupe"), coerce=int)


class JoinForm(FlaskForm):
    message = StringField(
        _l("Un mot pour l'équipe d'animation"),
        validators=[_at_most(MESSAGE_MAX)],
        render_kw={"maxlength": MESSAGE_MAX},
        default="",
    )


class DecisionForm(FlaskForm):
    """Accept (``accept=1``) or refuse (``accept=0``) a request to join."""

    accept = HiddenField()


class FacilitatorForm(FlaskForm):
    """Make a member a facilitator (``on=1``) or not (``on=0``)."""

    on = HiddenField()


class PartnerForm(FlaskForm):
    organisation = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    role = StringField(
        _l("Son rôle dans le groupe"),
        validators=[_at_most(ROLE_MAX)],
        render_kw={"maxlength": ROLE_MAX},
        default="",
    )
    representatives = MultiCheckboxField(_l("Représentant·es"), coerce=int)


class StaffForm(FlaskForm):
    staff_user = SelectField(
        _l("Membre de l'équipe"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choisissez un membre de l'équipe."))],
    )
    facilitator = BooleanField(_l("Anime le groupe"))


class MeetingForm(FlaskForm):
    starts_at = paris_datetime(_l("Date et heure"))
    location = StringField(
        _l("Lieu de la réunion"),
        validators=[_at_most(LOCATION_MAX)],
        render_kw={"maxlength": LOCATION_MAX},
        default="",
    )
    agenda = TextAreaField(
        _l("Ordre du jour"),
        validators=[_at_most(AGENDA_MAX)],
        render_kw={"rows": 6},
        default="",
    )
    attendance = WholeNumberField(
        _l("Nombre de personnes présentes"),
        validators=[Optional()],
        message=_l(
            "Indiquez le nombre de personnes présentes : un nombre entier entre 0 "
            "et %(max)s.",
            max="10 000",
        ),
        render_kw={"inputmode": "numeric"},
    )
    minutes = TextAreaField(
        _l("Compte rendu"),
        validators=[_at_most(MINUTES_MAX)],
        render_kw={"rows": 10},
        default="",
    )
    decisions = TextAreaField(
        _l("Décisions prises"),
        validators=[_at_most(DECISIONS_MAX)],
        render_kw={"rows": 6},
        default="",
    )


class HandVoteForm(FlaskForm):
    question = StringField(
        _l("Question mise au vote"),
        validators=[
            DataRequired(QUESTION_MESSAGE),
            Length(
                min=QUESTION_LENGTH[0], max=QUESTION_LENGTH[1], message=QUESTION_MESSAGE
            ),
        ],
        render_kw={"maxlength": QUESTION_LENGTH[1]},
    )
    votes_for = WholeNumberField(
        _l("Pour"),
        validators=[InputRequired(COUNT_MESSAGE)],
        message=COUNT_MESSAGE,
        render_kw={"inputmode": "numeric"},
    )
    votes_against = WholeNumberField(
        _l("Contre"),
        validators=[InputRequired(COUNT_MESSAGE)],
        message=COUNT_MESSAGE,
        render_kw={"inputmode": "numeric"},
    )
    abstentions = WholeNumberField(
        _l("Abstentions"),
        validators=[InputRequired(COUNT_MESSAGE)],
        message=COUNT_MESSAGE,
        render_kw={"inputmode": "numeric"},
    )
