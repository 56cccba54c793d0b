"""What a notification says and where it leads, written when it is shown.

Notifications store a kind and a few details, never a sentence: the text is
composed here, in the reader's language, from the consultation or proposal as it
is now, or (working groups) from the details written when it happened — which
may lack a key, so every sentence has a plainer fallback.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _

from participation import labels
from participation.models import (
    Notification,
    NotificationKind,
    Phase,
    ProposalStatus,
)


def _phase(notification: Notification) -> Phase | None:
    try:
        return Phase(notification.details.get("phase"))
    except ValueError:
        return None


def _status(notification: Notification) -> ProposalStatus | None:
    try:
        return ProposalStatus(notification.details.get("status"))
    except ValueError:
        return None


def _consultation_title(notification: Notification) -> str:
    consultation = notification.consultation
    return consultation.title if consultation else _("(consultation supprimée)")


def _proposal_title(notification: Notification) -> str:
    proposal = notification.proposal
    return proposal.title if proposal else _("(proposition supprimée)")


def _opened(notification: Notification) -> str:
    title = _consultation_title(notification)
    if _phase(notification) is Phase.VOTING:
        return _("La consultation « %(title)s » est ouverte : votez.", title=title)
    if _phase(notification) in (Phase.RESULTS, Phase.FOLLOW_UP):
        return _(
            "La consultation « %(title)s » est publiée : voyez ses résultats.",
            title=title,
        )
    return _(
        "La consultation « %(title)s » est ouverte : proposez vos idées.", title=title
    )


def _changed(notification: Notification) -> str:
    phase = _phase(notification)
    title = _consultation_title(notification)
    if phase is None:
        return _("La consultation « %(title)s » change d'étape.", title=title)
    return _(
        "La consultation « %(title)s » passe à l'étape : %(phase)s.",
        title=title,
        phase=labels.PHASES[phase],
    )


def _answered(notification: Notification) -> str:
    status = _status(notification)
    title = _proposal_title(notification)
    if status is None:
        return _("Votre proposition « %(title)s » a reçu une réponse.", title=title)
    return _(
        "Votre proposition « %(title)s » a reçu une réponse : %(status)s.",
        title=title,
        status=labels.PROPOSAL_STATUSES[status],
    )


def _moderated(notification: Notification) -> str:
    title = _proposal_title(notification)
    if (notification.details or {}).get("comment_id"):
        return _(
            "Votre commentaire sur la proposition « %(title)s » a été masqué par la "
            "modération.",
            title=title,
        )
    if _status(notification) is ProposalStatus.DUPLICATE:
        return _(
            "Votre proposition « %(title)s » a été rattachée à une proposition "
            "similaire.",
            title=title,
        )
    return _(
        "Votre proposition « %(title)s » a été masquée par la modération.",
        title=title,
    )


def _commented(notification: Notification) -> str:
    title = _proposal_title(notification)
    proposal = notification.proposal
    if proposal is not None and proposal.author_id != notification.user_id:
        return _(
            "Nouvelle réponse à votre commentaire sur la proposition « %(title)s ».",
            title=title,
        )
    return _("Nouveau commentaire sur votre proposition « %(title)s ».", title=title)


# Working groups: the details are those the services wrote (see
# services.groups, services.objectives, services.commitments).


def _detail(notification: Notification, *keys: str) -> Any:
    """The first of ``keys`` present (and not empty) in the details, else None."""
    details = notification.details or {}
    for key in keys:
        value = details.get(key)
        if value not in (None, ""):
            return value
    return None


def _id(notification: Notification, key: str) -> int | None:
    try:
        return int(_detail(notification, key))
    except (TypeError, ValueError):
        return None


def _when(value: Any, month: bool = False) -> str | None:
    """An ISO date (or date-time) from the details, written for the reader."""
    if not isinstance(value, str):
        return None
    try:
        if "T" in value:
            return format_datetime(
                datetime.fromisoformat(value), "EEEE d MMMM y, HH:mm"
            )
        return format_date(date.fromisoformat(value), "MMMM y" if month else "long")
    except ValueError:
        return None


def _amount(value: Any, unit: Any) -> str | None:
    """ "3,2 t": a number from the details with its unit."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{format_decimal(value)} {unit}".strip() if unit else format_decimal(value)


def _group_title(notification: Notification) -> str:
    return str(_detail(notification, "title") or _("(groupe de travail)"))


def _membership(notification: Notification) -> str:
    title = _group_title(notification)
    if _detail(notification, "pending"):
        return _(
            "Nouvelle demande pour rejoindre le groupe « %(title)s » : elle attend "
            "votre réponse.",
            title=title,
        )
    if _detail(notification, "removed"):
        return _("Vous ne faites plus partie du groupe « %(title)s ».", title=title)
    accepted = (notification.details or {}).get("accepted")
    if accepted is True:
        return _(
            "Bienvenue : vous faites maintenant partie du groupe « %(title)s ».",
            title=title,
        )
    if accepted is False:
        return _(
            "Votre demande pour rejoindre le groupe « %(title)s » n'a pas été "
            "acceptée.",
            title=title,
        )
    return _("Du nouveau sur votre place dans le groupe « %(title)s ».", title=title)


def _meeting(notification: Notification) -> str:
    title = _group_title(notification)
    when = _when(_detail(notification, "starts_at"))
    location = _detail(notification, "location")
    if when and location:
        return _(
            "Réunion du groupe « %(title)s » le %(when)s (%(location)s).",
            title=title,
            when=when,
            location=location,
        )
    if when:
        return _("Réunion du groupe « %(title)s » le %(when)s.", title=title, when=when)
    return _("Une réunion du groupe « %(title)s » est prévue.", title=title)


def _measurement(notification: Notification) -> str:
    title = _detail(notification, "title", "objective_title")
    value = _amount(_detail(notification, "value"), _detail(notification, "unit"))
    month = _detail(notification, "period") == "month"
    when = _when(_detail(notification, "measured_on"), month=month)
    if title and value and when:
        return _(
            "Nouvelle mesure pour l'objectif « %(title)s » : %(value)s (%(when)s).",
            title=title,
            value=value,
            when=when,
        )
    if title and value:
        return _(
            "Nouvelle mesure pour l'objectif « %(title)s » : %(value)s.",
            title=title,
            value=value,
        )
    if title:
        return _("Nouvelle mesure pour l'objectif « %(title)s ».", title=title)
    return _("Une nouvelle mesure a été enregistrée.")


def _action(notification: Notification) -> str:
    title = _detail(notification, "commitment_title", "title")
    by = _detail(notification, "organisation")
    amount = _amount(_detail(notification, "quantity"), _detail(notification, "unit"))
    if title and by and amount:
        return _(
            "%(organisation)s a agi pour l'engagement « %(title)s » : %(amount)s.",
            organisation=by,
            title=title,
            amount=amount,
        )
    if title and by:
        return _(
            "%(organisation)s a agi pour l'engagement « %(title)s ».",
            organisation=by,
            title=title,
        )
    if title:
        return _("Nouvelle action pour l'engagement « %(title)s ».", title=title)
    return _("Une nouvelle action a été signalée.")


def _committed(notification: Notification) -> str:
    title = _detail(notification, "title")
    by = _detail(notification, "organisation") or _("les habitants")
    due = _when(_detail(notification, "due_date"))
    if title and due:
        return _(
            "Nouvel engagement — %(party)s : « %(title)s », d'ici le %(due)s.",
            party=by,
            title=title,
            due=due,
        )
    if title:
        return _(
            "Nouvel engagement — %(party)s : « %(title)s ».", party=by, title=title
        )
    return _("Un nouvel engagement a été pris.")


def _due(notification: Notification) -> str:
    title = _detail(notification, "title")
    by = _detail(notification, "organisation") or _("les habitants")
    due = _when(_detail(notification, "due_date"))
    if title and due:
        return _(
            "L'engagement « %(title)s » (%(party)s) arrive à échéance le %(due)s.",
            title=title,
            party=by,
            due=due,
        )
    if title:
        return _(
            "L'engagement « %(title)s » (%(party)s) arrive à échéance.",
            title=title,
            party=by,
        )
    return _("Un engagement arrive à échéance.")


_SENTENCES = {
    NotificationKind.CONSULTATION_OPENED: _opened,
    NotificationKind.PHASE_CHANGED: _changed,
    NotificationKind.PROPOSAL_ANSWERED: _answered,
    NotificationKind.PROPOSAL_MODERATED: _moderated,
    NotificationKind.PROPOSAL_COMMENTED: _commented,
    NotificationKind.GROUP_MEMBERSHIP: _membership,
    NotificationKind.MEETING_SCHEDULED: _meeting,
    NotificationKind.MEASUREMENT_REPORTED: _measurement,
    NotificationKind.ACTION_REPORTED: _action,
    NotificationKind.COMMITMENT_ADDED: _committed,
    NotificationKind.COMMITMENT_DUE: _due,
}


def describe(notification: Notification) -> str:
    """The sentence shown to the reader (plain text, escaped by the template)."""
    return _SENTENCES[notification.kind](notification)


def _group_target(notification: Notification) -> str | None:
    """A working-group notification's page: the objective, the commitment, the
    meeting or the members' list, else the group."""
    kind, group_id = notification.kind, notification.group_id
    commitment_id = _id(notification, "commitment_id")
    objective_id = _id(notification, "objective_id")
    if kind in (
        NotificationKind.ACTION_REPORTED,
        NotificationKind.COMMITMENT_ADDED,
        NotificationKind.COMMITMENT_DUE,
    ):
        if commitment_id is not None:
            return url_for("commitments.detail", commitment_id=commitment_id)
        if objective_id is not None:
            return url_for("objectives.detail", objective_id=objective_id)
    if kind is NotificationKind.MEASUREMENT_REPORTED and objective_id is not None:
        return url_for("objectives.detail", objective_id=objective_id)
    if group_id is None:
        return None
    meeting_id = _id(notification, "meeting_id")
    if kind is NotificationKind.MEETING_SCHEDULED and meeting_id is not None:
        return url_for("groups.meeting", group_id=group_id, meeting_id=meeting_id)
    if kind is NotificationKind.GROUP_MEMBERSHIP and _detail(notification, "pending"):
        return url_for("groups.members", group_id=group_id)
    return url_for("groups.detail", group_id=group_id)


def target(notification: Notification) -> str:
    """The page the notification is about: the proposal, else the consultation,
    else the working group's page it concerns."""
    group_page = _group_target(notification)
    if group_page is not None:
        return group_page
    if notification.proposal_id is not None:
        return url_for("proposals.detail", proposal_id=notification.proposal_id)
    if notification.consultation_id is not None:
        return url_for(
            "consultations.detail", consultation_id=notification.consultation_id
        )
    return url_for("notifications.index")
