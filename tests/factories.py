"""Test data builders: small, explicit, committed to the real database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from participation.extensions import db
from participation.models import (
    Action,
    Commitment,
    CommitmentParty,
    CommitmentStatus,
    Consultation,
    Dwelling,
    GroupMember,
    GroupPartner,
    Measurement,
    Meeting,
    MembershipStatus,
    Objective,
    Organisation,
    OrganisationKind,
    Phase,
    Place,
    Proposal,
    Residency,
    Role,
    User,
    VerificationMethod,
    VerificationRequest,
    VotingMethod,
    WorkingGroup,
)
from participation.models.group import Party
from participation.services.accounts import hash_password
from participation.services.indicators import Direction
from participation.services.places import add_place
from participation.timeutil import utcnow

PASSWORD = "correct horse battery"
_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def organisation(
    kind=OrganisationKind.LANDLORD, name: str | None = None
) -> Organisation:
    org = Organisation(name=name or f"Organisation {_next()}", kind=kind)
    db.session.add(org)
    db.session.commit()
    return org


def user(
    role=Role.RESIDENT,
    organisation: Organisation | None = None,
    email: str | None = None,
    active: bool = True,
    **values,
) -> User:
    account = User(
        email=email or f"user{_next()}@example.fr",
        display_name=values.pop("display_name", f"Personne {_counter['n']}"),
        password_hash=hash_password(values.pop("password", PASSWORD)),
        role=role,
        organisation=organisation,
        active=active,
        **values,
    )
    db.session.add(account)
    db.session.commit()
    return account


def tree(landlord: Organisation, name: str = "Quartier", dwellings: int = 3):
    """Territory → residence → building (with dwellings) → entrance."""
    territory = add_place(landlord, None, f"{name} {_next()}")
    residence = add_place(landlord, territory, "Résidence")
    building = add_place(landlord, residence, "Bâtiment A")
    entrance = add_place(landlord, building, "Entrée 1")
    homes = [
        Dwelling(landlord_id=landlord.id, place=building, reference=f"REF-{_next()}")
        for _ in range(dwellings)
    ]
    db.session.add_all(homes)
    db.session.commit()
    return territory, residence, building, entrance, homes


def resident_of(dwelling: Dwelling, now: datetime | None = None, **values) -> User:
    person = user(Role.RESIDENT, **values)
    db.session.add(
        Residency(
            user=person,
            dwelling=dwelling,
            method=VerificationMethod.INVITATION_CODE,
            verified_at=now or utcnow(),
        )
    )
    db.session.commit()
    return person


def verification_request(person: User, place: Place) -> VerificationRequest:
    request = VerificationRequest(
        user=person,
        place=place,
        details="2e étage",
        created_at=utcnow() - timedelta(hours=1),
    )
    db.session.add(request)
    db.session.commit()
    return request


#: Where ``now`` falls for a consultation in each phase: its four dates are placed
#: around it, one day apart.
_PHASE_OFFSETS = {
    Phase.DRAFT: 1,
    Phase.IDEAS: 0,
    Phase.VOTING: -1,
    Phase.RESULTS: -2,
    Phase.FOLLOW_UP: -3,
}


def consultation(
    place: Place,
    phase: Phase = Phase.IDEAS,
    now: datetime | None = None,
    **values,
) -> Consultation:
    """A consultation for ``place`` that is in ``phase`` at ``now``.

    Its dates are one day apart: ideas open at ``now + offset`` days, voting a day
    later, and so on, with ``now`` always half a day inside the phase.
    """
    now = now or utcnow()
    start = now + timedelta(days=_PHASE_OFFSETS[phase]) - timedelta(hours=12)
    if phase is Phase.DRAFT:
        start += timedelta(hours=24)
    item = Consultation(
        place=place,
        landlord_id=place.landlord_id,
        title=values.pop("title", f"Consultation {_next()}"),
        summary=values.pop("summary", "Donnez votre avis."),
        body=values.pop("body", "Texte."),
        body_html=values.pop("body_html", "<p>Texte.</p>"),
        opens_at=start,
        voting_opens_at=start + timedelta(days=1),
        voting_closes_at=start + timedelta(days=2),
        follow_up_at=start + timedelta(days=3),
        method=values.pop("method", VotingMethod.APPROVAL),
        **values,
    )
    db.session.add(item)
    db.session.commit()
    assert item.phase(now) is phase
    return item


def proposal(
    consultation: Consultation, author: User | None = None, **values
) -> Proposal:
    item = Proposal(
        consultation=consultation,
        author=author,
        title=values.pop("title", f"Proposition {_next()}"),
        body=values.pop("body", "Une idée pour le quartier."),
        body_html=values.pop("body_html", "<p>Une idée pour le quartier.</p>"),
        **values,
    )
    db.session.add(item)
    db.session.commit()
    return item


def group(place: Place, **values) -> WorkingGroup:
    """A working group for ``place``; ``partners``: organisations taking part."""
    partners = values.pop("partners", [])
    item = WorkingGroup(
        place=place,
        landlord_id=place.landlord_id,
        title=values.pop("title", f"Groupe {_next()}"),
        purpose=values.pop("purpose", "Agir ensemble."),
        purpose_html=values.pop("purpose_html", "<p>Agir ensemble.</p>"),
        rhythm=values.pop("rhythm", "Une réunion par mois"),
        **values,
    )
    item.partners = [GroupPartner(organisation=org) for org in partners]
    db.session.add(item)
    db.session.commit()
    return item


def member(
    group: WorkingGroup,
    person: User,
    party: Party | None = None,
    status: MembershipStatus = MembershipStatus.ACTIVE,
    **values,
) -> GroupMember:
    """``person`` in ``group``; the party follows the role unless given."""
    if party is None:
        party = {
            Role.PARTNER: Party.PARTNER,
            Role.STAFF: Party.STAFF,
            Role.ADMIN: Party.STAFF,
        }.get(person.role, Party.RESIDENT)
    item = GroupMember(
        group=group,
        user=person,
        party=party,
        status=status,
        organisation_id=person.organisation_id if party is Party.PARTNER else None,
        **values,
    )
    db.session.add(item)
    db.session.commit()
    return item


def objective(group: WorkingGroup, **values) -> Objective:
    """By default: 14 reports a month on 2026-01-01 down to 4 on 2027-01-01."""
    item = Objective(
        group=group,
        title=values.pop("title", f"Objectif {_next()}"),
        indicator=values.pop("indicator", "Signalements d'encombrants par mois"),
        unit=values.pop("unit", "signalements"),
        direction=values.pop("direction", Direction.DECREASE),
        baseline_value=values.pop("baseline_value", 14.0),
        baseline_date=values.pop("baseline_date", date(2026, 1, 1)),
        target_value=values.pop("target_value", 4.0),
        target_date=values.pop("target_date", date(2027, 1, 1)),
        **values,
    )
    db.session.add(item)
    db.session.commit()
    return item


def measurement(
    objective: Objective, measured_on: date, value: float, **values
) -> Measurement:
    item = Measurement(
        objective=objective, measured_on=measured_on, value=value, **values
    )
    db.session.add(item)
    db.session.commit()
    return item


def commitment(
    objective: Objective, organisation: Organisation | None = None, **values
) -> Commitment:
    """An organisation's commitment, or the residents' without one."""
    item = Commitment(
        objective=objective,
        party=CommitmentParty.ORGANISATION
        if organisation
        else CommitmentParty.RESIDENTS,
        organisation=organisation,
        title=values.pop("title", f"Engagement {_next()}"),
        due_date=values.pop("due_date", date(2026, 6, 30)),
        status=values.pop("status", CommitmentStatus.PLANNED),
        **values,
    )
    db.session.add(item)
    db.session.commit()
    return item


def action(commitment: Commitment, done_on: date, **values) -> Action:
    item = Action(
        commitment=commitment,
        objective_id=commitment.objective_id,
        organisation_id=commitment.organisation_id,
        done_on=done_on,
        description=values.pop("description", "Collecte solidaire."),
        description_html=values.pop("description_html", "<p>Collecte solidaire.</p>"),
        **values,
    )
    db.session.add(item)
    db.session.commit()
    return item


def meeting(group: WorkingGroup, starts_at: datetime, **values) -> Meeting:
    item = Meeting(group=group, starts_at=starts_at, **values)
    db.session.add(item)
    db.session.commit()
    return item


@dataclass
class World:
    landlord: Organisation
    partner_org: Organisation
    territory: Place
    residence: Place
    building: Place
    entrance: Place
    dwellings: list[Dwelling]
    admin: User
    staff: User
    partner: User
    resident: User
    newcomer: User
    other_landlord: Organisation
    other_building: Place
    other_dwellings: list[Dwelling]
    other_staff: User
    other_resident: User
    extra: dict = field(default_factory=dict)


def build_world() -> World:
    landlord = organisation(name="Habitat Test")
    partner_org = organisation(OrganisationKind.CITY, name="Ville Test")
    territory, residence, building, entrance, homes = tree(landlord, "Tilleuls")
    other = organisation(name="Autre Bailleur")
    _, _, other_building, _, other_homes = tree(other, "Ailleurs")
    return World(
        landlord=landlord,
        partner_org=partner_org,
        territory=territory,
        residence=residence,
        building=building,
        entrance=entrance,
        dwellings=homes,
        admin=user(Role.ADMIN, email="admin@example.fr"),
        staff=user(Role.STAFF, landlord, email="staff@example.fr"),
        partner=user(Role.PARTNER, partner_org, email="partner@example.fr"),
        resident=resident_of(homes[0], email="resident@example.fr"),
        newcomer=user(Role.RESIDENT, email="newcomer@example.fr"),
        other_landlord=other,
        other_building=other_building,
        other_dwellings=other_homes,
        other_staff=user(Role.STAFF, other, email="other.staff@example.fr"),
        other_resident=resident_of(other_homes[0], email="other.resident@example.fr"),
    )


__all__ = ["PASSWORD", "World", "build_world", "hash_password"]
