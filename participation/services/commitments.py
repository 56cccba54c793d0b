"""Commitments of each party towards an objective, the actions reported against
them, scorecards and the "falling due" reminders.

A commitment ("engagement") belongs to an organisation (the landlord or one of the
group's partners) or to the residents of the group. Partners state and follow
their own organisation's; the landlord's staff any party's. Actions are what a
party reports having done for one of its commitments: a first action moves a
planned commitment to "in progress".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager, selectinload

from participation import permissions
from participation.extensions import db
from participation.models import (
    Action,
    Commitment,
    CommitmentParty,
    CommitmentStatus,
    NotificationKind,
    Objective,
    Organisation,
    User,
    WorkingGroup,
)
from participation.services import (
    InvalidTransition,
    ValidationError,
    audit,
    notifications,
    require,
)
from participation.text import clean_line, render_markdown
from participation.timeutil import local_date

TITLE_LENGTH = (3, 200)
DETAILS_LENGTH = 5000
DESCRIPTION_LENGTH = (3, 5000)
UNIT_LENGTH = 40
#: A quantity beyond this is a typing slip, not a collection.
MAX_QUANTITY = 1_000_000_000
#: How long after the objective's target date a commitment may still fall due.
LATEST_DUE_YEARS = 5
#: The same text sent again this soon by the same person is a double click.
RESUBMISSION = timedelta(minutes=2)
#: The objective page shows this many of the latest actions; the history page
#: has them all.
SHOWN_ACTIONS = 20

#: Who "the residents" are, on pages and in scorecards.
RESIDENTS = _l("Les habitants")

STATUS_LABELS = {
    CommitmentStatus.PLANNED: _l("prévu"),
    CommitmentStatus.IN_PROGRESS: _l("en cours"),
    CommitmentStatus.KEPT: _l("tenu"),
    CommitmentStatus.NOT_KEPT: _l("non tenu"),
}


def _add_years(day: date, years: int) -> date:
    """``day`` moved by ``years`` (28 February for a 29th out of a leap year),
    held within the dates Python knows: it never raises, even for an objective
    aimed at 9999."""
    year = day.year + years
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


@dataclass
class CommitmentValues:
    """What someone types in the commitment form.

    ``party``: an organisation's (``organisation_id``) or the residents' (no
    organisation).
    """

    party: CommitmentParty
    organisation_id: int | None
    title: str
    details: str = ""
    due_date: date | None = None


# Stating and changing commitments


def party_organisation_ids(group: WorkingGroup) -> set[int]:
    """The organisations that may commit in ``group``: its landlord and partners."""
    return {group.landlord_id, *(p.organisation_id for p in group.partners)}


def stateable_parties(
    user: Any, group: WorkingGroup
) -> list[tuple[CommitmentParty, Organisation | None]]:
    """The parties ``user`` may state a commitment for, in form order: the
    landlord, each partner of the group, the residents."""
    organisations = [group.landlord, *(p.organisation for p in group.partners)]
    parties: list[tuple[CommitmentParty, Organisation | None]] = [
        (CommitmentParty.ORGANISATION, organisation)
        for organisation in organisations
        if permissions.can_state_commitment(user, group, organisation.id)
    ]
    if permissions.can_state_commitment(user, group, None):
        parties.append((CommitmentParty.RESIDENTS, None))
    return parties


def can_add_commitment(user: Any, group: WorkingGroup) -> bool:
    """Whether ``user`` may state a commitment for at least one party (staff, or a
    partner taking part, for their own organisation)."""
    return permissions.can_state_commitment(
        user, group, None
    ) or permissions.can_state_commitment(
        user, group, getattr(user, "organisation_id", None)
    )


def _party(values: CommitmentValues) -> int | None:
    """The organisation of the party (None for the residents)."""
    if values.party is CommitmentParty.RESIDENTS:
        return None
    return values.organisation_id


def _check(objective: Objective, values: CommitmentValues) -> dict[str, Any]:
    """Clean and check ``values``; raise ValidationError with every problem."""
    errors: dict[str | None, str] = {}
    organisation_id = _party(values)
    if values.party is CommitmentParty.ORGANISATION and (
        organisation_id not in party_organisation_ids(objective.group)
    ):
        errors["party"] = _("Choisissez le bailleur ou un partenaire du groupe.")
    title, details = clean_line(values.title), (values.details or "").strip()
    if not TITLE_LENGTH[0] <= len(title) <= TITLE_LENGTH[1]:
        errors["title"] = _(
            "L'engagement fait entre %(min)d et %(max)d caractères.",
            min=TITLE_LENGTH[0],
            max=TITLE_LENGTH[1],
        )
    if len(details) > DETAILS_LENGTH:
        errors["details"] = _("%(max)d caractères au plus.", max=DETAILS_LENGTH)
    due, latest = values.due_date, _add_years(objective.target_date, LATEST_DUE_YEARS)
    if due is None:
        errors["due_date"] = _("Indiquez l'échéance de l'engagement.")
    elif due < objective.baseline_date:
        errors["due_date"] = _(
            "L'échéance ne peut pas précéder le début de l'objectif (%(date)s).",
            date=format_date(objective.baseline_date, "long"),
        )
    elif due > latest:
        errors["due_date"] = _(
            "Échéance trop lointaine : au plus tard le %(date)s, cinq ans après "
            "la cible de l'objectif.",
            date=format_date(latest, "long"),
        )
    if errors:
        raise ValidationError(errors)
    return {
        "party": values.party,
        "organisation_id": organisation_id,
        "title": title,
        "details": details,
        "details_html": render_markdown(details),
        "due_date": due,
    }


def _details(commitment: Commitment) -> dict[str, Any]:
    """What notifications say about a commitment (JSON-ready)."""
    organisation = commitment.organisation
    return {
        "commitment_id": commitment.id,
        "objective_id": commitment.objective_id,
        "title": commitment.title,
        "due_date": commitment.due_date.isoformat(),
        "organisation": organisation.name if organisation else None,
    }


def state_commitment(
    actor: User, objective: Objective, values: CommitmentValues, now: datetime
) -> Commitment:
    """State a party's commitment towards ``objective``; the group's members hear
    of it. The same commitment sent again within :data:`RESUBMISSION` by the
    same person (a double click, a reloaded form) gives back the first one.

    The duplicate guard reads then inserts: it covers posts one after the other,
    not two posts racing in parallel (both may read "none yet" and both insert).
    Closing that gap needs an idempotency token carried by the form, which is
    not done yet.

    :raises PermissionDenied: the actor may not commit for that party (a partner
        commits only for their own organisation, in a group it takes part in).
    :raises ValidationError: not a party of the group, bad title, details, or a
        due date before the objective starts or absurdly far.
    """
    group = objective.group
    require(permissions.can_state_commitment(actor, group, _party(values)))
    cleaned = _check(objective, values)
    twin = db.session.scalars(
        select(Commitment)
        .filter_by(
            objective_id=objective.id,
            created_by_id=actor.id,
            organisation_id=cleaned["organisation_id"],
            title=cleaned["title"],
        )
        .where(Commitment.created_at >= now - RESUBMISSION)
        .limit(1)
    ).first()
    if twin is not None:
        return twin
    commitment = Commitment(
        objective=objective,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status=CommitmentStatus.PLANNED,
        **cleaned,
    )
    db.session.add(commitment)
    db.session.flush()
    audit.record(
        actor,
        "commitment.create",
        commitment,
        now,
        landlord_id=group.landlord_id,
        objective_id=objective.id,
    )
    notifications.notify_group(
        group,
        NotificationKind.COMMITMENT_ADDED,
        now,
        exclude=actor,
        **_details(commitment),
    )
    db.session.commit()
    return commitment


def _has_actions(commitment: Commitment) -> bool:
    return (
        db.session.scalar(
            select(Action.id).where(Action.commitment_id == commitment.id).limit(1)
        )
        is not None
    )


def update_commitment(
    actor: User, commitment: Commitment, values: CommitmentValues, now: datetime
) -> None:
    """Change what a commitment says, or its due date (a later due date is
    reminded again). Who commits changes only before any action is reported.

    :raises PermissionDenied: neither staff nor the committed partner, or a
        partner handing the commitment to another party.
    :raises ValidationError: bad values, or a new party once actions exist.
    """
    require(permissions.can_edit_commitment(actor, commitment))
    objective = commitment.objective
    moved = (values.party, _party(values)) != (
        commitment.party,
        commitment.organisation_id,
    )
    if moved:
        require(
            permissions.can_state_commitment(actor, objective.group, _party(values))
        )
    cleaned = _check(objective, values)
    if moved and _has_actions(commitment):
        raise ValidationError(
            {
                "party": _(
                    "Des actions sont déjà rapportées pour cet engagement : on ne "
                    "change plus qui s'engage."
                )
            }
        )
    changed = sorted(
        name for name, value in cleaned.items() if getattr(commitment, name) != value
    )
    if not changed:
        return
    if "due_date" in changed:
        commitment.reminded_at = None
    for name, value in cleaned.items():
        setattr(commitment, name, value)
    commitment.updated_at = now
    audit.record(
        actor,
        "commitment.edit",
        commitment,
        now,
        landlord_id=objective.group.landlord_id,
        fields=[name for name in changed if name != "details_html"],
    )
    db.session.commit()


def set_status(
    actor: User, commitment: Commitment, status: CommitmentStatus, now: datetime
) -> None:
    """Mark a commitment planned, in progress, kept or not kept. Any move is
    allowed (a commitment may be kept early, or reopened), except to the status
    it already has.

    :raises PermissionDenied: neither staff nor the committed partner.
    :raises InvalidTransition: it already has this status (a second click).
    """
    require(permissions.can_edit_commitment(actor, commitment))
    previous = commitment.status
    if status is previous:
        raise InvalidTransition(
            _(
                "Cet engagement est déjà « %(status)s » : rien n'a changé.",
                status=STATUS_LABELS[status],
            )
        )
    commitment.status = status
    commitment.status_changed_at = now
    commitment.updated_at = now
    audit.record(
        actor,
        "commitment.status",
        commitment,
        now,
        landlord_id=commitment.objective.group.landlord_id,
        previous=previous.value,
        status=status.value,
    )
    db.session.commit()


# Actions


def report_action(
    actor: User,
    commitment: Commitment,
    done_on: date | None,
    description: str,
    quantity: float | None,
    unit: str,
    now: datetime,
) -> Action:
    """Report what was done for ``commitment`` (e.g. "collecte solidaire : 3,2 t");
    a planned commitment moves to "in progress"; the group's members hear of it.
    The same report sent again within :data:`RESUBMISSION` by the same person
    gives back the first one.

    Like :func:`state_commitment`'s, the duplicate guard reads then inserts: it
    covers posts one after the other, not two posts racing in parallel (that
    would need an idempotency token carried by the form, not done yet).

    :raises PermissionDenied: a partner reporting for another organisation's
        commitment, or someone who does not report for this party at all.
    :raises ValidationError: no date, a date in the future or before the
        objective starts, an empty description, a quantity that is not a
        positive number, a unit without a quantity.
    """
    require(permissions.can_report_action(actor, commitment))
    objective = commitment.objective
    errors: dict[str | None, str] = {}
    if done_on is None:
        errors["done_on"] = _("Indiquez la date de l'action.")
    elif done_on > local_date(now):
        errors["done_on"] = _("La date ne peut pas être dans le futur.")
    elif done_on < objective.baseline_date:
        errors["done_on"] = _(
            "Cette date précède le début de l'objectif (%(date)s).",
            date=format_date(objective.baseline_date, "long"),
        )
    text = (description or "").strip()
    if not DESCRIPTION_LENGTH[0] <= len(text) <= DESCRIPTION_LENGTH[1]:
        errors["description"] = _(
            "Décrivez ce qui a été fait, en %(min)d à %(max)d caractères.",
            min=DESCRIPTION_LENGTH[0],
            max=DESCRIPTION_LENGTH[1],
        )
    if quantity is not None and not (
        math.isfinite(quantity) and 0 < quantity <= MAX_QUANTITY
    ):
        errors["quantity"] = _(
            "La quantité est un nombre positif, par exemple 3,2 ; laissez vide s'il "
            "n'y en a pas."
        )
    unit = clean_line(unit)
    if len(unit) > UNIT_LENGTH:
        errors["unit"] = _("%(max)d caractères au plus.", max=UNIT_LENGTH)
    elif unit and quantity is None and "quantity" not in errors:
        errors["quantity"] = _("Indiquez la quantité, ou laissez l'unité vide.")
    if errors:
        raise ValidationError(errors)
    twin = db.session.scalars(
        select(Action)
        .filter_by(
            commitment_id=commitment.id,
            reported_by_id=actor.id,
            done_on=done_on,
            description=text,
        )
        .where(Action.reported_at >= now - RESUBMISSION)
        .limit(1)
    ).first()
    if twin is not None:
        return twin
    action = Action(
        commitment=commitment,
        objective_id=commitment.objective_id,
        done_on=done_on,
        description=text,
        description_html=render_markdown(text),
        quantity=quantity,
        unit=unit if quantity is not None else "",
        organisation_id=commitment.organisation_id,
        reported_by=actor,
        reported_at=now,
    )
    db.session.add(action)
    if commitment.status is CommitmentStatus.PLANNED:
        commitment.status = CommitmentStatus.IN_PROGRESS
        commitment.status_changed_at = now
        commitment.updated_at = now
    db.session.flush()
    group = objective.group
    audit.record(
        actor,
        "action.report",
        action,
        now,
        landlord_id=group.landlord_id,
        commitment_id=commitment.id,
    )
    notifications.notify_group(
        group,
        NotificationKind.ACTION_REPORTED,
        now,
        exclude=actor,
        action_id=action.id,
        commitment_id=commitment.id,
        objective_id=commitment.objective_id,
        commitment_title=commitment.title,
        done_on=done_on.isoformat(),
        quantity=quantity,
        unit=action.unit,
        organisation=commitment.organisation.name if commitment.organisation else None,
    )
    db.session.commit()
    return action


# Reading


@dataclass
class PartyScore:
    """How one party's commitments stand: kept, not kept, late (open and past
    due), pending (open, not yet due)."""

    party: str
    organisation_id: int | None
    kept: int = 0
    not_kept: int = 0
    late: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.not_kept + self.late + self.pending


def party_label(commitment: Commitment) -> str:
    """The organisation's name, or "Les habitants"."""
    if commitment.party is CommitmentParty.RESIDENTS or commitment.organisation is None:
        return str(RESIDENTS)
    return commitment.organisation.name


def _party_key(commitment: Commitment) -> tuple:
    """Organisations by name, the residents last."""
    if commitment.party is CommitmentParty.RESIDENTS:
        return (1, "", 0)
    return (0, party_label(commitment).casefold(), commitment.organisation_id or 0)


def _by_party(
    commitments: Iterable[Commitment],
) -> list[tuple[tuple, str, list[Commitment]]]:
    groups: dict[tuple, tuple[str, list[Commitment]]] = {}
    for commitment in commitments:
        key = _party_key(commitment)
        groups.setdefault(key, (party_label(commitment), []))[1].append(commitment)
    return [(key, *groups[key]) for key in sorted(groups)]


def scorecard(commitments: Iterable[Commitment], today: date) -> list[PartyScore]:
    """Count each party's commitments by how they stand at ``today`` (pure)."""
    rows = []
    for _key, label, items in _by_party(commitments):
        score = PartyScore(label, items[0].organisation_id)
        for commitment in items:
            if commitment.status is CommitmentStatus.KEPT:
                score.kept += 1
            elif commitment.status is CommitmentStatus.NOT_KEPT:
                score.not_kept += 1
            elif commitment.is_late(today):
                score.late += 1
            else:
                score.pending += 1
        rows.append(score)
    return rows


def objective_panel(objective: Objective, user: Any, today: date) -> dict[str, Any]:
    """What the objective page shows of commitments, in a few queries.

    Keys: ``by_party`` [(party label, [commitments])], ``timeline`` [the latest
    :data:`SHOWN_ACTIONS` actions, newest first, with their commitment and
    organisation], ``action_count`` (how many in all), ``scorecard``
    [PartyScore], plus ``objective``, ``today`` (for ``is_late``) and ``can_add``
    (whether ``user`` may state a commitment here).
    """
    commitments = db.session.scalars(
        select(Commitment)
        .where(Commitment.objective_id == objective.id)
        .options(selectinload(Commitment.organisation))
        .order_by(Commitment.due_date, Commitment.id)
    ).all()
    timeline = db.session.scalars(action_history(objective).limit(SHOWN_ACTIONS)).all()
    action_count = db.session.scalar(
        select(func.count()).where(Action.objective_id == objective.id)
    )
    return {
        "objective": objective,
        "today": today,
        "by_party": [(label, items) for _key, label, items in _by_party(commitments)],
        "timeline": list(timeline),
        "action_count": action_count or 0,
        "scorecard": scorecard(commitments, today),
        "can_add": can_add_commitment(user, objective.group),
    }


def action_history(objective: Objective):
    """Every action of ``objective``, newest first, with its commitment and
    organisation: a query to paginate (``db.paginate``) or to limit."""
    return (
        select(Action)
        .where(Action.objective_id == objective.id)
        .options(selectinload(Action.commitment), selectinload(Action.organisation))
        .order_by(Action.done_on.desc(), Action.id.desc())
    )


def group_commitments(group: WorkingGroup) -> list[Commitment]:
    """Every commitment of the group's objectives, with its objective and
    organisation, by objective then due date (two queries)."""
    return list(
        db.session.scalars(
            select(Commitment)
            .join(Commitment.objective)
            .where(Objective.group_id == group.id)
            .options(
                contains_eager(Commitment.objective),
                selectinload(Commitment.organisation),
            )
            .order_by(Objective.title, Objective.id, Commitment.due_date, Commitment.id)
        )
    )


def group_scorecard(group: WorkingGroup, today: date) -> list[PartyScore]:
    """The scorecard of every commitment across the group's objectives."""
    return scorecard(group_commitments(group), today)


def by_party(
    commitments: Sequence[Commitment],
) -> list[tuple[str, list[Commitment]]]:
    """Commitments grouped by party, in scorecard order."""
    return [(label, items) for _key, label, items in _by_party(commitments)]


def actions_of(commitment: Commitment) -> list[Action]:
    """A commitment's actions, newest first (one query)."""
    return list(
        db.session.scalars(
            select(Action)
            .where(Action.commitment_id == commitment.id)
            .order_by(Action.done_on.desc(), Action.id.desc())
        )
    )


# Reminders


def remind_due_commitments(now: datetime, days: int = 7) -> int:
    """Tell each group's members of its open commitments falling due within
    ``days`` days, once per commitment; returns how many were reminded.

    Each reminder is claimed by a conditional UPDATE of ``reminded_at`` before
    anything is sent, so two runs at once (or a run again) never remind twice.
    Moving a commitment's due date clears ``reminded_at``.
    """
    today = local_date(now)
    due = db.session.scalars(
        select(Commitment)
        .where(
            Commitment.status.in_(
                [CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS]
            ),
            Commitment.reminded_at.is_(None),
            Commitment.due_date >= today,
            Commitment.due_date <= today + timedelta(days=days),
        )
        .options(
            selectinload(Commitment.objective).selectinload(Objective.group),
            selectinload(Commitment.organisation),
        )
        .order_by(Commitment.due_date, Commitment.id)
    ).all()
    reminded = 0
    for commitment in due:
        claimed = db.session.execute(
            update(Commitment)
            .where(Commitment.id == commitment.id, Commitment.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            db.session.rollback()
            continue
        notifications.notify_group(
            commitment.objective.group,
            NotificationKind.COMMITMENT_DUE,
            now,
            **_details(commitment),
        )
        db.session.commit()
        reminded += 1
    return reminded
