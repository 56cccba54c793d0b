"""Views of the place tree."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participation import permissions, printing
from participation.blueprints.common import (
    EmptyForm,
    apply_errors,
    authorize,
    require_back_office,
)
from participation.blueprints.places import bp
from participation.blueprints.places.forms import LettersForm, PlaceForm, TerritoryForm
from participation.extensions import db
from participation.models import Organisation, Place
from participation.services import (
    InvalidTransition,
    ValidationError,
    invitations,
    organisations,
    places,
)
from participation.timeutil import utcnow

bp.before_request(require_back_office)


@bp.get("/")
def index():
    """The tree of places the user manages, with dwelling counts."""
    rows = places.tree_rows(
        db.session.scalars(places.managed_places_query(current_user)).all()
    )
    counts = places.dwelling_counts([p.id for p in rows])
    return render_template("places/index.html", rows=rows, counts=counts)


@bp.get("/<int:place_id>")
def detail(place_id: int):
    """One place: where it is, what it contains, what to do with it."""
    place = db.get_or_404(Place, place_id)
    authorize(permissions.can_manage_place(current_user, place))
    children = places.children_of(place)
    return render_template(
        "places/detail.html",
        place=place,
        children=children,
        counts=places.dwelling_counts([place.id, *[c.id for c in children]]),
        total=places.dwelling_count_below(place),
        ancestors=places.ancestors_by_id([place]),
        letters_form=LettersForm(),
        delete_form=EmptyForm(),
    )


@bp.route("/nouveau", methods=["GET", "POST"])
def create():
    """Add a neighbourhood, or a place inside ``parent_id``."""
    parent = None
    if request.args.get("parent_id"):
        parent = db.get_or_404(Place, request.args.get("parent_id", type=int))
        authorize(permissions.can_manage_place(current_user, parent))
        if parent.kind.child_kind is None:
            abort(404)
        form = PlaceForm()
    else:
        authorize(permissions.can_create_territory(current_user))
        form = TerritoryForm()
        form.landlord.choices = [
            (o.id, o.name) for o in organisations.managed_landlords(current_user)
        ]
    if form.validate_on_submit():
        landlord = None if parent else db.session.get(Organisation, form.landlord.data)
        try:
            place = places.create_place(
                current_user,
                name=form.name.data,
                address=form.address.data,
                parent=parent,
                landlord=landlord,
                now=utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("« %(name)s » est ajouté.", name=place.name), "success")
            return redirect(url_for("places.detail", place_id=place.id))
    kind = parent.kind.child_kind if parent else None
    return render_template(
        "places/edit.html", form=form, parent=parent, place=None, kind=kind
    )


@bp.route("/<int:place_id>/modifier", methods=["GET", "POST"])
def edit(place_id: int):
    """Rename a place or change its address."""
    place = db.get_or_404(Place, place_id)
    authorize(permissions.can_manage_place(current_user, place))
    form = PlaceForm(obj=place)
    if form.validate_on_submit():
        try:
            places.update_place(
                current_user,
                place,
                name=form.name.data,
                address=form.address.data,
                now=utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Modifications enregistrées."), "success")
            return redirect(url_for("places.detail", place_id=place.id))
    return render_template(
        "places/edit.html", form=form, parent=place.parent, place=place, kind=place.kind
    )


@bp.post("/<int:place_id>/supprimer")
def delete(place_id: int):
    """Remove an empty place."""
    place = db.get_or_404(Place, place_id)
    authorize(permissions.can_manage_place(current_user, place))
    parent_id = place.parent_id
    try:
        places.delete_place(current_user, place, utcnow())
    except InvalidTransition as error:
        flash(str(error), "error")
        return redirect(url_for("places.detail", place_id=place_id))
    flash(_("Le lieu est supprimé."), "success")
    if parent_id:
        return redirect(url_for("places.detail", place_id=parent_id))
    return redirect(url_for("places.index"))


@bp.post("/<int:place_id>/courriers")
def letters(place_id: int):
    """Issue new invitation codes and show them as A4 letters to print now."""
    place = db.get_or_404(Place, place_id)
    authorize(permissions.can_manage_place(current_user, place))
    form = LettersForm()
    issued = invitations.issue_letters(
        current_user,
        place,
        only_vacant=form.only_vacant.data,
        replace_valid=form.replace_valid.data,
        now=utcnow(),
    )
    if not issued:
        flash(
            _(
                "Aucun courrier à imprimer : les logements concernés ont déjà un "
                "code valable. Pour réimprimer, cochez « Remplacer aussi les codes "
                "encore valables »."
            ),
            "info",
        )
        return redirect(url_for("places.detail", place_id=place.id))
    sign_up = printing.public_url("auth.register")
    qr_title = _("Code QR vers la page d'inscription")
    letters = [
        (
            item,
            printing.qr_svg(
                printing.public_url("auth.register", code=item.code), qr_title
            ),
        )
        for item in issued
    ]
    response = render_template(
        "places/letters.html",
        place=place,
        letters=letters,
        sign_up=sign_up,
        ancestors=places.ancestors_by_id([item.dwelling.place for item in issued]),
    )
    return response, 200, {"Cache-Control": "no-store"}
