"""Domain models (SQLAlchemy 2.0, typed): one module per aggregate."""

from participation.models.audit import AuditEvent
from participation.models.invitation import InvitationCode
from participation.models.organisation import Organisation, OrganisationKind
from participation.models.place import Dwelling, Place, PlaceKind, descendants_of
from participation.models.user import (
    Residency,
    Role,
    User,
    VerificationMethod,
    VerificationRequest,
    VerificationStatus,
)

__all__ = [
    "AuditEvent",
    "Dwelling",
    "InvitationCode",
    "Organisation",
    "OrganisationKind",
    "Place",
    "PlaceKind",
    "Residency",
    "Role",
    "User",
    "VerificationMethod",
    "VerificationRequest",
    "VerificationStatus",
    "descendants_of",
]
