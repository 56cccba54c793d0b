"""Domain models (SQLAlchemy 2.0, typed): one module per aggregate."""

from participation.models.audit import AuditEvent
from participation.models.ballot import Ballot, BallotChoice, Channel
from participation.models.consultation import (
    Consultation,
    Phase,
    Theme,
    VoterUnit,
    VotingMethod,
)
from participation.models.group import (
    GroupMember,
    GroupPartner,
    HandVote,
    Meeting,
    MembershipStatus,
    Party,
    WorkingGroup,
)
from participation.models.invitation import InvitationCode
from participation.models.notification import (
    Notification,
    NotificationKind,
    NotificationOptOut,
)
from participation.models.objective import (
    Action,
    Commitment,
    CommitmentParty,
    CommitmentStatus,
    Measurement,
    MeasurementRevision,
    Milestone,
    Objective,
    Period,
)
from participation.models.organisation import Organisation, OrganisationKind
from participation.models.place import Dwelling, Place, PlaceKind, descendants_of
from participation.models.proposal import (
    Comment,
    Proposal,
    ProposalStatus,
    Report,
)
from participation.models.user import (
    Residency,
    Role,
    User,
    VerificationMethod,
    VerificationRequest,
    VerificationStatus,
)

__all__ = [
    "Action",
    "AuditEvent",
    "Ballot",
    "BallotChoice",
    "Channel",
    "Comment",
    "Commitment",
    "CommitmentParty",
    "CommitmentStatus",
    "Consultation",
    "Dwelling",
    "GroupMember",
    "GroupPartner",
    "HandVote",
    "InvitationCode",
    "Measurement",
    "MeasurementRevision",
    "Meeting",
    "MembershipStatus",
    "Milestone",
    "Notification",
    "NotificationKind",
    "NotificationOptOut",
    "Objective",
    "Organisation",
    "OrganisationKind",
    "Party",
    "Period",
    "Phase",
    "Place",
    "PlaceKind",
    "Proposal",
    "ProposalStatus",
    "Report",
    "Residency",
    "Role",
    "Theme",
    "User",
    "VerificationMethod",
    "VerificationRequest",
    "VerificationStatus",
    "VoterUnit",
    "VotingMethod",
    "WorkingGroup",
    "descendants_of",
]
