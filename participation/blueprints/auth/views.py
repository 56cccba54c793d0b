"""Views of the account pages."""

from __future__ import annotations

import json

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from participation import permissions, printing
from participation.blueprints.auth import bp
from participation.blueprints.auth.forms import (
    ChangePasswordForm,
    ClaimCodeForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    VerificationForm,
)
from participation.blueprints.common import (
    apply_errors,
    authorize,
    rate_limit,
    safe_next,
)
from participation.extensions import db
from participation.models import Place
from participation.services import (
    InvalidTransition,
    ValidationError,
    accounts,
    privacy,
    residents,
)
from participation.services import places as place_service
from participation.timeutil import local_date, utcnow


@bp.route("/connexion", methods=["GET", "POST"])
@rate_limit("RATELIMIT_LOGIN")
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data, utcnow())
        if user is not None:
            login_user(user, remember=form.remember.data)
            session["language"] = user.language
            return redirect(safe_next(url_for("main.index")))
        form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    return render_template("auth/login.html", form=form)


@bp.post("/deconnexion")
def logout():
    """Log out (a POST, so that a link on another site cannot do it)."""
    logout_user()
    flash(_("Vous êtes déconnecté·e. À bientôt !"), "success")
    return redirect(url_for("main.index"))


@bp.route("/inscription", methods=["GET", "POST"])
@rate_limit("RATELIMIT_REGISTER")
def register():
    """Create a resident account, with an invitation code when there is one."""
    if current_user.is_authenticated:  # e.g. a resident scanning a letter's QR code
        if request.args.get("code"):
            return redirect(url_for("auth.profile", code=request.args["code"]))
        return redirect(url_for("main.index"))
    form = RegisterForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        try:
            user = accounts.register(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                code=form.code.data or None,
                language=str(session.get("language", "fr")),
                now=utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            login_user(user)
            if user.current_residencies:
                flash(
                    _(
                        "Bienvenue ! Votre compte est créé et votre logement est "
                        "confirmé."
                    ),
                    "success",
                )
                return redirect(url_for("main.index"))
            flash(
                _(
                    "Bienvenue ! Votre compte est créé. Indiquez maintenant où vous "
                    "habitez."
                ),
                "success",
            )
            return redirect(url_for("auth.verification"))
    return render_template("auth/register.html", form=form)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@rate_limit("RATELIMIT_PASSWORD_RESET")
def forgot_password():
    """Ask for a reset link; the answer is the same whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(
            form.email.data,
            utcnow(),
            make_link=lambda token: printing.public_url(
                "auth.reset_password", token=token
            ),
        )
        flash(
            _(
                "Si un compte existe avec cette adresse, un e-mail vient de lui être "
                "envoyé avec un lien valable une heure."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@rate_limit("RATELIMIT_PASSWORD_RESET")
def reset_password(token: str):
    """Choose a new password with the emailed link."""
    if accounts.user_for_reset_token(token, utcnow()) is None:
        flash(_("Ce lien n'est plus valable. Demandez-en un nouveau."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data, utcnow())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            logout_user()
            flash(_("Votre mot de passe est changé. Connectez-vous."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    """See and change one's name, language and dwellings."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        accounts.update_profile(
            current_user,
            display_name=form.display_name.data,
            language=form.language.data,
        )
        session["language"] = current_user.language
        flash(_("Vos informations sont enregistrées."), "success")
        return redirect(url_for("auth.profile"))
    return _profile_page(form, ClaimCodeForm(code=request.args.get("code", "")))


def _profile_page(form: ProfileForm, code_form: ClaimCodeForm, status: int = 200):
    homes = residents.current_homes(current_user)
    return render_template(
        "auth/profile.html",
        form=form,
        code_form=code_form,
        homes=homes,
        ancestors=place_service.ancestors_by_id([r.dwelling.place for r in homes]),
        pending=residents.pending_request(current_user),
    ), status


@bp.post("/code")
@login_required
@rate_limit("RATELIMIT_REGISTER")
def claim_code():
    """Confirm one's dwelling with an invitation code received by letter."""
    authorize(permissions.can_request_verification(current_user))
    form = ClaimCodeForm()
    if form.validate_on_submit():
        try:
            accounts.claim_code(current_user, form.code.data, utcnow())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Votre logement est confirmé."), "success")
            return redirect(url_for("main.index"))
    return _profile_page(ProfileForm(obj=current_user), form, status=422)


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; other devices are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # The session follows the rotated token (the object, not the proxy:
            # Flask-Login would store the proxy as the user and recurse).
            login_user(current_user._get_current_object())
            flash(_("Votre mot de passe est changé."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/verification", methods=["GET", "POST"])
@login_required
def verification():
    """Ask the landlord's staff to confirm one's dwelling (no code at hand)."""
    authorize(permissions.can_request_verification(current_user))
    pending = residents.pending_request(current_user)
    form = VerificationForm()
    buildings = place_service.places_for_verification()
    form.place.choices = [(0, _("— Choisissez —"))] + [
        (place.id, label) for place, label in buildings
    ]
    if pending is None and form.validate_on_submit():
        place = db.session.get(Place, form.place.data) or abort(400)
        try:
            residents.request_verification(
                current_user, place, form.details.data, utcnow()
            )
        except InvalidTransition as error:
            flash(str(error), "error")
        else:
            flash(
                _(
                    "Votre demande est envoyée à l'équipe de votre bailleur. Vous "
                    "recevrez un e-mail."
                ),
                "success",
            )
        return redirect(url_for("main.index"))
    return render_template("auth/verification.html", form=form, pending=pending)


@bp.get("/mes-donnees")
@login_required
def data():
    """What the platform keeps about me: download it, or erase my account."""
    return render_template(
        "auth/data.html", can_delete=permissions.can_delete_account(current_user)
    )


@bp.get("/mes-donnees/export")
@login_required
def export():
    """Download all my personal data as a JSON file."""
    now = utcnow()
    body = json.dumps(
        privacy.export_personal_data(current_user, now), ensure_ascii=False, indent=2
    )
    response = current_app.response_class(body, mimetype="application/json")
    name = f"faire-avec-mes-donnees-{local_date(now).isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/supprimer", methods=["GET", "POST"])
@login_required
@rate_limit("RATELIMIT_LOGIN")
def delete():
    """Erase my account after confirming with my password (residents)."""
    if not permissions.can_delete_account(current_user):
        status = 403 if request.method == "POST" else 200
        return render_template("auth/delete.html", form=None), status
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(
                current_user._get_current_object(), form.password.data, utcnow()
            )
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "error")
            return redirect(url_for("main.index"))
        else:
            logout_user()
            session.pop("language", None)
            flash(
                _(
                    "Votre compte est supprimé. Vos contributions restent, signées "
                    "« Ancien habitant ». Merci d'avoir participé."
                ),
                "success",
            )
            return redirect(url_for("main.index"))
    return render_template("auth/delete.html", form=form), 422 if form.errors else 200
