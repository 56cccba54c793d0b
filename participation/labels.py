"""French (translatable) names for the values people see."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from participation.models import (
    OrganisationKind,
    PlaceKind,
    Role,
    VerificationMethod,
    VerificationStatus,
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

LANGUAGES = {"fr": "Français", "en": "English"}


def choices(mapping: dict) -> Callable[[], list[tuple[str, str]]]:
    """WTForms choices from one of the mappings above.

    A callable, because WTForms 3.3 deprecates (value, label) tuples given to the
    field's constructor but still accepts them from a callable, as older versions do.
    """
    return lambda: [(str(key), label) for key, label in mapping.items()]
