"""Views of the dwelling pages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from participation import permissions
from participation.blueprints.common import (
    apply_errors,
    authorize,
    place_filter,
    require_back_office,
)
from participation.blueprints.dwellings import bp
from participation.blueprints.dwellings.forms import DwellingForm, ImportForm
from participation.extensions import db
from participation.models import (
    Dwelling,
    Organisation,
    Place,
    PlaceKind,
)
from participation.services import ValidationError, dwellings, organisations, places
from participation.services.dwellings import CSV_COLUMNS, ImportFailed
from participation.timeutil import utcnow

bp.before_request(require_back_office)


@bp.get("/")
def index():
    """Dwellings, filtered by place and reference, with code and occupancy."""
    place = place_filter()
    search = request.args.get("q", "")
    page = db.paginate(
        dwellings.dwellings_query(current_user, place=place, search=search),
        per_page=50,
        max_per_page=200,
    )
    return render_template(
        "dwellings/index.html",
        page=page,
        place=place,
        search=search,
        statuses=dwellings.statuses([d.id for d in page.items]),
        ancestors=places.ancestors_by_id([d.place for d in page.items]),
        now=utcnow(),
    )


def _place_choices(landlord_id: int | None = None) -> list[tuple[int, str]]:
    """Buildings and entrances the user manages, labelled with their chain."""
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
        if p.kind in (PlaceKind.BUILDING, PlaceKind.ENTRANCE)
        and (landlord_id is None or p.landlord_id == landlord_id)
    ]


@bp.route("/nouveau", methods=["GET", "POST"])
def create():
    """Add a dwelling to a building or entrance."""
    form = DwellingForm(place=request.args.get("place_id", type=int))
    form.place.choices = _place_choices()
    if form.validate_on_submit():
        place = db.get_or_404(Place, form.place.data)
        try:
            dwelling = dwellings.create_dwelling(
                current_user,
                place,
                reference=form.reference.data,
                label=form.label.data,
                now=utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Logement %(ref)s ajouté.", ref=dwelling.reference), "success")
            return redirect(url_for("dwellings.index", place_id=place.id))
    return render_template("dwellings/edit.html", form=form, dwelling=None)


@bp.route("/<int:dwelling_id>/modifier", methods=["GET", "POST"])
def edit(dwelling_id: int):
    """Change a dwelling's reference, description or place."""
    dwelling = db.get_or_404(Dwelling, dwelling_id)
    authorize(permissions.can_manage_dwelling(current_user, dwelling))
    form = DwellingForm(obj=dwelling, place=dwelling.place_id)
    form.place.choices = _place_choices(dwelling.landlord_id)
    if form.validate_on_submit():
        place = db.get_or_404(Place, form.place.data)
        try:
            dwellings.update_dwelling(
                current_user,
                dwelling,
                reference=form.reference.data,
                label=form.label.data,
                place=place,
                now=utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Logement enregistré."), "success")
            return redirect(url_for("dwellings.index", place_id=place.id))
    return render_template("dwellings/edit.html", form=form, dwelling=dwelling)


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    """Import dwellings (and the places they name) from a CSV file, all or nothing."""
    form = ImportForm()
    form.landlord.choices = [
        (o.id, o.name) for o in organisations.managed_landlords(current_user)
    ]
    lines: list = []
    if form.validate_on_submit():
        landlord = db.session.get(Organisation, form.landlord.data) or abort(400)
        try:
            report = dwellings.import_dwellings(
                current_user, landlord, form.file.data.read(), utcnow()
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
        else:
            flash(
                _(
                    "%(d)d logements et %(p)d lieux importés.",
                    d=report.dwellings,
                    p=report.places,
                ),
                "success",
            )
            return redirect(url_for("places.index"))
    status = 422 if lines else 200
    return render_template(
        "dwellings/import.html", form=form, lines=lines, columns=CSV_COLUMNS
    ), status
