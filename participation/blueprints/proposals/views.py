"""Views of the proposals: submitting, reading, discussing and moderating ideas."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from participation import permissions
from participation.blueprints.common import (
    apply_errors,
    authorize,
    rate_limit,
    safe_next,
    visible_consultation,
)
from participation.blueprints.proposals import bp
from participation.blueprints.proposals.forms import (
    AnswerForm,
    CommentForm,
    DuplicateForm,
    OnBehalfForm,
    ProposalForm,
    ReasonForm,
    ReportForm,
)
from participation.extensions import db
from participation.models import (
    Comment,
    Proposal,
    ProposalStatus,
    Report,
)
from participation.models.proposal import ANSWER_STATUSES
from participation.services import InvalidTransition, ValidationError, proposals
from participation.timeutil import utcnow

#: What the proposal page shows beside the proposal, loaded with it.
_WITH_PAGE = [
    db.joinedload(Proposal.consultation),
    db.joinedload(Proposal.author),
    db.joinedload(Proposal.place),
]


def _load(proposal_id: int, now: datetime) -> Proposal:
    """The proposal, or 404 for whoever may not see it."""
    proposal = db.get_or_404(Proposal, proposal_id, options=_WITH_PAGE)
    if not permissions.can_view_proposal(current_user, proposal, now):
        abort(404)
    return proposal


def _to_detail(proposal: Proposal, anchor: str | None = None):
    """Back to the proposal, or to ``next`` (e.g. the consultation's reports)."""
    return redirect(
        safe_next(url_for("proposals.detail", proposal_id=proposal.id, _anchor=anchor))
    )


def _values(form: ProposalForm, buildings) -> proposals.ProposalValues:
    place_id = form.place.data if "place" in form else None
    return proposals.ProposalValues(
        title=form.title.data or "",
        body=form.body.data or "",
        estimated_cost=form.estimated_cost.data,
        place=next((p for p in buildings if p.id == place_id), None),
    )


def _originals(proposal: Proposal, now: datetime) -> list[Proposal]:
    """What a proposal may be merged into (nothing once voting has started)."""
    if not proposal.is_listed or proposal.consultation.voting_has_started(now):
        return []
    query = proposals.proposals_query(proposal.consultation).where(
        Proposal.id != proposal.id
    )
    return list(db.session.scalars(query))


def _detail_page(
    proposal: Proposal,
    now: datetime,
    failed: str | None = None,
    form: FlaskForm | None = None,
):
    """The proposal page; ``failed`` names the form (``comment``, ``reply-<id>``,
    ``report``, ``report-<id>``, ``hide``, ``duplicate``, ``hide-<id>``) that
    ``form`` failed to submit, to show its errors where it was typed (422)."""
    consultation = proposal.consultation
    moderator = permissions.can_moderate(current_user, consultation)
    originals = _originals(proposal, now) if moderator else []
    duplicate_form = form if failed == "duplicate" else DuplicateForm(formdata=None)
    duplicate_form.set_originals(originals)
    page = render_template(
        "proposals/detail.html",
        proposal=proposal,
        consultation=consultation,
        now=now,
        threads=proposals.comment_threads(
            proposal,
            include_hidden=moderator,
            author_id=current_user.id if current_user.is_authenticated else None,
        ),
        reports=proposals.open_reports_of(proposal) if moderator else [],
        originals=originals,
        comment_form=form if failed == "comment" else CommentForm(formdata=None),
        duplicate_form=duplicate_form,
        failed=failed,
        failed_form=form,
    )
    return page, 422 if failed else 200


# Submitting and editing


@bp.route("/nouvelle/<int:consultation_id>", methods=["GET", "POST"])
@login_required
@rate_limit("RATELIMIT_PROPOSAL")
def create(consultation_id: int):
    """Propose an idea; staff type in one collected in person."""
    now = utcnow()
    consultation = visible_consultation(consultation_id, now)
    on_behalf = permissions.can_propose_on_behalf(current_user, consultation, now)
    authorize(on_behalf or permissions.can_propose(current_user, consultation, now))
    form = OnBehalfForm() if on_behalf else ProposalForm()
    buildings = proposals.buildings_of(consultation)
    form.set_buildings(buildings)
    if form.validate_on_submit():
        values = _values(form, buildings)
        try:
            if on_behalf:
                proposal = proposals.submit_on_behalf(
                    current_user, consultation, values, form.person_name.data, now
                )
            else:
                proposal = proposals.submit_proposal(
                    current_user, consultation, values, now
                )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Votre idée est publiée. Merci !"), "success")
            return _to_detail(proposal)
    return render_template(
        "proposals/create.html",
        form=form,
        consultation=consultation,
        on_behalf=on_behalf,
    )


@bp.route("/<int:proposal_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    """The author changes their idea until voting starts."""
    now = utcnow()
    proposal = _load(proposal_id, now)
    authorize(permissions.can_edit_proposal(current_user, proposal, now))
    form = ProposalForm(
        title=proposal.title,
        body=proposal.body,
        estimated_cost=proposal.estimated_cost,
        place=proposal.place_id,
    )
    buildings = proposals.buildings_of(proposal.consultation)
    form.set_buildings(buildings)
    if form.validate_on_submit():
        try:
            proposals.update_proposal(
                current_user, proposal, _values(form, buildings), now
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Modifications enregistrées."), "success")
            return _to_detail(proposal)
    return render_template(
        "proposals/edit.html",
        form=form,
        proposal=proposal,
        consultation=proposal.consultation,
    )


@bp.post("/<int:proposal_id>/retirer")
@login_required
def withdraw(proposal_id: int):
    """The author takes their idea back before voting starts."""
    now = utcnow()
    proposal = _load(proposal_id, now)
    authorize(permissions.can_withdraw_proposal(current_user, proposal, now))
    proposals.withdraw_proposal(current_user, proposal, now)
    flash(_("Votre proposition est retirée."), "success")
    return _to_detail(proposal)


# Reading


@bp.get("/<int:proposal_id>")
def detail(proposal_id: int):
    """One idea: its text, the official answer, the discussion."""
    now = utcnow()
    return _detail_page(_load(proposal_id, now), now)


# Discussing and reporting


@bp.post("/<int:proposal_id>/commentaires")
@login_required
@rate_limit("RATELIMIT_COMMENT")
def comment(proposal_id: int):
    """Comment on an idea, or reply to a comment (``parent_id``)."""
    now = utcnow()
    proposal = _load(proposal_id, now)
    authorize(permissions.can_comment(current_user, proposal, now))
    form = CommentForm()
    parent = None
    if form.parent_id.data is not None:
        parent = db.get_or_404(Comment, form.parent_id.data)
    # Errors show on the form that was typed in: a reply's own, or the main one.
    replying = parent is not None and parent.parent_id is None and not parent.is_hidden
    failed = f"reply-{parent.id}" if replying else "comment"
    if form.validate_on_submit():
        try:
            posted = proposals.post_comment(
                current_user, proposal, form.body.data, now, parent=parent
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Votre commentaire est publié."), "success")
            return _to_detail(proposal, f"commentaire-{posted.id}")
    return _detail_page(proposal, now, failed, form)


@bp.post("/<int:proposal_id>/signaler")
@login_required
@rate_limit("RATELIMIT_REPORT")
def report(proposal_id: int):
    """Flag an idea, or one of its comments (``comment_id``), to the staff."""
    now = utcnow()
    proposal = _load(proposal_id, now)
    form = ReportForm()
    flagged = None
    if form.comment_id.data is not None:
        flagged = db.get_or_404(Comment, form.comment_id.data)
        if flagged.proposal_id != proposal.id:
            abort(404)
    author_id = flagged.author_id if flagged else proposal.author_id
    authorize(permissions.can_report(current_user, author_id))
    if form.validate_on_submit():
        try:
            proposals.report(current_user, proposal, form.reason.data, now, flagged)
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "info")
            return _to_detail(proposal)
        else:
            flash(_("Merci : l'équipe va examiner votre signalement."), "success")
            return _to_detail(proposal)
    return _detail_page(
        proposal, now, f"report-{flagged.id}" if flagged else "report", form
    )


# Moderation


@bp.post("/<int:proposal_id>/masquer")
@login_required
def hide(proposal_id: int):
    """Staff take an idea out of lists and counts; its author reads why."""
    now = utcnow()
    proposal = _load(proposal_id, now)
    authorize(permissions.can_moderate(current_user, proposal.consultation))
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            proposals.hide_proposal(current_user, proposal, form.reason.data, now)
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "error")
            return _to_detail(proposal)
        else:
            flash(_("La proposition est masquée ; son auteur est prévenu."), "success")
            return _to_detail(proposal)
    return _detail_page(proposal, now, "hide", form)


@bp.post("/<int:proposal_id>/doublon")
@login_required
def duplicate(proposal_id: int):
    """Staff merge an idea into another one of the same consultation."""
    now = utcnow()
    proposal = _load(proposal_id, now)
    authorize(permissions.can_moderate(current_user, proposal.consultation))
    form = DuplicateForm()
    form.set_originals(_originals(proposal, now))
    if form.validate_on_submit():
        original = db.get_or_404(Proposal, form.original.data)
        try:
            proposals.mark_duplicate(current_user, proposal, original, now)
        except InvalidTransition as error:
            flash(str(error), "error")
            return _to_detail(proposal)
        flash(_("La proposition est marquée comme doublon."), "success")
        return _to_detail(proposal)
    return _detail_page(proposal, now, "duplicate", form)


@bp.route("/<int:proposal_id>/reponse", methods=["GET", "POST"])
@login_required
def answer(proposal_id: int):
    """Staff give the official answer and status; the author hears of it."""
    now = utcnow()
    proposal = _load(proposal_id, now)
    authorize(permissions.can_moderate(current_user, proposal.consultation))
    answered = proposal.status in ANSWER_STATUSES
    form = AnswerForm(
        status=proposal.status.value if answered else None, answer=proposal.answer
    )
    if form.validate_on_submit():
        try:
            proposals.answer_proposal(
                current_user,
                proposal,
                ProposalStatus(form.status.data),
                form.answer.data or "",
                now,
            )
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "error")
            return _to_detail(proposal)
        else:
            flash(_("La réponse est publiée ; l'auteur est prévenu."), "success")
            return _to_detail(proposal, "reponse")
    return render_template(
        "proposals/answer.html",
        form=form,
        proposal=proposal,
        consultation=proposal.consultation,
    )


@bp.post("/commentaires/<int:comment_id>/masquer")
@login_required
def hide_comment(comment_id: int):
    """Staff remove a comment (and its replies) from the page and the count."""
    now = utcnow()
    flagged = db.get_or_404(Comment, comment_id)
    proposal = flagged.proposal
    authorize(permissions.can_moderate(current_user, proposal.consultation))
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            proposals.hide_comment(current_user, flagged, form.reason.data, now)
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "error")
            return _to_detail(proposal)
        else:
            flash(_("Le commentaire est masqué."), "success")
            return _to_detail(proposal, "commentaires")
    return _detail_page(proposal, now, f"hide-{flagged.id}", form)


@bp.post("/signalements/<int:report_id>/classer")
@login_required
def dismiss_report(report_id: int):
    """Staff leave a reported text as it is."""
    flag = db.get_or_404(Report, report_id)
    authorize(permissions.can_moderate(current_user, flag.proposal.consultation))
    proposals.dismiss_report(current_user, flag, utcnow())
    flash(_("Signalement classé sans suite."), "success")
    return _to_detail(flag.proposal)
