"""French demo data: the Tilleuls neighbourhood, its landlord and partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from participation.extensions import db
from participation.models import (
    Dwelling,
    InvitationCode,
    Organisation,
    OrganisationKind,
    Residency,
    Role,
    User,
    VerificationMethod,
    VerificationRequest,
)
from participation.models.invitation import hash_code
from participation.services.accounts import hash_password
from participation.services.places import add_place

PASSWORD = "faireavec-demo"  # noqa: S105  (public demo password, documented)
DOMAIN = "demo.faireavec.fr"
#: Unused invitation codes, printed by `make run` and listed in the README.
CODES = {
    "TIL-B-0402": "DEMO-TILL-EUL2",
    "TIL-C-0503": "DEMO-TILL-EUL3",
    "LIL-E-0104": "DEMO-TILL-EUL4",
}

STAFF = [
    ("admin", "Camille Robert", Role.ADMIN, None),
    ("equipe", "Sophie Martin", Role.STAFF, "landlord"),
    ("gardien", "Karim Benali", Role.STAFF, "landlord"),
    ("ville", "Julien Moreau (Ville de Bellerive)", Role.PARTNER, "city"),
    ("dechets", "Nadia Haddad (collecte des déchets)", Role.PARTNER, "waste"),
    ("asso", "Martine Lefèvre (Amicale des Tilleuls)", Role.PARTNER, "association"),
]
RESIDENTS = [
    "Aïcha Benkirane",
    "Jean-Pierre Dubois",
    "Fatou Diallo",
    "Mehdi Cherif",
    "Marie-Claude Petit",
    "Thierry Lambert",
    "Yasmina Bouzid",
    "Lucas Girard",
    "Nathalie Roux",
    "Ibrahima Sow",
    "Chantal Fontaine",
    "Kevin Nguyen",
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


def logins() -> list[DemoLogin]:
    """The demo accounts, all with the password ``faireavec-demo``."""
    accounts = [DemoLogin(f"{slug}@{DOMAIN}", role.value) for slug, _, role, _ in STAFF]
    accounts += [
        DemoLogin(f"habitant{i}@{DOMAIN}", Role.RESIDENT.value)
        for i in range(1, len(RESIDENTS) + 1)
    ]
    return accounts


def is_empty() -> bool:
    return db.session.scalar(db.select(User.id).limit(1)) is None


def seed_demo(now: datetime) -> None:
    """Create the demo organisations, places, dwellings and accounts in one commit."""
    organisations = {
        "landlord": Organisation(
            name="Habitat Val-de-Seine", kind=OrganisationKind.LANDLORD
        ),
        "city": Organisation(name="Ville de Bellerive", kind=OrganisationKind.CITY),
        "waste": Organisation(
            name="Métropole Seine-Ouest — collecte des déchets",
            kind=OrganisationKind.WASTE_SERVICE,
        ),
        "association": Organisation(
            name="Amicale des locataires des Tilleuls",
            kind=OrganisationKind.ASSOCIATION,
        ),
    }
    db.session.add_all(organisations.values())
    db.session.flush()
    dwellings = _geography(organisations["landlord"], now)
    password_hash = hash_password(PASSWORD)
    users = {}
    for slug, name, role, org in STAFF:
        users[slug] = User(
            email=f"{slug}@{DOMAIN}",
            display_name=name,
            role=role,
            organisation=organisations.get(org),
            password_hash=password_hash,
            created_at=now,
        )
    db.session.add_all(users.values())
    db.session.flush()
    _residents(dwellings, users["equipe"], password_hash, now)
    for reference, code in CODES.items():
        db.session.add(
            InvitationCode(
                dwelling=dwellings[reference],
                code_hash=hash_code(code),
                created_at=now,
                created_by_id=users["equipe"].id,
                expires_at=now + timedelta(days=365),
            )
        )
    db.session.commit()


def _geography(landlord: Organisation, now: datetime) -> dict[str, Dwelling]:
    """Quartier des Tilleuls: 2 residences, 5 buildings, 120 dwellings."""
    territory = add_place(
        landlord, None, "Quartier des Tilleuls", "Avenue des Tilleuls, 92390 Bellerive"
    )
    layout = {
        ("Résidence Les Tilleuls", "TIL", "2-8 avenue des Tilleuls"): {
            "A": ["Entrée 1", "Entrée 2"],
            "B": [],
            "C": [],
        },
        ("Résidence Le Clos des Lilas", "LIL", "1-5 rue des Lilas"): {
            "D": [],
            "E": ["Entrée Nord", "Entrée Sud"],
        },
    }
    dwellings: dict[str, Dwelling] = {}
    for (name, prefix, address), buildings in layout.items():
        residence = add_place(landlord, territory, name, address)
        for letter, entrances in buildings.items():
            building = add_place(landlord, residence, f"Bâtiment {letter}")
            holders = [add_place(landlord, building, e) for e in entrances] or [
                building
            ]
            for floor in range(6):
                for door in range(1, 5):
                    holder = holders[(door - 1) * len(holders) // 4]
                    reference = f"{prefix}-{letter}-{floor:02d}{door:02d}"
                    label = (
                        f"{floor}e étage, porte {door}"
                        if floor
                        else f"Rez-de-chaussée, porte {door}"
                    )
                    dwellings[reference] = Dwelling(
                        landlord_id=landlord.id,
                        place=holder,
                        reference=reference,
                        label=label,
                        created_at=now,
                    )
    db.session.add_all(dwellings.values())
    db.session.flush()
    return dwellings


def _residents(dwellings, staff: User, password_hash: str, now: datetime) -> None:
    references = sorted(r for r in dwellings if r not in CODES)
    for i, name in enumerate(RESIDENTS, start=1):
        user = User(
            email=f"habitant{i}@{DOMAIN}",
            display_name=name,
            role=Role.RESIDENT,
            password_hash=password_hash,
            created_at=now - timedelta(days=60 - i),
        )
        by_code = i <= 8
        db.session.add(
            Residency(
                user=user,
                dwelling=dwellings[references[(i * 9) % len(references)]],
                method=(
                    VerificationMethod.INVITATION_CODE
                    if by_code
                    else VerificationMethod.STAFF_APPROVAL
                ),
                verified_at=now - timedelta(days=50 - i),
                verified_by=None if by_code else staff,
            )
        )
    newcomer = User(
        email=f"nouvelle.habitante@{DOMAIN}",
        display_name="Samira Ouali",
        role=Role.RESIDENT,
        password_hash=password_hash,
        created_at=now,
    )
    building_b = dwellings["TIL-B-0101"].place
    db.session.add(
        VerificationRequest(
            user=newcomer,
            place=building_b,
            created_at=now - timedelta(hours=20),
            details="3e étage, porte 2 — emménagée le mois dernier",
        )
    )
    db.session.flush()
