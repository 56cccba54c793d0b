"""Views of the voting blueprint: ballots, paper ballots, results, outcome, exports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction
from itertools import chain

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from participation import fragments, labels, permissions
from participation.blueprints.common import (
    apply_errors,
    authorize,
    visible_consultation,
)
from participation.blueprints.voting import bp
from participation.blueprints.voting.forms import (
    BallotForm,
    OutcomeForm,
    RecordForm,
    read_choices,
    selection,
)
from participation.extensions import db
from participation.models import Channel, Consultation, Dwelling, User, VoterUnit
from participation.models.user import normalise_email
from participation.services import (
    InvalidTransition,
    ValidationError,
    consultations,
    voting,
)
from participation.timeutil import utcnow


@bp.context_processor
def formatting():
    """Numbers as the page's language writes them."""
    return {"euros": euros, "percent": percent}


def euros(amount: int | None) -> str:
    return _("%(amount)s\u00a0€", amount=format_decimal(amount or 0))


def percent(share: Fraction | None) -> str:
    return format_percent(float(share or 0))


@bp.route("/vote", methods=["GET", "POST"])
@login_required
def ballot(consultation_id: int):
    """A resident casts, or changes, their own secret ballot."""
    now = utcnow()
    consultation = visible_consultation(consultation_id, now)
    authorize(permissions.can_vote(current_user, consultation, now))
    # A valid ballot is stored before anything else is read: what the page
    # shows is loaded only to render it (a vote burst is mostly POSTs).
    form, selected = BallotForm(), None
    if form.validate_on_submit():
        raw = read_choices(consultation.method, request.form)
        # Translated now: after the commit, the language would reload the account.
        stored = _("Votre vote est enregistré.")
        try:
            voting.cast_ballot(current_user, consultation, raw, now)
        except ValidationError as error:
            apply_errors(form, error)
            selected = selection(raw)
        except InvalidTransition as error:
            flash(str(error), "error")
            return redirect(url_for(".ballot", consultation_id=consultation_id))
        else:
            flash(stored, "success")
            return redirect(url_for(".ballot", consultation_id=consultation_id))
    proposals = voting.votable_proposals(consultation)
    state = voting.ballot_state(current_user, consultation)
    if selected is None:
        selected = state.choices
    spent = sum(p.estimated_cost or 0 for p in proposals if p.id in state.choices)
    return render_template(
        "voting/ballot.html",
        consultation=consultation,
        proposals=proposals,
        state=state,
        form=form,
        selected=selected,
        spent=spent,
        now=now,
    )


@bp.route("/bulletins", methods=["GET", "POST"])
@login_required
def record(consultation_id: int):
    """Staff type in a paper or meeting ballot for a dwelling or a resident."""
    now = utcnow()
    consultation = visible_consultation(consultation_id, now)
    authorize(permissions.can_record_ballot(current_user, consultation, now))
    proposals = voting.votable_proposals(consultation)
    form, selected = RecordForm(), {}
    form.set_voter_unit(consultation.voter_unit)
    if request.method == "POST":
        raw = read_choices(consultation.method, request.form)
        selected = selection(raw)
    if form.validate_on_submit():
        voter = _find_voter(consultation, form.voter.data)
        if voter is None:
            form.voter.errors = [_unknown_voter(consultation)]
        else:
            try:
                voting.record_ballot(
                    current_user,
                    consultation,
                    Channel(form.channel.data),
                    raw,
                    now,
                    **voter,
                )
            except ValidationError as error:
                apply_errors(form, error)
            except InvalidTransition as error:
                form.form_errors.append(str(error))
            else:
                flash(
                    _(
                        "Bulletin enregistré (%(channel)s) pour %(voter)s.",
                        channel=_channel_label(form.channel.data),
                        voter=form.voter.data,
                    ),
                    "success",
                )
                return redirect(url_for(".record", consultation_id=consultation.id))
    return render_template(
        "voting/record.html",
        consultation=consultation,
        proposals=proposals,
        form=form,
        selected=selected,
        counts=voting.channel_counts(consultation),
        now=now,
    )


def _find_voter(consultation: Consultation, typed: str) -> dict | None:
    """The dwelling (by the landlord's reference) or the resident (by e-mail)."""
    if consultation.voter_unit is VoterUnit.DWELLING:
        dwelling = db.session.scalar(
            select(Dwelling).where(
                Dwelling.landlord_id == consultation.landlord_id,
                Dwelling.reference == typed,
            )
        )
        return {"dwelling": dwelling} if dwelling else None
    resident = db.session.scalar(
        select(User).where(User.email == normalise_email(typed))
    )
    return {"resident": resident} if resident else None


def _unknown_voter(consultation: Consultation) -> str:
    if consultation.voter_unit is VoterUnit.DWELLING:
        return _("Aucun logement du bailleur n'a cette référence.")
    # The same words as the service's refusal: the form must not tell staff
    # which addresses have an account elsewhere.
    return _("Cette personne n'est pas habitant·e vérifié·e du lieu.")


def _channel_label(value: str) -> str:
    return str(labels.CHANNELS[Channel(value)]).lower()


@bp.get("/resultats")
def results(consultation_id: int):
    """The count: participation, ranking and charts, then the published outcome."""
    now = utcnow()
    consultation = visible_consultation(consultation_id, now)
    if not permissions.can_see_results(current_user, consultation, now):
        return render_template(
            "voting/results_hidden.html", consultation=consultation, now=now
        )

    def count() -> str:
        return render_template(
            "voting/_count.html",
            consultation=consultation,
            results=voting.results(consultation, now),
        )

    if consultation.eligible_at_close is None:
        # Voting runs (live results), or this is the first view since it closed,
        # which stores the roll and so moves the revision: not cached.
        rendered = Markup(count())  # noqa: S704  # nosec B704 (rendered by Jinja)
    else:
        rendered = fragments.fragment("count", consultation, (), count)
    return render_template(
        "voting/results.html", consultation=consultation, count=rendered, now=now
    )


@bp.route("/resultats/publier", methods=["GET", "POST"])
@login_required
def outcome(consultation_id: int):
    """Staff say which proposals are selected and what happens next."""
    now = utcnow()
    consultation = visible_consultation(consultation_id, now)
    authorize(permissions.can_publish_outcome(current_user, consultation, now))
    count = voting.results(consultation, now)
    chosen = count.selected if consultation.outcome_published_at else count.winners
    form = OutcomeForm(
        outcome=consultation.outcome, selected=[row.proposal.id for row in chosen]
    )
    form.selected.choices = [
        (row.proposal.id, row.proposal.title) for row in count.rows
    ]
    if form.validate_on_submit():
        picked = [r.proposal for r in count.rows if r.proposal.id in form.selected.data]
        try:
            consultations.publish_outcome(
                current_user, consultation, picked, form.outcome.data, now
            )
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "error")
            return redirect(url_for(".results", consultation_id=consultation.id))
        else:
            flash(_("Le résultat est publié."), "success")
            return redirect(url_for(".results", consultation_id=consultation.id))
    return render_template(
        "voting/outcome.html",
        consultation=consultation,
        results=count,
        rows={row.proposal.id: row for row in count.rows},
        form=form,
        now=now,
    )


@bp.get("/export/propositions.csv")
@login_required
def export_proposals(consultation_id: int):
    """The proposals as CSV, with their results once these are visible."""
    now = utcnow()
    consultation = visible_consultation(consultation_id, now)
    authorize(permissions.can_manage_consultation(current_user, consultation))
    visible = consultation.results_visible(now)
    return _csv(
        voting.export_proposals(consultation, visible),
        f"consultation-{consultation.id}-propositions.csv",
    )


@bp.get("/export/bulletins.csv")
@login_required
def export_ballots(consultation_id: int):
    """The anonymous ballots as CSV, for audit, once voting has closed (before,
    they would show staff hidden results, and two exports around one person's
    vote would single out their ballot)."""
    now = utcnow()
    consultation = visible_consultation(consultation_id, now)
    authorize(permissions.can_manage_consultation(current_user, consultation))
    if not consultation.voting_has_closed(now):
        flash(
            _("Les bulletins anonymes s'exportent une fois le vote terminé."),
            "error",
        )
        return redirect(url_for(".results", consultation_id=consultation.id))
    return _csv(
        voting.export_ballots(consultation),
        f"consultation-{consultation.id}-bulletins.csv",
    )


#: Characters of CSV gathered before a write to the client: one write per line
#: made a million-row export a million system calls.
CSV_CHUNK = 32_768


def chunked(lines: Iterable[str], size: int = CSV_CHUNK) -> Iterator[str]:
    """Whole lines gathered into chunks of about ``size`` characters; the first
    line (the header) alone, at once, so the download starts before any query."""
    buffer: list[str] = []
    length = 0
    for number, line in enumerate(lines):
        buffer.append(line)
        length += len(line)
        if number == 0 or length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def _csv(lines: Iterable[str], filename: str) -> Response:
    """Stream CSV lines; the byte-order mark makes spreadsheets read UTF-8."""
    response = Response(
        stream_with_context(chain(["\ufeff"], chunked(lines))),
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
    # Asking the length of a stream (a logging hook, say) would otherwise read
    # the whole export into memory before the first byte leaves.
    response.implicit_sequence_conversion = False
    return response
