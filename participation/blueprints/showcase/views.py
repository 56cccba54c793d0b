"""Views of the showcase: published initiatives for everyone, open-data exports,
and the staff's publish / unpublish buttons."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from participation import permissions
from participation.blueprints.common import apply_errors, authorize
from participation.blueprints.showcase import bp
from participation.blueprints.showcase.forms import PublishForm
from participation.extensions import db
from participation.models import WorkingGroup
from participation.services import InvalidTransition, ValidationError, showcase
from participation.timeutil import utcnow

PER_PAGE = 20


def _published(group_id: int, preview: bool = False) -> WorkingGroup:
    """The group, or 404 when it does not exist or is not published — unless
    ``preview`` and the user manages it (staff check the page before publishing;
    nobody else may tell that the group exists)."""
    group = db.get_or_404(
        WorkingGroup,
        group_id,
        options=[
            db.joinedload(WorkingGroup.place),
            db.joinedload(WorkingGroup.landlord),
        ],
    )
    if not group.is_published and not (
        preview and permissions.can_manage_group(current_user, group)
    ):
        abort(404)
    return group


def _managed(group_id: int) -> WorkingGroup:
    group = db.get_or_404(WorkingGroup, group_id)
    authorize(permissions.can_manage_group(current_user, group))
    return group


@bp.get("/initiatives/")
def index():
    """Published initiatives, newest first, optionally one landlord's."""
    landlords = showcase.publishing_landlords()
    landlord_id = request.args.get("bailleur", type=int)
    landlord = next((o for o in landlords if o.id == landlord_id), None)
    page = db.paginate(
        showcase.published_query(landlord.id if landlord else None),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
    )
    return render_template(
        "showcase/index.html",
        page=page,
        landlords=landlords,
        landlord=landlord,
        overviews=showcase.overviews(page.items),
    )


@bp.get("/initiatives/<int:group_id>")
def detail(group_id: int):
    """The public page of an initiative: no personal data. Its staff preview it
    before it is published (with a banner saying so)."""
    group = _published(group_id, preview=True)
    return render_template(
        "showcase/detail.html",
        group=group,
        preview=not group.is_published,
        initiative=showcase.public_initiative(group, utcnow()),
        page_url=url_for("showcase.detail", group_id=group.id, _external=True),
    )


@bp.get("/initiatives/<int:group_id>.csv")
def export_csv(group_id: int):
    """The measurements and actions of a published initiative, as CSV."""
    group = _published(group_id)
    data = showcase.export_csv(showcase.public_initiative(group, utcnow()))
    return Response(
        data,
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="initiative-{group.id}.csv"'
        },
    )


@bp.get("/initiatives/<int:group_id>.json")
def export_json(group_id: int):
    """A published initiative as JSON (open data)."""
    group = _published(group_id)
    data = showcase.export_json(
        showcase.public_initiative(group, utcnow()),
        url_for("showcase.detail", group_id=group.id, _external=True),
    )
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="initiative-{group.id}.json"'
        },
    )


@bp.post("/groupes/<int:group_id>/publier")
@login_required
def publish(group_id: int):
    """Staff publish the initiative (or update its summary)."""
    group = _managed(group_id)
    form = PublishForm()
    if form.validate_on_submit():
        first = not group.is_published
        try:
            showcase.publish(
                current_user,
                group,
                form.summary.data or "",
                utcnow(),
                reviewed=bool(form.reviewed.data),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(
                _("L'initiative est publiée : voici sa page publique.")
                if first
                else _("Le résumé public est mis à jour."),
                "success",
            )
            return redirect(url_for("showcase.detail", group_id=group.id))
    return render_template("showcase/publish.html", group=group, form=form), 422


@bp.post("/groupes/<int:group_id>/depublier")
@login_required
def unpublish(group_id: int):
    """Staff take the initiative off the public showcase."""
    group = _managed(group_id)
    try:
        showcase.unpublish(current_user, group, utcnow())
    except InvalidTransition as error:
        flash(str(error), "error")
    else:
        flash(_("L'initiative n'est plus publique."), "success")
    return redirect(url_for("groups.detail", group_id=group.id))
