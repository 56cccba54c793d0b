"""Error pages in French for people, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from participation.extensions import db
from participation.services import InvalidTransition, PermissionDenied

MESSAGES = {
    400: (_l("Requête incorrecte"), _l("La demande envoyée n'a pas pu être comprise.")),
    403: (_l("Accès refusé"), _l("Vous n'avez pas le droit d'accéder à cette page.")),
    404: (_l("Page introuvable"), _l("Cette page n'existe pas ou a été déplacée.")),
    405: (_l("Action impossible"), _l("Cette action n'est pas possible ici.")),
    409: (_l("Action impossible"), _l("Cette action n'est pas possible maintenant.")),
    413: (_l("Fichier trop lourd"), _l("Le fichier envoyé est trop volumineux.")),
    429: (
        _l("Trop de tentatives"),
        _l(
            "Vous avez fait trop de demandes. Patientez quelques minutes puis "
            "réessayez."
        ),
    ),
    500: (
        _l("Erreur du serveur"),
        _l("Une erreur inattendue s'est produite. L'équipe technique est prévenue."),
    ),
}


def render_error(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template(
            "errors/error.html", code=code, title=title, message=message or default
        ),
        code,
    )


def init_app(app: Flask) -> None:
    """Answer HTTP errors, CSRF failures and crashes with the error page."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            _l(
                "Le formulaire a expiré ou n'est pas valide. Rechargez la page "
                "et réessayez."
            ),
        )

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied):
        """A service refused what the view did not pre-check: same page as 403."""
        return render_error(403)

    @app.errorhandler(InvalidTransition)
    def invalid_transition(error: InvalidTransition):
        return render_error(409, str(error) or None)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        """Unhandled exceptions arrive here as InternalServerError (logged by Flask)."""
        if error.code is None or error.code < 400:
            return error
        if error.code >= 500:
            # A failed statement leaves the session unusable; the error page's
            # header (notification count) needs it again.
            db.session.rollback()
        body, code = render_error(error.code if error.code in MESSAGES else 500)
        kept = [(k, v) for k, v in error.get_headers() if k != "Content-Type"]
        return body, code, kept
