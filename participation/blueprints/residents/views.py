"""Views of the resident pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participation import permissions
from participation.blueprints.common import (
    EmptyForm,
    apply_errors,
    authorize,
    place_filter,
    require_back_office,
)
from participation.blueprints.residents import bp
from participation.blueprints.residents.forms import ApproveForm, RefuseForm
from participation.extensions import db
from participation.models import Dwelling, Residency, VerificationRequest
from participation.services import InvalidTransition, ValidationError, places, residents
from participation.services.invitations import dwellings_for_letters
from participation.timeutil import utcnow

PAGE_SIZE = 50


bp.before_request(require_back_office)


@bp.get("/")
def index():
    """Requests waiting for a decision, then verified residents."""
    place = place_filter()
    pending = db.paginate(
        residents.pending_requests_query(current_user, place),
        page=request.args.get("demandes", 1, type=int),
        per_page=PAGE_SIZE,
    )
    page = db.paginate(
        residents.residents_query(current_user, place), per_page=PAGE_SIZE
    )
    return render_template(
        "residents/index.html",
        pending=pending,
        page=page,
        place=place,
        ancestors=places.ancestors_by_id(
            [r.dwelling.place for r in page.items] + [r.place for r in pending.items]
        ),
        end_form=EmptyForm(),
    )


def _load_request(request_id: int) -> VerificationRequest:
    verification = db.get_or_404(VerificationRequest, request_id)
    authorize(permissions.can_review_verification(current_user, verification))
    return verification


def _review(verification, approve_form=None, refuse_form=None, status=200):
    approve_form = approve_form or ApproveForm()
    approve_form.dwelling.choices = [(0, _("— Choisissez —"))] + [
        (d.id, d.reference + (f" — {d.label}" if d.label else ""))
        for d in dwellings_for_letters(verification.place, only_vacant=False)
    ]
    return render_template(
        "residents/review.html",
        verification=verification,
        approve_form=approve_form,
        refuse_form=refuse_form or RefuseForm(),
        ancestors=places.ancestors_by_id([verification.place]),
    ), status


@bp.get("/demandes/<int:request_id>")
def review(request_id: int):
    """One request: who asks, for where, and the two possible answers."""
    return _review(_load_request(request_id))


@bp.post("/demandes/<int:request_id>/accepter")
def approve(request_id: int):
    """Verify the person for the chosen dwelling."""
    verification = _load_request(request_id)
    form = ApproveForm()
    form.dwelling.choices = [
        (d.id, d.reference)
        for d in dwellings_for_letters(verification.place, only_vacant=False)
    ]
    if not form.validate_on_submit():
        return _review(verification, approve_form=form, status=422)
    dwelling = db.get_or_404(Dwelling, form.dwelling.data)
    try:
        residents.approve(current_user, verification, dwelling, utcnow())
    except InvalidTransition as error:
        flash(str(error), "error")
        return redirect(url_for("residents.review", request_id=request_id))
    else:
        flash(
            _(
                "%(name)s est vérifié·e pour le logement %(ref)s.",
                name=verification.user.display_name,
                ref=dwelling.reference,
            ),
            "success",
        )
    return redirect(url_for("residents.index"))


@bp.post("/demandes/<int:request_id>/refuser")
def refuse(request_id: int):
    """Refuse the request with a reason the person will receive."""
    verification = _load_request(request_id)
    form = RefuseForm()
    if form.validate_on_submit():
        try:
            residents.refuse(current_user, verification, form.reason.data, utcnow())
        except InvalidTransition as error:
            flash(str(error), "error")
            return redirect(url_for("residents.review", request_id=request_id))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("La demande est refusée ; la personne est prévenue."), "success")
            return redirect(url_for("residents.index"))
    return _review(verification, refuse_form=form, status=422)


@bp.post("/residences/<int:residency_id>/depart")
def end_residency(residency_id: int):
    """Record that a resident has moved out."""
    residency = db.get_or_404(Residency, residency_id)
    authorize(permissions.can_manage_dwelling(current_user, residency.dwelling))
    try:
        residents.end_residency(current_user, residency, utcnow())
    except InvalidTransition as error:
        flash(str(error), "error")
    else:
        flash(_("Le départ est enregistré."), "success")
    return redirect(url_for("residents.index"))
