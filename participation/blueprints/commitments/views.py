"""Views of the commitments blueprint: each party's commitments, the actions
reported against them, and the group's scorecard."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from participation import permissions
from participation.blueprints.commitments import bp
from participation.blueprints.commitments.forms import (
    ActionForm,
    CommitmentForm,
    StatusForm,
    party_value,
    read_party,
)
from participation.blueprints.common import apply_errors, authorize
from participation.extensions import db
from participation.models import (
    Commitment,
    CommitmentStatus,
    GroupPartner,
    Objective,
    WorkingGroup,
)
from participation.services import (
    InvalidTransition,
    ValidationError,
    commitments,
    groups,
)
from participation.timeutil import local_date, utcnow

#: The group with what permissions and party choices read (partners, landlord).
_GROUP = (
    db.selectinload(WorkingGroup.partners).joinedload(GroupPartner.organisation),
    db.joinedload(WorkingGroup.landlord),
)


def _authorize_view(group: WorkingGroup) -> None:
    member = groups.membership_of(current_user, group)
    authorize(permissions.can_view_group(current_user, group, member))


def _objective(objective_id: int) -> Objective:
    return db.get_or_404(
        Objective,
        objective_id,
        options=[db.joinedload(Objective.group).options(*_GROUP)],
    )


def _commitment(commitment_id: int) -> Commitment:
    return db.get_or_404(
        Commitment,
        commitment_id,
        options=[
            db.joinedload(Commitment.organisation),
            db.joinedload(Commitment.objective)
            .joinedload(Objective.group)
            .options(*_GROUP),
        ],
    )


def _to_detail(commitment: Commitment):
    return redirect(url_for("commitments.detail", commitment_id=commitment.id))


def _values(form: CommitmentForm) -> commitments.CommitmentValues:
    party, organisation_id = read_party(form.party.data)
    return commitments.CommitmentValues(
        party=party,
        organisation_id=organisation_id,
        title=form.title.data or "",
        details=form.details.data or "",
        due_date=form.due_date.data,
    )


@bp.route("/objectifs/<int:objective_id>/engagements/nouveau", methods=["GET", "POST"])
@login_required
def create(objective_id: int):
    """State a commitment towards an objective, for a party one may commit for."""
    objective = _objective(objective_id)
    parties = commitments.stateable_parties(current_user, objective.group)
    authorize(bool(parties))
    form = CommitmentForm()
    form.set_parties(parties)
    if form.validate_on_submit():
        try:
            commitment = commitments.state_commitment(
                current_user, objective, _values(form), utcnow()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("L'engagement est enregistré ; le groupe est prévenu."), "success")
            return _to_detail(commitment)
    page = render_template("commitments/create.html", form=form, objective=objective)
    return page, 422 if form.errors or form.form_errors else 200


@bp.route("/engagements/<int:commitment_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(commitment_id: int):
    """Change what a commitment says or its due date."""
    commitment = _commitment(commitment_id)
    authorize(permissions.can_edit_commitment(current_user, commitment))
    parties = commitments.stateable_parties(current_user, commitment.objective.group)
    current = (commitment.party, commitment.organisation)
    if party_value(*current) not in {party_value(*p) for p in parties}:
        parties.insert(0, current)
    form = CommitmentForm(
        party=party_value(*current),
        title=commitment.title,
        details=commitment.details,
        due_date=commitment.due_date,
    )
    form.set_parties(parties)
    if form.validate_on_submit():
        try:
            commitments.update_commitment(
                current_user, commitment, _values(form), utcnow()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Modifications enregistrées."), "success")
            return _to_detail(commitment)
    page = render_template("commitments/edit.html", form=form, commitment=commitment)
    return page, 422 if form.errors or form.form_errors else 200


@bp.get("/engagements/<int:commitment_id>")
@login_required
def detail(commitment_id: int):
    """A commitment: who, what, by when, how it stands, and its actions."""
    commitment = _commitment(commitment_id)
    _authorize_view(commitment.objective.group)
    today = local_date(utcnow())
    return render_template(
        "commitments/detail.html",
        commitment=commitment,
        objective=commitment.objective,
        group=commitment.objective.group,
        actions=commitments.actions_of(commitment),
        today=today,
        statuses=list(CommitmentStatus),
    )


@bp.get("/objectifs/<int:objective_id>/actions")
@login_required
def objective_actions(objective_id: int):
    """Every action reported for the objective, newest first, ``PAGE_SIZE`` per
    page (the objective page shows only the latest ones)."""
    objective = _objective(objective_id)
    _authorize_view(objective.group)
    size = current_app.config["PAGE_SIZE"]
    page = db.paginate(
        commitments.action_history(objective), per_page=size, max_per_page=size
    )
    return render_template(
        "commitments/objective_actions.html",
        page=page,
        objective=objective,
        group=objective.group,
    )


@bp.post("/engagements/<int:commitment_id>/statut")
@login_required
def set_status(commitment_id: int):
    """Mark a commitment planned, in progress, kept or not kept."""
    commitment = _commitment(commitment_id)
    authorize(permissions.can_edit_commitment(current_user, commitment))
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Choisissez un statut."), "error")
        return _to_detail(commitment)
    try:
        commitments.set_status(
            current_user, commitment, CommitmentStatus(form.status.data), utcnow()
        )
    except InvalidTransition as error:
        flash(str(error), "info")
    else:
        flash(
            _(
                "L'engagement est maintenant « %(status)s ».",
                status=commitments.STATUS_LABELS[commitment.status],
            ),
            "success",
        )
    return _to_detail(commitment)


@bp.route("/engagements/<int:commitment_id>/actions/nouvelle", methods=["GET", "POST"])
@login_required
def report_action(commitment_id: int):
    """Report what was done for a commitment (a partner, for their own
    organisation's)."""
    commitment = _commitment(commitment_id)
    authorize(permissions.can_report_action(current_user, commitment))
    now = utcnow()
    form = ActionForm()
    if form.validate_on_submit():
        try:
            commitments.report_action(
                current_user,
                commitment,
                form.done_on.data,
                form.description.data or "",
                form.quantity.data,
                form.unit.data or "",
                now,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("L'action est enregistrée ; le groupe est prévenu."), "success")
            return _to_detail(commitment)
    page = render_template(
        "commitments/report_action.html",
        form=form,
        commitment=commitment,
        today=local_date(now),
    )
    return page, 422 if form.errors or form.form_errors else 200


@bp.get("/groupes/<int:group_id>/engagements")
@login_required
def scorecard(group_id: int):
    """Each party's commitments across the group's objectives: kept, late,
    pending, not kept."""
    group = db.get_or_404(WorkingGroup, group_id, options=list(_GROUP))
    _authorize_view(group)
    today = local_date(utcnow())
    items = commitments.group_commitments(group)
    return render_template(
        "commitments/scorecard.html",
        group=group,
        today=today,
        scorecard=commitments.scorecard(items, today),
        by_party=commitments.by_party(items),
    )
