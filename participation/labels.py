"""French (translatable) names for the values people see."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from participation.models import (
    Channel,
    NotificationKind,
    OrganisationKind,
    Phase,
    PlaceKind,
    ProposalStatus,
    Role,
    Theme,
    VerificationMethod,
    VerificationStatus,
    VoterUnit,
    VotingMethod,
)

ORGANISATION_KINDS = {
    OrganisationKind.LANDLORD: _l("Bailleur social"),
    OrganisationKind.CITY: _l("Ville"),
    OrganisationKind.WASTE_SERVICE: _l("Service de collecte des déchets"),
    OrganisationKind.ASSOCIATION: _l("Association"),
    OrganisationKind.SOCIAL_SERVICE: _l("Service social"),
    OrganisationKind.OTHER: _l("Autre"),
}

PLACE_KINDS = {
    PlaceKind.TERRITORY: _l("Quartier"),
    PlaceKind.RESIDENCE: _l("Résidence"),
    PlaceKind.BUILDING: _l("Bâtiment"),
    PlaceKind.ENTRANCE: _l("Entrée"),
}

ROLES = {
    Role.RESIDENT: _l("Habitant·e"),
    Role.STAFF: _l("Équipe du bailleur"),
    Role.PARTNER: _l("Partenaire"),
    Role.ADMIN: _l("Administrateur·rice"),
}

VERIFICATION_METHODS = {
    VerificationMethod.INVITATION_CODE: _l("code d'invitation"),
    VerificationMethod.STAFF_APPROVAL: _l("validation par l'équipe"),
}

VERIFICATION_STATUSES = {
    VerificationStatus.PENDING: _l("en attente"),
    VerificationStatus.APPROVED: _l("acceptée"),
    VerificationStatus.REFUSED: _l("refusée"),
}

PHASES = {
    Phase.DRAFT: _l("Brouillon"),
    Phase.IDEAS: _l("Recueil des idées"),
    Phase.VOTING: _l("Vote"),
    Phase.RESULTS: _l("Résultats"),
    Phase.FOLLOW_UP: _l("Suivi"),
}

THEMES = {
    Theme.WASTE: _l("Encombrants et propreté"),
    Theme.GREEN_SPACES: _l("Espaces verts"),
    Theme.SAFETY: _l("Sécurité et tranquillité"),
    Theme.WORKS: _l("Travaux"),
    Theme.SOCIAL_LIFE: _l("Vie sociale"),
    Theme.OTHER: _l("Autre sujet"),
}

VOTING_METHODS = {
    VotingMethod.APPROVAL: _l("Vote par approbation (plusieurs choix)"),
    VotingMethod.SINGLE: _l("Choix unique"),
    VotingMethod.MAJORITY_JUDGMENT: _l("Jugement majoritaire"),
    VotingMethod.BUDGET: _l("Budget participatif"),
}

VOTER_UNITS = {
    VoterUnit.DWELLING: _l("Une voix par logement (foyer)"),
    VoterUnit.PERSON: _l("Une voix par habitant·e"),
}

PROPOSAL_STATUSES = {
    ProposalStatus.PUBLISHED: _l("Publiée"),
    ProposalStatus.HIDDEN: _l("Masquée par la modération"),
    ProposalStatus.DUPLICATE: _l("Doublon"),
    ProposalStatus.WITHDRAWN: _l("Retirée par son auteur"),
    ProposalStatus.UNDER_STUDY: _l("À l'étude"),
    ProposalStatus.SELECTED: _l("Retenue"),
    ProposalStatus.NOT_RETAINED: _l("Non retenue"),
    ProposalStatus.DONE: _l("Réalisée"),
}

#: Majority-judgment grades, best first (index = stored grade).
GRADES = [
    _l("Excellent"),
    _l("Très bien"),
    _l("Bien"),
    _l("Assez bien"),
    _l("Passable"),
    _l("Insuffisant"),
    _l("À rejeter"),
]

CHANNELS = {
    Channel.ONLINE: _l("En ligne"),
    Channel.PAPER: _l("Bulletin papier"),
    Channel.MEETING: _l("En réunion"),
}

NOTIFICATION_KINDS = {
    NotificationKind.CONSULTATION_OPENED: _l("Une consultation s'ouvre là où j'habite"),
    NotificationKind.PHASE_CHANGED: _l("Une consultation change d'étape"),
    NotificationKind.PROPOSAL_ANSWERED: _l("Ma proposition reçoit une réponse"),
    NotificationKind.PROPOSAL_MODERATED: _l("Ma proposition est modérée"),
    NotificationKind.PROPOSAL_COMMENTED: _l(
        "Quelqu'un commente ma proposition ou me répond"
    ),
    NotificationKind.GROUP_MEMBERSHIP: _l(
        "Ma demande pour rejoindre un groupe de travail reçoit une réponse (ou, "
        "pour les animateur·rices, quelqu'un demande à rejoindre)"
    ),
    NotificationKind.MEETING_SCHEDULED: _l(
        "Une réunion de mes groupes de travail est prévue"
    ),
    NotificationKind.MEASUREMENT_REPORTED: _l(
        "Une nouvelle mesure montre où en est un objectif de mes groupes"
    ),
    NotificationKind.ACTION_REPORTED: _l(
        "Un partenaire ou le bailleur signale une action réalisée"
    ),
    NotificationKind.COMMITMENT_ADDED: _l("Un nouvel engagement est pris"),
    NotificationKind.COMMITMENT_DUE: _l("Un engagement arrive à échéance"),
}

LANGUAGES = {"fr": "Français", "en": "English"}


def choices(mapping: dict) -> Callable[[], list[tuple[str, str]]]:
    """WTForms choices from one of the mappings above.

    A callable, because WTForms 3.3 deprecates (value, label) tuples given to the
    field's constructor but still accepts them from a callable, as older versions do.
    """
    return lambda: [(str(key), label) for key, label in mapping.items()]
