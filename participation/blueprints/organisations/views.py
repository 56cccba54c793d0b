"""Views of the organisation pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participation import permissions
from participation.blueprints.common import (
    apply_errors,
    authorize,
    require_back_office,
)
from participation.blueprints.organisations import bp
from participation.blueprints.organisations.forms import OrganisationForm
from participation.extensions import db
from participation.labels import ORGANISATION_KINDS
from participation.models import Organisation, OrganisationKind
from participation.services import ValidationError, organisations
from participation.timeutil import utcnow

bp.before_request(require_back_office)  # staff and admins see organisations


def _form(organisation: Organisation | None = None) -> OrganisationForm:
    """The form, offering only the kinds this person may choose."""
    form = OrganisationForm(obj=organisation)
    form.kind.choices = [
        (kind.value, label)
        for kind, label in ORGANISATION_KINDS.items()
        if permissions.can_manage_organisation(current_user, kind=kind)
    ]
    return form


@bp.get("/")
def index():
    """List organisations with their number of accounts."""
    rows = organisations.with_account_counts()
    return render_template("organisations/index.html", rows=rows)


@bp.route("/nouvelle", methods=["GET", "POST"])
def create():
    """Create an organisation (staff: a local partner, not a landlord)."""
    authorize(permissions.can_manage_organisation(current_user))
    form = _form()
    if form.validate_on_submit():
        try:
            organisations.create_organisation(
                current_user,
                name=form.name.data,
                kind=OrganisationKind(form.kind.data),
                now=utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Organisation créée."), "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/edit.html", form=form, organisation=None)


@bp.route("/<int:organisation_id>/modifier", methods=["GET", "POST"])
def edit(organisation_id: int):
    """Rename an organisation or change its type."""
    organisation = db.get_or_404(Organisation, organisation_id)
    authorize(permissions.can_manage_organisation(current_user, organisation))
    form = _form(organisation)
    if form.validate_on_submit():
        try:
            organisations.update_organisation(
                current_user,
                organisation,
                name=form.name.data,
                kind=OrganisationKind(form.kind.data),
                now=utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Organisation enregistrée."), "success")
            return redirect(url_for("organisations.index"))
    return render_template(
        "organisations/edit.html", form=form, organisation=organisation
    )
