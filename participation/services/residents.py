"""Verifying residents: requests without a code, staff decisions, moving out."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from participation import mail, permissions
from participation.extensions import db
from participation.models import (
    Dwelling,
    Place,
    Residency,
    User,
    VerificationMethod,
    VerificationRequest,
    VerificationStatus,
    descendants_of,
)
from participation.services import InvalidTransition, ValidationError, audit, require


def pending_request(user: User) -> VerificationRequest | None:
    return db.session.scalar(
        db.select(VerificationRequest).filter_by(
            user_id=user.id, status=VerificationStatus.PENDING
        )
    )


def request_verification(
    user: User, place: Place, details: str, now: datetime
) -> VerificationRequest:
    """Ask the landlord's staff to confirm that ``user`` lives in ``place``.

    :raises PermissionDenied: the user is not a resident.
    :raises InvalidTransition: a request is already waiting.
    """
    require(permissions.can_request_verification(user))
    if pending_request(user) is not None:
        raise InvalidTransition(_("Votre demande précédente est en cours d'examen."))
    request = VerificationRequest(
        user=user, place=place, details=details.strip(), created_at=now
    )
    db.session.add(request)
    db.session.commit()
    return request


def approve(
    actor: User, request: VerificationRequest, dwelling: Dwelling, now: datetime
) -> Residency:
    """Verify the requester for ``dwelling`` and tell them by mail.

    :raises PermissionDenied: the actor does not manage the request's landlord or the
        dwelling.
    :raises InvalidTransition: the request was already decided.
    """
    require(permissions.can_review_verification(actor, request))
    require(permissions.can_manage_dwelling(actor, dwelling))
    request.decide(VerificationStatus.APPROVED, actor, now, dwelling=dwelling)
    residency = db.session.scalar(
        db.select(Residency).filter_by(user_id=request.user_id, dwelling_id=dwelling.id)
    ) or Residency(user=request.user, dwelling=dwelling)
    residency.verify(VerificationMethod.STAFF_APPROVAL, now, actor)
    db.session.add(residency)
    _record_decision(actor, request, now)
    _notify(
        request.user,
        _("Votre logement est confirmé"),
        _(
            "Bonjour %(name)s,\n\nL'équipe de votre bailleur a confirmé votre logement "
            "(%(ref)s). Vous pouvez maintenant participer aux consultations de votre "
            "quartier.\n\nL'équipe Faire avec",
            name=request.user.display_name,
            ref=dwelling.reference,
        ),
    )
    return residency


def refuse(
    actor: User, request: VerificationRequest, reason: str, now: datetime
) -> None:
    """Refuse a request with a reason the resident will read.

    :raises PermissionDenied: the actor does not manage the request's landlord.
    :raises InvalidTransition: the request was already decided.
    :raises ValidationError: no reason given.
    """
    require(permissions.can_review_verification(actor, request))
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez la raison du refus.")})
    request.decide(VerificationStatus.REFUSED, actor, now, note=reason.strip())
    _record_decision(actor, request, now)
    _notify(
        request.user,
        _("Votre demande n'a pas pu être acceptée"),
        _(
            "Bonjour %(name)s,\n\nL'équipe de votre bailleur n'a pas pu confirmer "
            "votre "
            "logement, pour la raison suivante :\n%(reason)s\n\nVous pouvez faire une "
            "nouvelle demande depuis votre compte.\n\nL'équipe Faire avec",
            name=request.user.display_name,
            reason=reason.strip(),
        ),
    )


def _record_decision(actor: User, request: VerificationRequest, now: datetime) -> None:
    """Audit the decision and commit it (before the mail goes out)."""
    db.session.flush()
    audit.record(
        actor,
        f"verification.{request.status.value}",
        request,
        now,
        landlord_id=request.place.landlord_id,
        user_id=request.user_id,
        dwelling_id=request.dwelling_id,
    )
    db.session.commit()


def _notify(user: User, subject: str, body: str) -> None:
    with force_locale(user.language):
        mail.send(user.email, subject, body)


def end_residency(actor: User, residency: Residency, now: datetime) -> None:
    """Record that a resident has left the dwelling (they keep their account).

    :raises PermissionDenied: the actor does not manage the dwelling.
    :raises InvalidTransition: the residency has already ended.
    """
    require(permissions.can_manage_dwelling(actor, residency.dwelling))
    residency.end(now)
    audit.record(
        actor,
        "residency.end",
        residency,
        now,
        landlord_id=residency.dwelling.landlord_id,
        user_id=residency.user_id,
    )
    db.session.commit()


def residents_query(actor: User, place: Place | None = None):
    """Current residencies the actor manages (optionally inside ``place``)."""
    query = (
        db.select(Residency)
        .join(Residency.dwelling)
        .join(Dwelling.place)
        .where(Residency.ended_at.is_(None))
        .options(
            db.contains_eager(Residency.dwelling).contains_eager(Dwelling.place),
            db.joinedload(Residency.user),
        )
        .order_by(Dwelling.reference)
    )
    landlord_ids = permissions.managed_landlord_ids(actor)
    if landlord_ids is not None:
        query = query.where(Dwelling.landlord_id.in_(landlord_ids))
    if place is not None:
        query = query.where(descendants_of(place))
    return query


def pending_requests_query(actor: User, place: Place | None = None):
    """Requests waiting for a decision, oldest first, that the actor may decide
    (optionally only those naming a place inside ``place``)."""
    query = (
        db.select(VerificationRequest)
        .join(VerificationRequest.place)
        .where(VerificationRequest.status == VerificationStatus.PENDING)
        .options(
            db.contains_eager(VerificationRequest.place),
            db.joinedload(VerificationRequest.user),
        )
        .order_by(VerificationRequest.created_at, VerificationRequest.id)
    )
    landlord_ids = permissions.managed_landlord_ids(actor)
    if landlord_ids is not None:
        query = query.where(Place.landlord_id.in_(landlord_ids))
    if place is not None:
        query = query.where(descendants_of(place))
    return query


def current_homes(user: User) -> list[Residency]:
    """The user's current residencies with dwelling, place and landlord, one query."""
    return list(
        db.session.scalars(
            db.select(Residency)
            .filter_by(user_id=user.id, ended_at=None)
            .options(
                db.joinedload(Residency.dwelling)
                .joinedload(Dwelling.place)
                .joinedload(Place.landlord)
            )
            .order_by(Residency.id)
        )
    )
