"""French names for recorded actions and object types (unknown ones shown raw)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "account.delete": _l("Compte supprimé à la demande de son titulaire"),
    "action.report": _l("Action déclarée"),
    "ballot.record": _l("Bulletin papier ou de réunion saisi"),
    "comment.hide": _l("Commentaire masqué"),
    "commitment.create": _l("Engagement ajouté"),
    "commitment.edit": _l("Engagement modifié"),
    "commitment.status": _l("État d'un engagement changé"),
    "consultation.close_phase": _l("Phase de consultation terminée"),
    "consultation.create": _l("Consultation créée"),
    "consultation.edit": _l("Consultation modifiée"),
    "consultation.extend_phase": _l("Phase de consultation prolongée"),
    "consultation.publish_outcome": _l("Décision publiée"),
    "dwelling.create": _l("Logement ajouté"),
    "dwelling.import": _l("Logements importés"),
    "dwelling.update": _l("Logement modifié"),
    "group.accept_member": _l("Demande d'adhésion acceptée"),
    "group.add_partner": _l("Partenaire ajouté au groupe"),
    "group.add_staff": _l("Membre de l'équipe ajouté au groupe"),
    "group.create": _l("Groupe de travail créé"),
    "group.edit": _l("Groupe de travail modifié"),
    "group.edit_showcase": _l("Présentation publique modifiée"),
    "group.publish": _l("Initiative publiée"),
    "group.refuse_member": _l("Demande d'adhésion refusée"),
    "group.remove_member": _l("Membre retiré du groupe"),
    "group.remove_partner": _l("Partenaire retiré du groupe"),
    "group.set_facilitator": _l("Animation du groupe confiée ou retirée"),
    "group.unpublish": _l("Initiative retirée de la vitrine"),
    "invitation.issue": _l("Codes d'invitation émis"),
    "measurement.correct": _l("Mesure corrigée"),
    "measurement.import": _l("Mesures importées"),
    "measurement.report": _l("Mesure déclarée"),
    "meeting.hand_vote": _l("Vote à main levée enregistré"),
    "meeting.record": _l("Compte rendu de réunion enregistré"),
    "meeting.schedule": _l("Réunion programmée"),
    "objective.create": _l("Objectif créé"),
    "objective.edit": _l("Objectif modifié"),
    "organisation.create": _l("Organisation créée"),
    "organisation.update": _l("Organisation modifiée"),
    "place.create": _l("Lieu créé"),
    "place.delete": _l("Lieu supprimé"),
    "place.update": _l("Lieu modifié"),
    "proposal.answer": _l("Réponse officielle donnée"),
    "proposal.duplicate": _l("Proposition fusionnée (doublon)"),
    "proposal.edit_on_behalf": _l("Proposition saisie pour un habitant modifiée"),
    "proposal.enter_on_behalf": _l("Proposition saisie pour un habitant"),
    "proposal.hide": _l("Proposition masquée"),
    "report.dismiss": _l("Signalement classé"),
    "residency.end": _l("Départ d'un logement enregistré"),
    "user.create": _l("Compte créé"),
    "user.update": _l("Compte modifié"),
    "verification.approved": _l("Demande de vérification acceptée"),
    "verification.refused": _l("Demande de vérification refusée"),
}

OBJECT_TYPES = {
    "Action": _l("Action"),
    "Ballot": _l("Bulletin"),
    "Comment": _l("Commentaire"),
    "Commitment": _l("Engagement"),
    "Consultation": _l("Consultation"),
    "Dwelling": _l("Logement"),
    "GroupMember": _l("Membre d'un groupe"),
    "HandVote": _l("Vote à main levée"),
    "InvitationCode": _l("Code d'invitation"),
    "Measurement": _l("Mesure"),
    "Meeting": _l("Réunion"),
    "Objective": _l("Objectif"),
    "Organisation": _l("Organisation"),
    "Place": _l("Lieu"),
    "Proposal": _l("Proposition"),
    "Report": _l("Signalement"),
    "Residency": _l("Logement d'un habitant"),
    "User": _l("Compte"),
    "VerificationRequest": _l("Demande de vérification"),
    "WorkingGroup": _l("Groupe de travail"),
}


def action_label(action: str) -> str:
    """The French name of an action, or the action itself when unknown."""
    return str(ACTIONS[action]) if action in ACTIONS else action


def object_label(object_type: str) -> str:
    return (
        str(OBJECT_TYPES[object_type]) if object_type in OBJECT_TYPES else object_type
    )
