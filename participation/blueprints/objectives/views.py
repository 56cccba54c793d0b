"""Views of the objectives: the objective page with its chart, the objective form,
measurements one by one or from a CSV file, and corrections with their history."""

from __future__ import annotations

from datetime import date
from functools import cache

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup

from participation import fragments, permissions
from participation.blueprints.common import apply_errors, authorize
from participation.blueprints.objectives import bp
from participation.blueprints.objectives.forms import (
    EMPTY_MILESTONES,
    CorrectionForm,
    ImportForm,
    MeasurementForm,
    ObjectiveForm,
)
from participation.extensions import db
from participation.models import (
    GroupPartner,
    Measurement,
    MeasurementRevision,
    Objective,
    Period,
    WorkingGroup,
)
from participation.services import ValidationError, commitments, groups, objectives
from participation.services.objectives import (
    MAX_IMPORT_BYTES,
    ImportFailed,
    number,
    period_label,
    when_label,
)
from participation.timeutil import local_date, utcnow

#: The group as its permissions need it (place, partners), with the objective.
_WITH_GROUP = [
    db.joinedload(Objective.group).joinedload(WorkingGroup.place),
    db.joinedload(Objective.group)
    .selectinload(WorkingGroup.partners)
    .joinedload(GroupPartner.organisation),
    db.joinedload(Objective.source_organisation),
    db.selectinload(Objective.milestones),
]


@bp.context_processor
def formatting():
    """Numbers and periods as the page's language writes them."""
    return {"number": number, "period_label": period_label, "when_label": when_label}


def _load(objective_id: int, milestones: bool = True) -> Objective:
    options = _WITH_GROUP if milestones else _WITH_GROUP[:-1]
    return db.get_or_404(Objective, objective_id, options=options)


def _to_detail(objective: Objective, anchor: str | None = None):
    return redirect(
        url_for("objectives.detail", objective_id=objective.id, _anchor=anchor)
    )


def _renamed(error: ValidationError, **names: str) -> ValidationError:
    """The service's errors keyed by the form's field names."""
    return ValidationError({names.get(k, k): v for k, v in error.errors.items()})


# The objective


def _values(form: ObjectiveForm) -> objectives.ObjectiveValues:
    return objectives.ObjectiveValues(
        title=form.title.data or "",
        description=form.description.data or "",
        indicator=form.indicator.data or "",
        unit=form.unit.data or "",
        direction=form.direction.data,
        baseline_value=form.baseline_value.data,
        baseline_date=form.baseline_date.data,
        target_value=form.target_value.data,
        target_date=form.target_date.data,
        source_organisation_id=form.source_organisation_id.data,
        milestones=form.milestone_rows(),
    )


def _objective_errors(form: ObjectiveForm, error: ValidationError) -> list[str]:
    """Put the service's messages next to the fields; return the milestones' (shown
    above the milestone rows)."""
    errors = dict(error.errors)
    milestones = errors.pop("milestones", [])
    apply_errors(form, ValidationError(errors))
    if milestones and not form.form_errors:
        form.form_errors.append(
            _("Le formulaire contient des erreurs : corrigez les champs signalés.")
        )
    return milestones


def _objective_form(template: str, form: ObjectiveForm, milestone_errors, **context):
    status = 422 if request.method == "POST" else 200
    page = render_template(
        template, form=form, milestone_errors=milestone_errors, **context
    )
    return page, status


@bp.route("/groupes/<int:group_id>/objectifs/nouveau", methods=["GET", "POST"])
@login_required
def create(group_id: int):
    """Staff set a new objective for the group."""
    group = db.get_or_404(WorkingGroup, group_id, options=groups.GROUP_OPTIONS)
    authorize(permissions.can_manage_group(current_user, group))
    form = ObjectiveForm(direction="decrease")
    form.set_sources(objectives.source_organisations(group))
    milestone_errors: list[str] = []
    if form.validate_on_submit():
        try:
            objective = objectives.create_objective(
                current_user, group, _values(form), utcnow()
            )
        except ValidationError as error:
            milestone_errors = _objective_errors(form, error)
        else:
            flash(_("Objectif créé."), "success")
            return _to_detail(objective)
    return _objective_form(
        "objectives/create.html", form, milestone_errors, group=group
    )


@bp.route("/objectifs/<int:objective_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(objective_id: int):
    """Staff change the objective; a changed baseline or target is audited."""
    objective = _load(objective_id)
    authorize(permissions.can_manage_group(current_user, objective.group))
    form = ObjectiveForm(data=_objective_data(objective))
    form.set_sources(objectives.source_organisations(objective.group))
    milestone_errors: list[str] = []
    if form.validate_on_submit():
        try:
            objectives.update_objective(
                current_user, objective, _values(form), utcnow()
            )
        except ValidationError as error:
            milestone_errors = _objective_errors(form, error)
        else:
            flash(_("Modifications enregistrées."), "success")
            return _to_detail(objective)
    if request.method == "GET":  # room for more milestones
        while len(form.milestones) < len(objective.milestones) + EMPTY_MILESTONES:
            form.milestones.append_entry()
    return _objective_form(
        "objectives/edit.html",
        form,
        milestone_errors,
        objective=objective,
        group=objective.group,
    )


def _objective_data(objective: Objective) -> dict:
    return {
        "title": objective.title,
        "description": objective.description,
        "indicator": objective.indicator,
        "unit": objective.unit,
        "direction": objective.direction.value,
        "baseline_value": objective.baseline_value,
        "baseline_date": objective.baseline_date,
        "target_value": objective.target_value,
        "target_date": objective.target_date,
        "source_organisation_id": objective.source_organisation_id,
        "milestones": [
            {"due_date": m.due_date, "value": m.value, "label": m.label}
            for m in objective.milestones
        ],
    }


@bp.get("/objectifs/<int:objective_id>")
@login_required
def detail(objective_id: int):
    """The objective: indicator, progress, status, chart, measurements and the
    parties' commitments."""
    objective = _load(objective_id, milestones=False)  # only a fragment needs them
    group = objective.group
    member = groups.membership_of(current_user, group)
    authorize(permissions.can_view_group(current_user, group, member))
    today = local_date(utcnow())
    # Read only if a fragment has to be rendered (none, once they are cached).
    page = cache(lambda: objectives.objective_page(objective, today))
    return render_template(
        "objectives/detail.html",
        objective=objective,
        group=group,
        progress=fragments.fragment(
            "objective-progress",
            objective,
            (today.isoformat(),),
            lambda: render_template(
                "objectives/_progress.html", objective=objective, page=page()
            ),
        ),
        measurements=fragments.fragment(
            "objective-measurements",
            objective,
            permissions.correction_scope(current_user, objective),
            lambda: render_template(
                "objectives/_measurements.html",
                objective=objective,
                page=page(),
                correctable=set(_correctable(page().measurements)),
            ),
        ),
        commitment_panel=commitment_panel(objective, today),
    )


def _correctable(measurements: list[Measurement]) -> tuple[int, ...]:
    """The ids of the measurements the reader may correct (a link each)."""
    return tuple(
        m.id
        for m in measurements
        if permissions.can_correct_measurement(current_user, m)
    )


def commitment_panel(objective: Objective, today: date) -> Markup:
    """The commitments and actions of the objective page: two cached fragments
    (the same for every reader on ``today``), and the reader's own "add" link."""
    panel = cache(lambda: commitments.objective_panel(objective, current_user, today))
    parts = (today.isoformat(),)
    html = render_template(
        "commitments/_objective_panel.html",
        objective=objective,
        can_add=commitments.can_add_commitment(current_user, objective.group),
        commitment_list=fragments.fragment(
            "objective-commitments",
            objective,
            parts,
            lambda: render_template("commitments/_commitment_list.html", panel=panel()),
        ),
        action_list=fragments.fragment(
            "objective-actions",
            objective,
            parts,
            lambda: render_template("commitments/_action_list.html", panel=panel()),
        ),
    )
    return Markup(html)  # noqa: S704  # nosec B704 (rendered by Jinja)


@bp.get("/objectifs/<int:objective_id>/mesures")
@login_required
def history(objective_id: int):
    """Every measurement of the objective, newest first, with its corrections,
    ``PAGE_SIZE`` per page (the objective page shows only the latest ones)."""
    objective = _load(objective_id)
    group = objective.group
    member = groups.membership_of(current_user, group)
    authorize(permissions.can_view_group(current_user, group, member))
    size = current_app.config["PAGE_SIZE"]
    page = db.paginate(
        objectives.measurement_history(objective), per_page=size, max_per_page=size
    )
    return render_template(
        "objectives/history.html",
        page=page,
        objective=objective,
        group=group,
        correctable=set(_correctable(page.items)),
    )


# Measurements


@bp.route("/objectifs/<int:objective_id>/mesures/nouvelle", methods=["GET", "POST"])
@login_required
def report_measurement(objective_id: int):
    """The data source's partner (or the staff) reports a value for a month or
    a day; once the indicator has values, only for the same kind of period."""
    objective = _load(objective_id)
    authorize(permissions.can_report_measurement(current_user, objective))
    in_use = objectives.period_in_use(objective)
    form = MeasurementForm(period=in_use.value if in_use else Period.MONTH.value)
    if form.validate_on_submit():
        try:
            objectives.record_measurement(
                current_user,
                objective,
                form.date_field.data,
                form.chosen_period,
                form.value.data,
                form.note.data or "",
                utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, _renamed(error, measured_on=form.date_field.name))
        else:
            flash(_("Mesure enregistrée. Merci !"), "success")
            return _to_detail(objective, "mesures")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "objectives/report_measurement.html",
        form=form,
        objective=objective,
        in_use=in_use,
    ), status


@bp.route("/objectifs/<int:objective_id>/mesures/import", methods=["GET", "POST"])
@login_required
def import_measurements(objective_id: int):
    """Report many values at once from a CSV file, all or nothing; ``?modele=csv``
    downloads a file to fill in."""
    objective = _load(objective_id)
    authorize(permissions.can_report_measurement(current_user, objective))
    in_use = objectives.period_in_use(objective)
    if request.args.get("modele") == "csv":
        return Response(
            objectives.csv_template(objective, in_use).encode("utf-8-sig"),
            mimetype="text/csv",
            headers={
                "Content-Disposition": "attachment; "
                f'filename="mesures-objectif-{objective.id}.csv"'
            },
        )
    form = ImportForm()
    lines: list[tuple[int, str]] = []
    if form.validate_on_submit():
        try:
            count = objectives.import_measurements(
                current_user,
                objective,
                form.file.data.read(MAX_IMPORT_BYTES + 1),
                utcnow(),
            )
        except ImportFailed as error:
            lines = error.lines
            form.file.errors = [
                *form.file.errors,
                ngettext(
                    "Le fichier contient %(num)d erreur : rien n'a été importé.",
                    "Le fichier contient %(num)d erreurs : rien n'a été importé.",
                    len(lines),
                ),
            ]
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(
                ngettext(
                    "%(num)d mesure importée.", "%(num)d mesures importées.", count
                ),
                "success",
            )
            return _to_detail(objective, "mesures")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "objectives/import_measurements.html",
        form=form,
        objective=objective,
        lines=lines,
        example=objectives.csv_template(objective, in_use),
        in_use=in_use,
    ), status


@bp.route("/mesures/<int:measurement_id>/corriger", methods=["GET", "POST"])
@login_required
def correct_measurement(measurement_id: int):
    """Correct a value, saying why; the page shows its earlier corrections."""
    measurement = db.get_or_404(
        Measurement,
        measurement_id,
        options=[
            db.joinedload(Measurement.objective).options(*_WITH_GROUP),
            db.joinedload(Measurement.organisation),
            db.selectinload(Measurement.revisions).joinedload(
                MeasurementRevision.changed_by
            ),
        ],
    )
    authorize(permissions.can_correct_measurement(current_user, measurement))
    form = CorrectionForm(data={"value": measurement.value, "note": measurement.note})
    if form.validate_on_submit():
        try:
            objectives.correct_measurement(
                current_user,
                measurement,
                form.value.data,
                form.note.data or "",
                form.reason.data or "",
                utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(
                _("Correction enregistrée ; l'historique garde l'ancienne valeur."),
                "success",
            )
            return _to_detail(measurement.objective, f"mesure-{measurement.id}")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "objectives/correct_measurement.html",
        form=form,
        measurement=measurement,
        objective=measurement.objective,
    ), status
