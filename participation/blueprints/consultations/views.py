"""Views of the consultations: the public list and page, and the staff's tools."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from participation import fragments, labels, permissions, printing
from participation.blueprints.common import (
    apply_errors,
    authorize,
    visible_consultation,
)
from participation.blueprints.consultations import bp
from participation.blueprints.consultations.forms import (
    ClosePhaseForm,
    ConsultationForm,
    ExtendPhaseForm,
    NewConsultationForm,
)
from participation.extensions import db
from participation.models import (
    Consultation,
    Phase,
    Place,
    ProposalStatus,
    Theme,
    VoterUnit,
    VotingMethod,
)
from participation.services import (
    InvalidTransition,
    ValidationError,
    consultations,
    groups,
    places,
    proposals,
)
from participation.services.consultations import (
    DATES,
    VOTING_SETTINGS,
    ConsultationValues,
)
from participation.timeutil import PARIS, utcnow

PER_PAGE = 20
#: Where the form puts the dates of a new consultation, from now.
DEFAULT_OFFSETS = {
    "opens_at": timedelta(0),
    "voting_opens_at": timedelta(weeks=3),
    "voting_closes_at": timedelta(weeks=5),
    "follow_up_at": timedelta(weeks=6),
}


def _choice(enum, value: str | None):
    """The member of ``enum`` a query parameter names, or None."""
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def _managed(consultation_id: int) -> Consultation:
    """The consultation, for its landlord's staff only (403 for others)."""
    consultation = db.get_or_404(Consultation, consultation_id)
    authorize(permissions.can_manage_consultation(current_user, consultation))
    return consultation


@bp.get("/")
def index():
    """Every consultation the visitor may read, filtered by theme and phase."""
    now = utcnow()
    theme = _choice(Theme, request.args.get("theme"))
    phase = _choice(Phase, request.args.get("phase"))
    query = consultations.consultations_query(
        current_user, now, theme=theme, phase=phase
    )
    page = db.paginate(query, per_page=PER_PAGE, max_per_page=PER_PAGE)
    return render_template(
        "consultations/index.html",
        page=page,
        theme=theme,
        phase=phase,
        counts=consultations.proposal_counts([c.id for c in page.items]),
        now=now,
    )


def _proposal_filters(consultation: Consultation, now: datetime) -> dict:
    """The proposal list's search, status and order, as query parameters.

    Sorting by support while results are hidden would leak them: recent instead.
    A random order keeps its seed (in the links, else in the session) so that
    it stays the same from page to page.
    """
    status = _choice(ProposalStatus, request.args.get("statut"))
    sort = request.args.get("tri", "recent")
    if sort not in proposals.SORTS or (
        sort == "support" and not consultation.results_visible(now)
    ):
        sort = "recent"
    filters = {
        "q": request.args.get("q", "").strip()[:100],
        "statut": status.value if status and status.is_listed else "",
        "tri": sort,
        "graine": None,
    }
    if sort == "random":
        seed = request.args.get("graine", type=int)
        if seed is None or seed < 0:
            seed = session.setdefault("proposal_seed", secrets.randbelow(10**6) + 1)
        filters["graine"] = seed
    return filters


@bp.get("/<int:consultation_id>")
def detail(consultation_id: int):
    """The consultation: what, where, when, how to vote, and its proposals."""
    now = utcnow()
    consultation = visible_consultation(consultation_id, now)
    filters = _proposal_filters(consultation, now)
    visible_results = consultation.results_visible(now)

    def proposal_list() -> str:
        query = proposals.proposals_query(
            consultation,
            search=filters["q"],
            status=_choice(ProposalStatus, filters["statut"]),
            sort=filters["tri"],
            seed=filters["graine"] or 0,
        )
        return render_template(
            "consultations/_proposals.html",
            consultation=consultation,
            page=proposals.paginate(query, PER_PAGE),
            filters=filters,
            visible_results=visible_results,
        )

    listing = fragments.fragment(
        "proposals",
        consultation,
        (
            visible_results,
            tuple(sorted(filters.items())),
            request.args.get("page", type=int),
            request.args.get("per_page", type=int),
        ),
        proposal_list,
    )
    phase = consultation.phase(now)
    about = fragments.fragment(
        "about",
        consultation,
        (phase.value,),
        lambda: render_template(
            "consultations/_about.html",
            consultation=consultation,
            current=phase,
            now=now,
        ),
    )
    staff = {}
    if permissions.can_manage_consultation(current_user, consultation):
        end = consultation.ends(phase)
        staff = {
            "report_count": proposals.open_report_count(consultation),
            "close_form": ClosePhaseForm(phase=phase.value),
            "extend_form": ExtendPhaseForm(
                until=end + timedelta(days=7) if end else None
            ),
        }
    born = groups.born_from(consultation)
    return render_template(
        "consultations/detail.html",
        consultation=consultation,
        about=about,
        proposal_list=listing,
        filters=filters,
        ancestors=places.ancestors_by_id([consultation.place]),
        born_groups=born,
        memberships=groups.memberships_in(current_user, born),
        now=now,
        **staff,
    )


def _place_choices() -> list[tuple[int, str]]:
    """The places the user manages, labelled with their chain."""
    rows = places.tree_rows(
        db.session.scalars(places.managed_places_query(current_user)).all()
    )
    by_id = {p.id: p for p in rows}
    return [
        (
            p.id,
            " › ".join(
                [*(by_id[i].name for i in p.ancestor_ids if i in by_id), p.name]
            ),
        )
        for p in rows
    ]


def _form_data(consultation: Consultation) -> dict:
    """The consultation as the form shows it."""
    names = ("title", "summary", "body", "theme", *DATES, *VOTING_SETTINGS)
    return {name: getattr(consultation, name) for name in names}


def _instant(typed: datetime, stored: datetime | None) -> datetime:
    """The UTC instant of a date typed in Paris time; the stored one when it is
    the same minute (the form shows no seconds, so an untouched date stays put)."""
    typed = typed.astimezone(UTC)
    if stored is not None and stored.replace(second=0, microsecond=0) == typed:
        return stored
    return typed


def _values(form: ConsultationForm, current: Consultation | None) -> ConsultationValues:
    """What the form says, for the service."""
    method = VotingMethod(form.method.data)
    max_choices = form.max_choices.data
    if max_choices is None:  # left empty: only approval needs it
        max_choices = 0 if method is VotingMethod.APPROVAL else 3
    return ConsultationValues(
        title=form.title.data,
        summary=form.summary.data,
        body=form.body.data or "",
        theme=Theme(form.theme.data),
        **{
            name: _instant(getattr(form, name).data, getattr(current, name, None))
            for name in DATES
        },
        method=method,
        max_choices=max_choices,
        budget=form.budget.data,
        voter_unit=VoterUnit(form.voter_unit.data),
        quorum_percent=form.quorum_percent.data,
        live_results=form.live_results.data,
    )


@bp.route("/nouvelle", methods=["GET", "POST"])
@login_required
def create():
    """Staff open a consultation for one of their places (``?place_id``)."""
    authorize(permissions.can_access_back_office(current_user))
    place_id = request.args.get("place_id", type=int)
    if place_id is not None:
        place = db.get_or_404(Place, place_id)
        authorize(permissions.can_create_consultation(current_user, place))
    now = utcnow()
    start = now.astimezone(PARIS).replace(second=0, microsecond=0)
    defaults = {name: start + offset for name, offset in DEFAULT_OFFSETS.items()}
    form = NewConsultationForm(data=defaults, place=place_id)
    form.place.choices = _place_choices()
    if form.validate_on_submit():
        place = db.get_or_404(Place, form.place.data)
        try:
            consultation = consultations.create_consultation(
                current_user, place, _values(form, None), now
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(
                _("La consultation « %(title)s » est créée.", title=consultation.title),
                "success",
            )
            return redirect(url_for(".detail", consultation_id=consultation.id))
    return render_template(
        "consultations/edit.html", form=form, consultation=None, locked=set(), now=now
    )


@bp.route("/<int:consultation_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(consultation_id: int):
    """Change the text, the future dates and (before voting) the voting rules."""
    consultation = _managed(consultation_id)
    now = utcnow()
    locked = consultations.locked_fields(consultation, now)
    # Locked fields are disabled, so browsers do not send them: they keep their
    # value. A request that does send a changed one is refused by the service.
    form = ConsultationForm(data=_form_data(consultation))
    if "live_results" in locked and "live_results" not in request.form:
        form.live_results.data = consultation.live_results
    if form.validate_on_submit():
        try:
            consultations.update_consultation(
                current_user, consultation, _values(form, consultation), now
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Modifications enregistrées."), "success")
            return redirect(url_for(".detail", consultation_id=consultation.id))
    return render_template(
        "consultations/edit.html",
        form=form,
        consultation=consultation,
        locked=locked,
        now=now,
    )


@bp.post("/<int:consultation_id>/etape/terminer")
@login_required
def close_phase(consultation_id: int):
    """End the current phase now: the next one starts."""
    consultation = _managed(consultation_id)
    expected = _choice(Phase, ClosePhaseForm().phase.data)
    try:
        phase = consultations.close_phase(
            current_user, consultation, utcnow(), expected
        )
    except InvalidTransition as error:
        flash(str(error), "error")
    else:
        flash(_("Nouvelle étape : %(phase)s.", phase=labels.PHASES[phase]), "success")
    return redirect(url_for(".detail", consultation_id=consultation.id))


@bp.post("/<int:consultation_id>/etape/prolonger")
@login_required
def extend_phase(consultation_id: int):
    """Let the current phase run longer; the later ones move with it."""
    consultation = _managed(consultation_id)
    form = ExtendPhaseForm()
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for(".detail", consultation_id=consultation.id))
    try:
        consultations.extend_phase(
            current_user, consultation, form.until.data.astimezone(UTC), utcnow()
        )
    except InvalidTransition as error:
        flash(str(error), "error")
    else:
        flash(_("L'étape en cours est prolongée."), "success")
    return redirect(url_for(".detail", consultation_id=consultation.id))


@bp.get("/<int:consultation_id>/affiche")
@login_required
def poster(consultation_id: int):
    """An A4 poster for the building hall, with a QR code to the page."""
    consultation = _managed(consultation_id)
    link = printing.public_url("consultations.detail", consultation_id=consultation.id)
    qr = printing.qr_svg(link, _("Code QR vers la page de la consultation"))
    return render_template(
        "consultations/poster.html",
        consultation=consultation,
        link=link,
        qr=qr,
        ancestors=places.ancestors_by_id([consultation.place]),
        now=utcnow(),
    )


@bp.get("/<int:consultation_id>/signalements")
@login_required
def reports(consultation_id: int):
    """Reports waiting for the staff, oldest first, with what was reported."""
    consultation = _managed(consultation_id)
    page = db.paginate(
        proposals.open_reports_query(consultation), per_page=50, max_per_page=50
    )
    return render_template(
        "consultations/reports.html", consultation=consultation, page=page
    )
