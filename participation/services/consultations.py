"""Consultations: open, edit, move through phases, publish the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, literal, or_

from participation import labels, permissions
from participation.extensions import db
from participation.models import (
    Consultation,
    Dwelling,
    Phase,
    Place,
    Proposal,
    ProposalStatus,
    Residency,
    Role,
    Theme,
    User,
    VoterUnit,
    VotingMethod,
    descendants_of,
)
from participation.models.consultation import BOUNDARIES
from participation.services import (
    InvalidTransition,
    ValidationError,
    audit,
    notifications,
    require,
)
from participation.text import clean_line, clean_text, render_markdown

#: Settings that may not change once voting has started.
VOTING_SETTINGS = (
    "method",
    "max_choices",
    "budget",
    "voter_unit",
    "quorum_percent",
    "live_results",
)
DATES = tuple(BOUNDARIES.values())


@dataclass
class ConsultationValues:
    """What staff type in the consultation form."""

    title: str
    summary: str
    body: str
    theme: Theme
    opens_at: datetime
    voting_opens_at: datetime
    voting_closes_at: datetime
    follow_up_at: datetime
    method: VotingMethod = VotingMethod.APPROVAL
    max_choices: int = 3
    budget: int | None = None
    voter_unit: VoterUnit = VoterUnit.DWELLING
    quorum_percent: int | None = None
    live_results: bool = False


def create_consultation(
    actor: User, place: Place, values: ConsultationValues, now: datetime
) -> Consultation:
    """Open a consultation for ``place``; it stays a draft until ``opens_at``.

    :raises PermissionDenied: the actor does not manage the place.
    :raises ValidationError: bad dates or voting settings (nothing is saved).
    """
    require(permissions.can_create_consultation(actor, place))
    values.opens_at = max(values.opens_at, now)  # "now" typed a minute ago
    consultation = Consultation(
        place=place, landlord_id=place.landlord_id, created_by=actor, created_at=now
    )
    _apply(consultation, values, now, creating=True)
    db.session.add(consultation)
    db.session.flush()
    audit.record(
        actor,
        "consultation.create",
        consultation,
        now,
        landlord_id=consultation.landlord_id,
        place_id=place.id,
    )
    db.session.commit()
    notifications.announce_phase(consultation, now)
    return consultation


def update_consultation(
    actor: User, consultation: Consultation, values: ConsultationValues, now: datetime
) -> None:
    """Change the text, future dates and (before voting) the voting settings.

    :raises PermissionDenied: the actor does not manage the consultation.
    :raises ValidationError: a past date or a locked setting changed, or bad values.
    """
    require(permissions.can_manage_consultation(actor, consultation))
    changed = _apply(consultation, values, now, creating=False)
    if changed:
        audit.record(
            actor,
            "consultation.edit",
            consultation,
            now,
            landlord_id=consultation.landlord_id,
            fields=sorted(changed),
        )
    db.session.commit()
    notifications.announce_phase(consultation, now)


def _apply(
    consultation: Consultation, values: ConsultationValues, now: datetime, creating
) -> set[str]:
    """Check ``values`` against the phase rules and copy them; return what changed."""
    errors: dict[str | None, str] = {}
    title = clean_line(values.title)
    if len(title) < 5:
        errors["title"] = _("Donnez un titre d'au moins 5 caractères.")
    dates = [getattr(values, name) for name in DATES]
    if any(later <= earlier for earlier, later in zip(dates, dates[1:], strict=False)):
        errors["voting_opens_at"] = _(
            "Les dates doivent se suivre : ouverture des idées, puis début du vote, "
            "puis fin du vote, puis début du suivi."
        )
    for name in DATES:
        old, new = getattr(consultation, name, None), getattr(values, name)
        if creating:
            if name != "opens_at" and new <= now:
                errors[name] = _("Cette date est déjà passée.")
        elif old != new and (old <= now or new <= now):
            errors[name] = _(
                "Une date passée ne se modifie pas : pour avancer ou prolonger "
                "l'étape en cours, utilisez les boutons de la page de la consultation."
            )
    if not creating and consultation.voting_has_started(now):
        locked = [
            name
            for name in VOTING_SETTINGS
            if getattr(consultation, name) != getattr(values, name)
        ]
        for name in locked:
            errors[name] = _(
                "Le vote a commencé : les règles du vote ne peuvent plus changer."
            )
    if values.method is VotingMethod.BUDGET and not (values.budget or 0) > 0:
        errors["budget"] = _("Indiquez le budget disponible, en euros.")
    if values.method is VotingMethod.APPROVAL and not 1 <= values.max_choices <= 20:
        errors["max_choices"] = _("Entre 1 et 20 choix.")
    if values.quorum_percent is not None and not 1 <= values.quorum_percent <= 100:
        errors["quorum_percent"] = _("Un pourcentage entre 1 et 100.")
    if errors:
        db.session.rollback()
        raise ValidationError(errors)

    new: dict[str, Any] = {
        "title": title,
        "summary": clean_text(values.summary),
        "body": values.body.strip(),
        "theme": values.theme,
        **{name: getattr(values, name) for name in DATES},
        **{name: getattr(values, name) for name in VOTING_SETTINGS},
    }
    if new["method"] is not VotingMethod.BUDGET:
        new["budget"] = None
    changed = {k for k, v in new.items() if getattr(consultation, k, None) != v}
    for name, value in new.items():
        setattr(consultation, name, value)
    consultation.body_html = render_markdown(consultation.body)
    if changed:
        consultation.updated_at = now
    return changed


def close_phase(
    actor: User,
    consultation: Consultation,
    now: datetime,
    expected: Phase | None = None,
) -> Phase:
    """End the current phase now (the next one starts). Returns the new phase.

    ``expected`` is the phase the actor saw when deciding: a second click on the
    same button must not close the next phase as well.

    :raises PermissionDenied: the actor does not manage the consultation.
    :raises InvalidTransition: the consultation is in its follow-up, or no longer
        in the ``expected`` phase.
    """
    require(permissions.can_manage_consultation(actor, consultation))
    before = consultation.phase(now)
    if expected is not None and before is not expected:
        raise InvalidTransition(
            _(
                "Cette étape est déjà terminée : la consultation est maintenant "
                "à l'étape « %(phase)s ».",
                phase=labels.PHASES[before],
            )
        )
    after = consultation.close_phase(now)
    consultation.updated_at = now
    audit.record(
        actor,
        "consultation.close_phase",
        consultation,
        now,
        landlord_id=consultation.landlord_id,
        closed=before.value,
        opened=after.value,
    )
    db.session.commit()
    notifications.announce_phase(consultation, now)
    return after


def extend_phase(
    actor: User, consultation: Consultation, until: datetime, now: datetime
) -> None:
    """Let the current phase run until ``until``; later phases move with it.

    :raises PermissionDenied: the actor does not manage the consultation.
    :raises InvalidTransition: follow-up, or ``until`` not after the current end.
    """
    require(permissions.can_manage_consultation(actor, consultation))
    phase = consultation.phase(now)
    before = consultation.ends(phase)
    consultation.extend_phase(now, until)
    consultation.updated_at = now
    audit.record(
        actor,
        "consultation.extend_phase",
        consultation,
        now,
        landlord_id=consultation.landlord_id,
        phase=phase.value,
        previous_end=before.isoformat() if before else None,
        new_end=until.isoformat(),
    )
    db.session.commit()


def publish_outcome(
    actor: User,
    consultation: Consultation,
    selected: list[Proposal],
    outcome: str,
    now: datetime,
) -> None:
    """Say which proposals are selected and what happens next; their authors hear.
    Publishing again corrects it: a proposal no longer ticked goes back to "under
    study".

    :raises PermissionDenied: the actor does not manage the consultation.
    :raises InvalidTransition: voting has not closed.
    :raises ValidationError: no text, or a proposal not listed in this consultation.
    """
    require(permissions.can_manage_consultation(actor, consultation))
    errors = {}
    if len(outcome.strip()) < 10:
        errors["outcome"] = _("Expliquez en quelques mots ce qui a été décidé.")
    if any(p.consultation_id != consultation.id or not p.is_listed for p in selected):
        errors["selected"] = _("Choisissez parmi les propositions de la consultation.")
    if errors:
        raise ValidationError(errors)
    consultation.publish_outcome(now, outcome.strip(), render_markdown(outcome))
    newly_selected = [p for p in selected if p.status is not ProposalStatus.SELECTED]
    for proposal in newly_selected:
        proposal.status, proposal.answered_at = ProposalStatus.SELECTED, now
        proposal.answered_by = actor
    # A correction that unticks a proposal takes it back to "under study".
    kept = {p.id for p in selected}
    unselected = db.session.scalars(
        db.select(Proposal).where(
            Proposal.consultation_id == consultation.id,
            Proposal.status == ProposalStatus.SELECTED,
            Proposal.id.not_in(kept),
        )
    ).all()
    for proposal in unselected:
        proposal.status, proposal.answered_at = ProposalStatus.UNDER_STUDY, now
        proposal.answered_by = actor
    audit.record(
        actor,
        "consultation.publish_outcome",
        consultation,
        now,
        landlord_id=consultation.landlord_id,
        selected=sorted(kept),
        unselected=[p.id for p in unselected],
    )
    notifications.proposals_answered([*newly_selected, *unselected], now)
    db.session.commit()


# Reading


def _phase_condition(phase: Phase, now: datetime):
    starts = {
        Phase.DRAFT: None,
        Phase.IDEAS: Consultation.opens_at,
        Phase.VOTING: Consultation.voting_opens_at,
        Phase.RESULTS: Consultation.voting_closes_at,
        Phase.FOLLOW_UP: Consultation.follow_up_at,
    }
    order = list(Phase)
    index = order.index(phase)
    start = starts[phase]
    end = starts[order[index + 1]] if index + 1 < len(order) else None
    conditions = []
    if start is not None:
        conditions.append(start <= now)
    if end is not None:
        conditions.append(end > now)
    return and_(*conditions)


def consultations_query(
    viewer: Any,
    now: datetime,
    *,
    theme: Theme | None = None,
    phase: Phase | None = None,
    place: Place | None = None,
):
    """Consultations the viewer may read, the most recently opened first: every
    published one, plus the drafts of landlords the viewer manages."""
    query = (
        db.select(Consultation)
        .join(Consultation.place)
        .options(db.contains_eager(Consultation.place))
        .order_by(Consultation.opens_at.desc(), Consultation.id.desc())
    )
    visible = Consultation.opens_at <= now
    landlord_ids = permissions.managed_landlord_ids(viewer)
    if landlord_ids is None:
        visible = literal(True)
    elif landlord_ids:
        visible = or_(visible, Consultation.landlord_id.in_(landlord_ids))
    query = query.where(visible)
    if theme is not None:
        query = query.where(Consultation.theme == theme)
    if phase is not None:
        query = query.where(_phase_condition(phase, now))
    if place is not None:
        query = query.where(descendants_of(place))
    return query


def for_resident(user: User, now: datetime) -> list[Consultation]:
    """Published consultations, not yet in follow-up, covering one of the user's
    homes (their place is the home's place or one of its ancestors)."""
    homes = db.session.scalars(
        db.select(Place.path)
        .join(Dwelling, Dwelling.place_id == Place.id)
        .join(Residency, Residency.dwelling_id == Dwelling.id)
        .where(Residency.user_id == user.id, Residency.ended_at.is_(None))
    ).all()
    if not homes:
        return []
    covers = or_(*[literal(path).startswith(Place.path) for path in homes])
    return list(
        db.session.scalars(
            db.select(Consultation)
            .join(Consultation.place)
            .options(db.contains_eager(Consultation.place))
            .where(
                covers,
                Consultation.opens_at <= now,
                Consultation.follow_up_at > now,
            )
            .order_by(Consultation.voting_closes_at, Consultation.id)
        )
    )


def locked_fields(consultation: Consultation, now: datetime) -> set[str]:
    """The fields the edit form may no longer change: dates already passed, and
    the voting settings once voting has started (``update_consultation`` refuses
    them too)."""
    locked = {name for name in DATES if getattr(consultation, name) <= now}
    if consultation.voting_has_started(now):
        locked.update(VOTING_SETTINGS)
    return locked


def eligible_units(consultation: Consultation) -> int:
    """How many voter units may vote: dwellings inside the place, or verified
    residents currently living in them."""
    inside = (
        db.select(Dwelling.id)
        .join(Dwelling.place)
        .where(descendants_of(consultation.place))
    )
    if consultation.voter_unit is VoterUnit.DWELLING:
        return db.session.scalar(db.select(func.count()).select_from(inside.subquery()))
    return db.session.scalar(
        db.select(func.count(func.distinct(Residency.user_id)))
        .join(User, User.id == Residency.user_id)
        .where(
            Residency.ended_at.is_(None),
            Residency.dwelling_id.in_(inside),
            User.active.is_(True),
            User.role == Role.RESIDENT,
        )
    )


def proposal_counts(consultation_ids: list[int]) -> dict[int, int]:
    """Listed proposals per consultation, in one query."""
    if not consultation_ids:
        return {}
    rows = db.session.execute(
        db.select(Proposal.consultation_id, func.count())
        .where(
            Proposal.consultation_id.in_(consultation_ids),
            Proposal.status.in_([s for s in ProposalStatus if s.is_listed]),
        )
        .group_by(Proposal.consultation_id)
    )
    return dict(rows.all())
