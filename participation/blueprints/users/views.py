"""Views of the account management pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from participation import permissions, printing
from participation.blueprints.common import apply_errors, authorize
from participation.blueprints.users import bp
from participation.blueprints.users.forms import NewUserForm, UserForm
from participation.extensions import db
from participation.models import Organisation, Role, User
from participation.services import ValidationError, users
from participation.timeutil import utcnow


@bp.before_request
@login_required
def require_admin():
    """Accounts are managed by admins."""
    authorize(permissions.can_manage_users(current_user))


def _organisation_choices():
    organisations = db.session.scalars(
        db.select(Organisation).order_by(Organisation.name)
    )
    return [(0, _("— Aucune —"))] + [(o.id, o.name) for o in organisations]


@bp.get("/")
def index():
    """Accounts, filtered by role and searched by name or email."""
    role = request.args.get("role", "")
    search = request.args.get("q", "").strip()
    page = db.paginate(users.users_query(role=role, search=search), per_page=50)
    return render_template("users/index.html", page=page, role=role, search=search)


@bp.route("/nouveau", methods=["GET", "POST"])
def create():
    """Create an account (staff, partner, admin or resident); its owner gets a link."""
    form = NewUserForm()
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit():
        try:
            user = users.create_user(
                current_user,
                email=form.email.data,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                organisation=db.session.get(Organisation, form.organisation.data),
                now=utcnow(),
                make_link=lambda token: printing.public_url(
                    "auth.reset_password", token=token
                ),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(
                _(
                    "Compte créé : %(email)s a reçu un lien pour choisir son mot de "
                    "passe.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("users.index"))
    return render_template("users/edit.html", form=form, user=None)


@bp.route("/<int:user_id>/modifier", methods=["GET", "POST"])
def edit(user_id: int):
    """Change an account's role, organisation or status."""
    user = db.get_or_404(User, user_id)
    authorize(permissions.can_edit_user(current_user, user))
    form = UserForm(obj=user, organisation=user.organisation_id or 0)
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit():
        try:
            users.update_user(
                current_user,
                user,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                organisation=db.session.get(Organisation, form.organisation.data),
                active=form.active.data,
                now=utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Compte enregistré."), "success")
            return redirect(url_for("users.index"))
    return render_template("users/edit.html", form=form, user=user)
