"""Account management by admins: creating accounts, roles, deactivation."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_

from participation import mail, permissions
from participation.extensions import db
from participation.models import Organisation, Role, User
from participation.models.user import new_login_token
from participation.services import ValidationError, audit, require
from participation.services.accounts import (
    add_account,
    check_password_rules,
    hash_password,
    make_reset_token,
)


def _check_role(role: Role, organisation: Organisation | None) -> None:
    if role.needs_organisation and organisation is None:
        raise ValidationError(
            {
                "organisation": _(
                    "Un membre d'équipe ou un partenaire a une organisation."
                )
            }
        )
    if role is Role.STAFF and not organisation.is_landlord:
        raise ValidationError(
            {"organisation": _("Un membre d'équipe appartient à un bailleur.")}
        )


def create_user(
    actor: User,
    *,
    email: str,
    display_name: str,
    role: Role,
    organisation: Organisation | None,
    now: datetime,
    make_link: Callable[[str], str],
) -> User:
    """Create an account and mail its owner a link to choose their password.

    :raises PermissionDenied: the actor is not an admin.
    :raises ValidationError: email taken, or role without a fitting organisation.
    """
    require(permissions.can_manage_users(actor))
    _check_role(role, organisation)
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        organisation=organisation if role.needs_organisation else None,
        password_hash=hash_password(secrets.token_urlsafe(32)),
        created_at=now,
    )
    add_account(user)
    audit.record(
        actor,
        "user.create",
        user,
        now,
        role=role.value,
        organisation_id=user.organisation_id,
    )
    db.session.commit()
    with force_locale(user.language):
        mail.send(
            user.email,
            _("Votre compte Faire avec"),
            _(
                "Bonjour %(name)s,\n\nUn compte Faire avec vient d'être créé pour "
                "vous. "
                "Choisissez votre mot de passe avec ce lien, valable 7 jours :\n"
                "%(link)s\n\n"
                "L'équipe Faire avec",
                name=user.display_name,
                link=make_link(make_reset_token(user, now, setup=True)),
            ),
        )
    return user


def update_user(
    actor: User,
    user: User,
    *,
    display_name: str,
    role: Role,
    organisation: Organisation | None,
    active: bool,
    now: datetime,
) -> User:
    """Change an account's name, role, organisation or active flag.

    Deactivating an account signs it out everywhere.

    :raises PermissionDenied: the actor is not an admin, or edits their own account.
    :raises ValidationError: role without a fitting organisation.
    """
    require(permissions.can_edit_user(actor, user))
    _check_role(role, organisation)
    before = {
        "role": user.role.value,
        "organisation_id": user.organisation_id,
        "active": user.active,
    }
    renamed = display_name.strip() != user.display_name
    user.display_name, user.role, user.active = display_name.strip(), role, active
    user.organisation = organisation if role.needs_organisation else None
    if not active and before["active"]:
        user.login_token = new_login_token()
    audit.record(
        actor,
        "user.update",
        user,
        now,
        before=before,
        after={
            "role": role.value,
            "organisation_id": user.organisation_id,
            "active": active,
        },
        # A name is personal data and audit events are never edited: record that
        # it changed, not what it was (an erased account must stay erased).
        renamed=renamed,
    )
    db.session.commit()
    return user


def create_admin(email: str, display_name: str, password: str, now: datetime) -> User:
    """Create an admin account from the command line.

    :raises ValidationError: email taken or password too short.
    """
    check_password_rules(password)
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=Role.ADMIN,
        password_hash=hash_password(password),
        created_at=now,
    )
    add_account(user)
    audit.record(None, "user.create", user, now, role=Role.ADMIN.value, via="cli")
    db.session.commit()
    return user


def users_query(*, role: str = "", search: str = ""):
    """Select accounts by email, optionally of one role and matching a name or
    email fragment (case-insensitive)."""
    query = (
        db.select(User).options(db.joinedload(User.organisation)).order_by(User.email)
    )
    if role in {r.value for r in Role}:
        query = query.filter_by(role=Role(role))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(User.email.like(pattern), func.lower(User.display_name).like(pattern))
        )
    return query
