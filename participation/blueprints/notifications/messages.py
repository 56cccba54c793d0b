"""What a notification says and where it leads, written when it is shown.

Notifications store a kind and a few details, never a sentence: the text is
composed here, in the reader's language, from the consultation or proposal as it
is now.
"""

from __future__ import annotations

from flask import url_for
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


_SENTENCES = {
    NotificationKind.CONSULTATION_OPENED: _opened,
    NotificationKind.PHASE_CHANGED: _changed,
    NotificationKind.PROPOSAL_ANSWERED: _answered,
    NotificationKind.PROPOSAL_MODERATED: _moderated,
    NotificationKind.PROPOSAL_COMMENTED: _commented,
}


def describe(notification: Notification) -> str:
    """The sentence shown to the reader (plain text, escaped by the template)."""
    return _SENTENCES[notification.kind](notification)


def target(notification: Notification) -> str:
    """The page the notification is about: the proposal, else the consultation."""
    if notification.proposal_id is not None:
        return url_for("proposals.detail", proposal_id=notification.proposal_id)
    if notification.consultation_id is not None:
        return url_for(
            "consultations.detail", consultation_id=notification.consultation_id
        )
    return url_for("notifications.index")
