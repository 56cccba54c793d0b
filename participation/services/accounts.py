"""Accounts: registration, authentication, password reset, profile."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from participation import mail, permissions
from participation.extensions import db
from participation.models import (
    InvitationCode,
    Residency,
    Role,
    User,
    VerificationMethod,
)
from participation.models.invitation import hash_code
from participation.models.user import new_login_token, normalise_email
from participation.services import ValidationError, require

PASSWORD_MIN_LENGTH = 12
LANGUAGES = ("fr", "en")
# Checked when the email is unknown, so that both paths cost the same hashing work.
_dummy_hashes: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )


def check_password_rules(password: str, field: str = "password") -> None:
    """Refuse a password that is too short (CNIL: 12 characters and more)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationError(
            {
                field: _(
                    "Le mot de passe doit contenir au moins %(n)d caractères.",
                    n=PASSWORD_MIN_LENGTH,
                )
            }
        )


def add_account(user: User) -> None:
    """Add a new account to the session, refusing an email already in use.

    The unique index decides (no check-then-insert), whatever the case typed.

    :raises ValidationError: the email belongs to another account (rolled back).
    """
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError(
            {"email": _("Un compte existe déjà avec cette adresse e-mail.")}
        ) from None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))


def register(
    *,
    email: str,
    display_name: str,
    password: str,
    now: datetime,
    language: str = "fr",
    code: str | None = None,
) -> User:
    """Create a resident account, verified at once when ``code`` is valid.

    The code is consumed with a conditional UPDATE, so two people typing the same
    code at the same time cannot both use it.

    :raises ValidationError: email already used, weak password, or a code that is
        unknown, expired or already used (nothing is saved then).
    """
    check_password_rules(password)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=Role.RESIDENT,
        language=language if language in LANGUAGES else "fr",
        created_at=now,
    )
    add_account(user)
    if code:
        try:
            _redeem_code(user, code, now)
        except ValidationError:
            db.session.rollback()
            raise
    db.session.commit()
    return user


def claim_code(user: User, code: str, now: datetime) -> Residency:
    """Verify a logged-in resident for the dwelling of an invitation code.

    :raises PermissionDenied: the account is not a resident's.
    :raises ValidationError: the code is unknown, expired or already used.
    """
    require(permissions.can_request_verification(user))
    try:
        residency = _redeem_code(user, code, now)
    except ValidationError:
        db.session.rollback()
        raise
    db.session.commit()
    return residency


def _redeem_code(user: User, code: str, now: datetime) -> Residency:
    invitation = db.session.scalar(
        db.select(InvitationCode).filter_by(code_hash=hash_code(code))
    )
    if invitation is None or not invitation.is_usable(now):
        raise ValidationError(
            {
                "code": _(
                    "Ce code d'invitation n'est pas valable : vérifiez-le, ou "
                    "demandez un nouveau courrier à votre bailleur."
                )
            }
        )
    consumed = db.session.execute(
        update(InvitationCode)
        .where(InvitationCode.id == invitation.id, InvitationCode.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id)
    )
    if consumed.rowcount != 1:
        raise ValidationError({"code": _("Ce code d'invitation a déjà été utilisé.")})
    residency = db.session.scalar(
        db.select(Residency).filter_by(
            user_id=user.id, dwelling_id=invitation.dwelling_id
        )
    )
    if residency is None:
        residency = Residency(user=user, dwelling_id=invitation.dwelling_id)
        db.session.add(residency)
    residency.verify(VerificationMethod.INVITATION_CODE, now, by=None)
    db.session.flush()
    return residency


def authenticate(email: str, password: str, now: datetime) -> User | None:
    """Return the active account for these credentials, or None.

    Unknown email, wrong password and inactive account all answer None after the
    same amount of hashing work, so the answer does not reveal which accounts exist.
    """
    user = find_user_by_email(email)
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _dummy_hashes:
            _dummy_hashes[method] = hash_password(secrets.token_urlsafe(16))
        check_password_hash(_dummy_hashes[method], password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = now
    db.session.commit()
    return user


def _reset_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    """A digest of the login token: it changes with it, and does not reveal it."""
    return hashlib.sha256(user.login_token.encode()).hexdigest()[:32]


def make_reset_token(user: User, now: datetime, *, setup: bool = False) -> str:
    """A signed token naming the user, their current login token and the time.

    Resetting rotates the login token, which makes the token single use. A
    ``setup`` token (a new account's first password) lives ACCOUNT_SETUP_MAX_AGE
    instead of PASSWORD_RESET_MAX_AGE.
    """
    payload = {"u": user.id, "t": _fingerprint(user), "at": int(now.timestamp())}
    if setup:
        payload["s"] = 1
    return _reset_serializer().dumps(payload)


def user_for_reset_token(token: str, now: datetime) -> User | None:
    """The account a reset token is valid for at ``now``, or None."""
    try:
        payload = _reset_serializer().loads(token)
    except BadSignature:
        return None
    config = current_app.config
    max_age = config[
        "ACCOUNT_SETUP_MAX_AGE" if payload.get("s") else "PASSWORD_RESET_MAX_AGE"
    ]
    age = now.timestamp() - payload.get("at", 0)
    if not 0 <= age <= max_age:
        return None
    user = db.session.get(User, payload.get("u"))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(_fingerprint(user), str(payload.get("t"))):
        return None
    return user


def request_password_reset(
    email: str, now: datetime, make_link: Callable[[str], str]
) -> None:
    """Mail a reset link if an active account has this email; say nothing otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    link = make_link(make_reset_token(user, now))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    mail.send(
        user.email,
        _("Faire avec : choisir un nouveau mot de passe"),
        _(
            "Bonjour %(name)s,\n\n"
            "Pour choisir un nouveau mot de passe, ouvrez ce lien dans les "
            "%(minutes)d minutes :\n%(link)s\n\n"
            "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe "
            "ne change pas.\n\nL'équipe Faire avec",
            name=user.display_name,
            minutes=minutes,
            link=link,
        ),
    )


def reset_password(token: str, password: str, now: datetime) -> User:
    """Set a new password with a reset token, signing out every session.

    :raises ValidationError: the token is invalid, used or expired, or the password
        is too short.
    """
    user = user_for_reset_token(token, now)
    if user is None:
        raise ValidationError(
            {None: _("Ce lien n'est plus valable. Demandez-en un nouveau.")}
        )
    check_password_rules(password)
    _set_password(user, password)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; signs out other sessions.

    :raises ValidationError: wrong current password or too short a new one.
    """
    if not check_password_hash(user.password_hash, current):
        raise ValidationError({"current_password": _("Mot de passe actuel incorrect.")})
    check_password_rules(new, field="new_password")
    _set_password(user, new)
    db.session.commit()


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.login_token = new_login_token()


def update_profile(user: User, *, display_name: str, language: str) -> None:
    """Change the name shown to others and the preferred language."""
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Langue inconnue.")})
    user.display_name = display_name.strip()
    user.language = language
    db.session.commit()
