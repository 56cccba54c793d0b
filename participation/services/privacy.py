"""A person's own data (GDPR): everything about them as JSON, and erasing an account.

Erasing keeps what the person gave to the community — proposals, comments, the
ballots that were counted — but cuts every link back to them: the account row
stays (so that pages still say who wrote what: "Ancien habitant") with nothing
personal left in it, and ballots lose the voter's identity.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash

from participation.extensions import db
from participation.models import (
    Action,
    AuditEvent,
    Ballot,
    Comment,
    Commitment,
    Consultation,
    Dwelling,
    GroupMember,
    HandVote,
    InvitationCode,
    Measurement,
    MeasurementRevision,
    Meeting,
    MembershipStatus,
    Notification,
    NotificationKind,
    NotificationOptOut,
    Objective,
    Proposal,
    Report,
    Residency,
    User,
    VerificationRequest,
    WorkingGroup,
)
from participation.models.user import ERASED_EMAIL_DOMAIN, new_login_token
from participation.permissions import can_delete_account, is_erased
from participation.services import InvalidTransition, ValidationError, audit, require

#: What an erased account is called wherever its contributions are shown.
ERASED_NAME = "Ancien habitant"
#: Erased accounts get a unique address under a reserved domain that cannot exist.
#: Never a valid Werkzeug hash: no password matches it.
UNUSABLE_PASSWORD = "!"  # noqa: S105
EXPORT_FORMAT = "faire-avec/donnees-personnelles/1"


# Export


def export_personal_data(user: User, now: datetime) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as JSON-ready data.

    Other people appear only as the public things they relate to (a proposal's
    title, a group's name), never by name, email or account id.
    """
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "account": _account(user),
        "residencies": _residencies(user),
        "verification_requests": _verification_requests(user),
        "invitation_codes_used": _rows(
            select(InvitationCode)
            .where(InvitationCode.used_by_id == user.id)
            .options(db.joinedload(InvitationCode.dwelling)),
            lambda code: {
                "dwelling": code.dwelling.reference,
                "used_at": code.used_at,
            },
        ),
        "proposals": _rows(
            select(Proposal)
            .where(Proposal.author_id == user.id)
            .options(db.joinedload(Proposal.consultation)),
            _proposal,
        ),
        "comments": _rows(
            select(Comment)
            .where(Comment.author_id == user.id)
            .options(db.joinedload(Comment.proposal)),
            _comment,
        ),
        "reports": _rows(
            select(Report).where(Report.reporter_id == user.id),
            lambda report: {
                "id": report.id,
                "proposal_id": report.proposal_id,
                "comment_id": report.comment_id,
                "reason": report.reason,
                "created_at": report.created_at,
                "handled_at": report.handled_at,
            },
        ),
        "ballots": _ballots(user),
        "group_memberships": _rows(
            select(GroupMember)
            .where(GroupMember.user_id == user.id)
            .options(db.joinedload(GroupMember.group)),
            _membership,
        ),
        "notifications": _rows(
            select(Notification).where(Notification.user_id == user.id),
            lambda note: {
                "kind": note.kind,
                "consultation_id": note.consultation_id,
                "proposal_id": note.proposal_id,
                "group_id": note.group_id,
                "details": note.details,
                "created_at": note.created_at,
                "read_at": note.read_at,
            },
        ),
        "notification_preferences": _preferences(user),
        "entered": _entered(user),
        "audit_events": _rows(
            select(AuditEvent).where(AuditEvent.actor_id == user.id),
            # Without the details: they may name the other people concerned.
            lambda event: {
                "occurred_at": event.occurred_at,
                "action": event.action,
                "object_type": event.object_type,
                "object_id": event.object_id,
            },
        ),
    }


def _account(user: User) -> dict[str, Any]:
    return _json(
        {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "organisation": user.organisation.name if user.organisation else None,
            "active": user.active,
            "language": user.language,
            "created_at": user.created_at,
            "last_login_at": user.last_login_at,
        }
    )


def _residencies(user: User) -> list[dict[str, Any]]:
    return _rows(
        select(Residency)
        .where(Residency.user_id == user.id)
        .options(db.joinedload(Residency.dwelling).joinedload(Dwelling.place)),
        lambda r: {
            "dwelling": r.dwelling.reference,
            "dwelling_label": r.dwelling.label,
            "place": r.dwelling.place.name,
            "address": r.dwelling.place.address,
            "method": r.method,
            "verified_at": r.verified_at,
            "ended_at": r.ended_at,
        },
    )


def _verification_requests(user: User) -> list[dict[str, Any]]:
    return _rows(
        select(VerificationRequest)
        .where(VerificationRequest.user_id == user.id)
        .options(
            db.joinedload(VerificationRequest.place),
            db.joinedload(VerificationRequest.dwelling),
        ),
        lambda r: {
            "place": r.place.name,
            "details": r.details,
            "status": r.status,
            "created_at": r.created_at,
            "decided_at": r.decided_at,
            "decision_note": r.decision_note,
            "dwelling": r.dwelling.reference if r.dwelling else None,
        },
    )


def _proposal(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "consultation": proposal.consultation.title,
        "title": proposal.title,
        "body": proposal.body,
        "estimated_cost": proposal.estimated_cost,
        "status": proposal.status,
        "moderation_reason": proposal.moderation_reason,
        "created_at": proposal.created_at,
        "updated_at": proposal.updated_at,
    }


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "proposal_id": comment.proposal_id,
        "proposal": comment.proposal.title,
        "reply_to_comment_id": comment.parent_id,
        "body": comment.body,
        "created_at": comment.created_at,
        "hidden_at": comment.hidden_at,
        "hidden_reason": comment.hidden_reason,
    }


def _ballots(user: User) -> list[dict[str, Any]]:
    """The ballots cast by or for the person (their own choices only: a
    household's ballot cast by someone else is that person's)."""
    ballots = db.session.scalars(
        select(Ballot)
        .where(Ballot.user_id == user.id)
        .options(db.selectinload(Ballot.choices), db.joinedload(Ballot.consultation))
        .order_by(Ballot.id)
    ).all()
    titles = dict(
        db.session.execute(
            select(Proposal.id, Proposal.title).where(
                Proposal.id.in_({c.proposal_id for b in ballots for c in b.choices})
            )
        ).all()
    )
    return _json(
        [
            {
                "consultation": ballot.consultation.title,
                "channel": ballot.channel,
                "cast_at": ballot.cast_at,
                "updated_at": ballot.updated_at,
                "choices": [
                    {"proposal": titles.get(c.proposal_id), "grade": c.grade}
                    for c in ballot.choices
                ],
            }
            for ballot in ballots
        ]
    )


def _membership(member: GroupMember) -> dict[str, Any]:
    return {
        "group": member.group.title,
        "party": member.party,
        "status": member.status,
        "facilitator": member.facilitator,
        "message": member.message,
        "requested_at": member.requested_at,
        "decided_at": member.decided_at,
    }


def _preferences(user: User) -> dict[str, list[str]]:
    off = set(
        db.session.scalars(
            select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user.id)
        )
    )
    return {
        "received": [kind.value for kind in NotificationKind if kind not in off],
        "switched_off": [kind.value for kind in NotificationKind if kind in off],
    }


def _entered(user: User) -> dict[str, list[dict[str, Any]]]:
    """What the person typed in for others to read (staff, partners, facilitators)."""
    return {
        "consultations_created": _rows(
            select(Consultation).where(Consultation.created_by_id == user.id),
            lambda c: {"id": c.id, "title": c.title, "created_at": c.created_at},
        ),
        "proposals_entered_for_others": _rows(
            select(Proposal).where(Proposal.entered_by_id == user.id),
            lambda p: {"id": p.id, "title": p.title, "created_at": p.created_at},
        ),
        "groups_created": _rows(
            select(WorkingGroup).where(WorkingGroup.created_by_id == user.id),
            lambda g: {"id": g.id, "title": g.title, "created_at": g.created_at},
        ),
        "meetings": _rows(
            select(Meeting)
            .where(Meeting.created_by_id == user.id)
            .options(db.joinedload(Meeting.group)),
            lambda m: {
                "id": m.id,
                "group": m.group.title,
                "starts_at": m.starts_at,
                "location": m.location,
                "agenda": m.agenda,
                "minutes": m.minutes,
                "decisions": m.decisions,
            },
        ),
        "hand_votes": _rows(
            select(HandVote).where(HandVote.entered_by_id == user.id),
            lambda v: {
                "meeting_id": v.meeting_id,
                "question": v.question,
                "votes_for": v.votes_for,
                "votes_against": v.votes_against,
                "abstentions": v.abstentions,
                "entered_at": v.entered_at,
            },
        ),
        "objectives_created": _rows(
            select(Objective).where(Objective.created_by_id == user.id),
            lambda o: {"id": o.id, "title": o.title, "created_at": o.created_at},
        ),
        "measurements": _rows(
            select(Measurement).where(Measurement.reported_by_id == user.id),
            lambda m: {
                "objective_id": m.objective_id,
                "measured_on": m.measured_on,
                "value": m.value,
                "note": m.note,
                "reported_at": m.reported_at,
            },
        ),
        "measurement_corrections": _rows(
            select(MeasurementRevision).where(
                MeasurementRevision.changed_by_id == user.id
            ),
            lambda r: {
                "measurement_id": r.measurement_id,
                "previous_value": r.previous_value,
                "new_value": r.new_value,
                "reason": r.reason,
                "changed_at": r.changed_at,
            },
        ),
        "commitments": _rows(
            select(Commitment).where(Commitment.created_by_id == user.id),
            lambda c: {
                "id": c.id,
                "objective_id": c.objective_id,
                "title": c.title,
                "details": c.details,
                "due_date": c.due_date,
                "status": c.status,
            },
        ),
        "actions": _rows(
            select(Action).where(Action.reported_by_id == user.id),
            lambda a: {
                "commitment_id": a.commitment_id,
                "done_on": a.done_on,
                "description": a.description,
                "quantity": a.quantity,
                "unit": a.unit,
                "reported_at": a.reported_at,
            },
        ),
    }


def _rows(query, describe) -> list[dict[str, Any]]:
    model = query.column_descriptions[0]["entity"]
    items = db.session.scalars(query.order_by(model.__mapper__.primary_key[0]))
    return _json([describe(item) for item in items])


def _json(value: Any) -> Any:
    """Dates as ISO 8601, enums as their values, the rest as is."""
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


# Erasure


def delete_account(user: User, password: str, now: datetime) -> None:
    """Erase a resident's account at their request, in one transaction.

    Personal data goes: the name becomes "Ancien habitant", the email an unusable
    unique placeholder, the password unusable, every session is signed out (the
    login token rotates) and the account is deactivated. Dwelling links,
    verification requests, notifications and preferences are deleted; group
    memberships end; invitation codes forget who used them. Proposals, comments
    and reports stay, shown under "Ancien habitant". Ballots stay counted but
    unlinkable: no account, and a per-person ballot gets a random voter key and
    loses its dwelling (a household's ballot keeps its dwelling: it is the
    household's). An audit event without personal data records the erasure.

    :raises PermissionDenied: not a resident's active account.
    :raises ValidationError: wrong password (nothing is changed).
    :raises InvalidTransition: the account is already erased.
    """
    if is_erased(user):
        raise InvalidTransition(_("Ce compte a déjà été supprimé."))
    require(can_delete_account(user))
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationError({"password": _("Mot de passe incorrect.")})
    try:
        _lock(user)
        _unlink_ballots(user)
        _forget_links(user)
        _anonymise(user)
        audit.record(user, "account.delete", user, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _lock(user: User) -> None:
    """Serialise two erasures of the same account (a double submission)."""
    active = db.session.scalar(
        select(User.active).where(User.id == user.id).with_for_update()
    )
    if not active:
        raise InvalidTransition(_("Ce compte a déjà été supprimé."))


def _unlink_ballots(user: User) -> None:
    ballots = db.session.execute(
        select(Ballot.id, Ballot.voter_key).where(Ballot.user_id == user.id)
    ).all()
    for ballot_id, key in ballots:
        values: dict[str, Any] = {"user_id": None}
        if key.startswith("person:"):
            values.update(voter_key=f"erased:{secrets.token_hex(16)}", dwelling_id=None)
        db.session.execute(update(Ballot).where(Ballot.id == ballot_id).values(values))


def _forget_links(user: User) -> None:
    for model in (Notification, NotificationOptOut, Residency, VerificationRequest):
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.execute(
        update(InvitationCode)
        .where(InvitationCode.used_by_id == user.id)
        .values(used_by_id=None)
    )
    db.session.execute(
        update(GroupMember)
        .where(GroupMember.user_id == user.id)
        .values(status=MembershipStatus.LEFT, facilitator=False, message="")
    )


def _anonymise(user: User) -> None:
    db.session.expire(user, ["residencies"])
    user.display_name = ERASED_NAME
    user.email = f"{secrets.token_hex(12)}@{ERASED_EMAIL_DOMAIN}"
    user.password_hash = UNUSABLE_PASSWORD
    user.login_token = new_login_token()
    user.active = False
    user.language = "fr"
    user.organisation_id = None
    user.last_login_at = None
