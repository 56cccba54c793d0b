"""Forms of the proposal pages: ideas, comments, reports and moderation."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from participation import labels
from participation.models.proposal import ANSWER_STATUSES
from participation.services.proposals import (
    BODY_LENGTH,
    COMMENT_LENGTH,
    MAX_COST,
    REASON_LENGTH,
    TITLE_LENGTH,
)

# The messages are the services' own, so that one translation serves both.
TITLE_MESSAGE = _l(
    "Le titre fait entre %(min)d et %(max)d caractères.",
    min=TITLE_LENGTH[0],
    max=TITLE_LENGTH[1],
)
BODY_MESSAGE = _l(
    "La description fait entre %(min)d et %(max)d caractères.",
    min=BODY_LENGTH[0],
    max=BODY_LENGTH[1],
)
COMMENT_MESSAGE = _l(
    "Le commentaire fait entre %(min)d et %(max)d caractères.",
    min=COMMENT_LENGTH[0],
    max=COMMENT_LENGTH[1],
)
REASON_MESSAGE = _l("Indiquez la raison (500 caractères au plus).")
COST_MESSAGE = _l("Un montant en euros, entre 0 et %(max)s.", max=f"{MAX_COST:,}")


def optional_int(value) -> int | None:
    """Select choices where "" means "none"."""
    return int(value) if value not in ("", None) else None


class EurosField(IntegerField):
    """A whole number of euros; "1 500 €" is read as 1500."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0]
        for character in " \u00a0\u202f€":
            text = text.replace(character, "")
        if not text:
            self.data = None
            return
        # "1.500" is French for 1 500; "12.50" or "1500,00" carry cents: refused
        # rather than read as 1 250 or 150 000.
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(
                _l(
                    "Indiquez un montant en euros, en chiffres et sans centimes "
                    "(exemple : 1500)."
                )
            ) from None


class ProposalForm(FlaskForm):
    title = StringField(
        _l("Titre de l'idée"),
        validators=[
            DataRequired(TITLE_MESSAGE),
            Length(min=TITLE_LENGTH[0], max=TITLE_LENGTH[1], message=TITLE_MESSAGE),
        ],
        render_kw={"maxlength": TITLE_LENGTH[1]},
    )
    body = TextAreaField(
        _l("Description"),
        validators=[
            DataRequired(BODY_MESSAGE),
            Length(min=BODY_LENGTH[0], max=BODY_LENGTH[1], message=BODY_MESSAGE),
        ],
        render_kw={"rows": 8},
    )
    estimated_cost = EurosField(
        _l("Coût estimé, en euros"),
        validators=[Optional(), NumberRange(min=0, max=MAX_COST, message=COST_MESSAGE)],
        render_kw={"inputmode": "numeric"},
    )
    place = SelectField(_l("Bâtiment concerné"), coerce=optional_int)

    def set_buildings(self, buildings) -> None:
        """Offer the consultation's buildings, or drop the field when there is
        only one place to choose."""
        if len(buildings) < 2:
            del self.place
            return
        by_id = {place.id: place for place in buildings}
        self.place.choices = [("", _l("Tout le lieu, pas un bâtiment en particulier"))]
        for place in buildings:
            parent = by_id.get(place.parent_id)
            name = f"{parent.name} – {place.name}" if parent else place.name
            self.place.choices.append((place.id, name))


class OnBehalfForm(ProposalForm):
    person_name = StringField(
        _l("Nom de la personne"),
        validators=[Length(max=80, message=_l("80 caractères au plus."))],
        default="",
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Votre commentaire"),
        validators=[
            DataRequired(COMMENT_MESSAGE),
            Length(
                min=COMMENT_LENGTH[0], max=COMMENT_LENGTH[1], message=COMMENT_MESSAGE
            ),
        ],
        render_kw={"rows": 4},
    )
    parent_id = IntegerField(widget=HiddenInput(), validators=[Optional()])


def reason_field(label):
    return TextAreaField(
        label,
        validators=[
            DataRequired(REASON_MESSAGE),
            Length(min=REASON_LENGTH[0], max=REASON_LENGTH[1], message=REASON_MESSAGE),
        ],
        render_kw={"rows": 3},
    )


class ReportForm(FlaskForm):
    reason = reason_field(_l("Pourquoi ce texte pose-t-il problème ?"))
    comment_id = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReasonForm(FlaskForm):
    """Hide a proposal or a comment: the reason is shown to its author."""

    reason = reason_field(_l("Raison (montrée à l'auteur)"))


class DuplicateForm(FlaskForm):
    original = SelectField(
        _l("Proposition d'origine"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choisissez la proposition d'origine."))],
    )

    def set_originals(self, originals) -> None:
        self.original.choices = [("", _l("Choisissez…"))] + [
            (p.id, p.title) for p in originals
        ]


class AnswerForm(FlaskForm):
    status = RadioField(
        _l("Statut"),
        choices=lambda: [
            (s.value, labels.PROPOSAL_STATUSES[s]) for s in ANSWER_STATUSES
        ],
        validators=[DataRequired(_l("Choisissez un statut."))],
    )
    answer = TextAreaField(
        _l("Réponse officielle"),
        validators=[Length(max=BODY_LENGTH[1], message=_l("5000 caractères au plus."))],
        render_kw={"rows": 8},
        default="",
    )
