"""French demo data: the Tilleuls neighbourhood, its landlord and partners, five
consultations at different stages, and the working group "Moins d'encombrants aux
Tilleuls" born from the oldest one, a year ago.

The consultations go through the real services with ``now`` set in the past, at the
moment each thing happened, so that ballots, tallies, notifications and the audit
trail are those the app would have produced. The working group's year (members,
meetings, measurements, commitments, actions) is written as it would have been
recorded, dated relative to ``now``; its publication on the showcase goes through
the service.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from participation.extensions import db
from participation.models import (
    Action,
    Channel,
    Commitment,
    CommitmentParty,
    CommitmentStatus,
    Consultation,
    Dwelling,
    GroupMember,
    GroupPartner,
    HandVote,
    InvitationCode,
    Measurement,
    MeasurementRevision,
    Meeting,
    MembershipStatus,
    Milestone,
    Notification,
    NotificationKind,
    Objective,
    Organisation,
    OrganisationKind,
    Party,
    Period,
    Place,
    Proposal,
    ProposalStatus,
    Residency,
    Role,
    Theme,
    User,
    VerificationMethod,
    VerificationRequest,
    VoterUnit,
    VotingMethod,
    WorkingGroup,
)
from participation.models.invitation import hash_code
from participation.services import (
    audit,
    consultations,
    notifications,
    proposals,
    showcase,
    voting,
)
from participation.services.accounts import hash_password
from participation.services.consultations import ConsultationValues
from participation.services.indicators import Direction
from participation.services.places import add_place
from participation.services.proposals import ProposalValues
from participation.text import render_markdown
from participation.timeutil import PARIS

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
    """Create the demo organisations, places, dwellings and accounts in one commit,
    then the consultations, each step through its service (which commits)."""
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
    places, dwellings = _geography(organisations["landlord"], now)
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
    residents = _residents(dwellings, users["equipe"], password_hash, now)
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
    demo = Demo(users, residents, places, dwellings, organisations)
    _consultations(demo, now)
    _working_group(demo, now)


def _geography(
    landlord: Organisation, now: datetime
) -> tuple[dict[str, Place], dict[str, Dwelling]]:
    """Quartier des Tilleuls: 2 residences, 5 buildings, 120 dwellings. Places are
    keyed "territory", by residence prefix ("TIL", "LIL") and by building letter."""
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
    places: dict[str, Place] = {"territory": territory}
    for (name, prefix, address), buildings in layout.items():
        residence = places[prefix] = add_place(landlord, territory, name, address)
        for letter, entrances in buildings.items():
            building = places[letter] = add_place(
                landlord, residence, f"Bâtiment {letter}"
            )
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
    return places, dwellings


def _residents(dwellings, staff: User, password_hash: str, now: datetime) -> list[User]:
    """The verified residents, ``habitant1`` first: 1–5 live in the Clos des Lilas,
    6–12 in Les Tilleuls. They joined well over a year ago, in time for last
    year's bulky-waste consultation."""
    references = sorted(r for r in dwellings if r not in CODES)
    residents = []
    for i, name in enumerate(RESIDENTS, start=1):
        user = User(
            email=f"habitant{i}@{DOMAIN}",
            display_name=name,
            role=Role.RESIDENT,
            password_hash=password_hash,
            created_at=now - timedelta(days=500 - i),
        )
        residents.append(user)
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
                verified_at=now - timedelta(days=490 - i),
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
    return residents


# Consultations ----------------------------------------------------------------------


@dataclass
class Demo:
    """The accounts and places the consultations are built from."""

    users: dict[str, User]
    residents: list[User]
    places: dict[str, Place]
    dwellings: dict[str, Dwelling]
    organisations: dict[str, Organisation]
    #: Last year's bulky-waste consultation, which the working group comes from.
    last_year: Consultation | None = None

    def person(self, who: int | str) -> User:
        """``habitantN`` for a number, else a staff or partner slug."""
        return self.residents[who - 1] if isinstance(who, int) else self.users[who]


#: (author, day of the idea collection, title, text). The author is a resident's
#: number, or the name given to the caretaker who typed the idea in ("" when the
#: person preferred to stay anonymous).
Idea = tuple[int | str, int, str, str]
#: (proposal index, who, day, text, index of the comment answered or None).
Remark = tuple[int, int | str, int, str, int | None]


def _at(now: datetime, days: int, hour: int = 9) -> datetime:
    """``days`` after ``now`` (before, if negative) at ``hour`` o'clock in Paris."""
    local = (now + timedelta(days=days)).astimezone(PARIS)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(UTC)


def _consultations(demo: Demo, now: datetime) -> None:
    """One consultation per stage: follow-up (last year's), voting, ideas,
    results, draft."""
    demo.last_year = _bulky_waste_last_year(demo, now)
    _bulky_waste(demo, now)
    _gardens(demo, now)
    _playground(demo, now)
    _hall_works(demo, now)


def _open(demo: Demo, place: Place, values: ConsultationValues, days_before: int):
    """Staff open the consultation ``days_before`` its idea collection starts."""
    created = values.opens_at - timedelta(days=days_before)
    return consultations.create_consultation(
        demo.users["equipe"], place, values, created
    )


def _propose(
    demo: Demo, consultation: Consultation, ideas: list[Idea]
) -> list[Proposal]:
    made = []
    for author, day, title, body in ideas:
        moment = consultation.opens_at + timedelta(days=day, hours=2)
        values = ProposalValues(title=title, body=body)
        if isinstance(author, int):
            made.append(
                proposals.submit_proposal(
                    demo.person(author), consultation, values, moment
                )
            )
        else:
            made.append(
                proposals.submit_on_behalf(
                    demo.users["gardien"], consultation, values, author, moment
                )
            )
    return made


def _discuss(
    demo: Demo, consultation: Consultation, items: list[Proposal], remarks
) -> None:
    posted = []
    for target, who, day, body, answered in remarks:
        posted.append(
            proposals.post_comment(
                demo.person(who),
                items[target],
                body,
                consultation.opens_at + timedelta(days=day, hours=5),
                parent=None if answered is None else posted[answered],
            )
        )


def _choices(consultation: Consultation, items: list[Proposal], picks):
    """Approval: the indexes chosen; majority judgment: one grade per proposal."""
    if consultation.method is VotingMethod.MAJORITY_JUDGMENT:
        return {p.id: grade for p, grade in zip(items, picks, strict=True)}
    return [items[index].id for index in picks]


def _ballots(
    demo: Demo,
    consultation: Consultation,
    items: list[Proposal],
    online: list[tuple[int, list[int]]],
    offline: list[tuple[Channel, str, list[int]]],
) -> None:
    """Residents vote online, then staff type in paper and meeting ballots; one
    every five hours from the opening of the vote."""
    moments = (
        consultation.voting_opens_at + timedelta(hours=3 + 5 * n) for n in range(99)
    )
    for who, picks in online:
        voting.cast_ballot(
            demo.person(who),
            consultation,
            _choices(consultation, items, picks),
            next(moments),
        )
    for channel, reference, picks in offline:
        voting.record_ballot(
            demo.users["equipe"],
            consultation,
            channel,
            _choices(consultation, items, picks),
            next(moments),
            dwelling=demo.dwellings[reference],
        )


def _bulky_waste_last_year(demo: Demo, now: datetime) -> Consultation:
    """Fourteen months ago, the neighbourhood chose what to do about bulky waste;
    its selected proposals gave birth to the working group. In follow-up now.

    Its announcements are long read: the residents saw them at the time."""
    consultation = _open(
        demo,
        demo.places["territory"],
        ConsultationValues(
            title="Dépôts d'encombrants : vos idées pour agir",
            summary=(
                "Les dépôts d'encombrants se multiplient au pied des immeubles. "
                "Proposez vos idées, puis choisissez celles que nous mettrons en "
                "œuvre avec la Ville, la Métropole et l'Amicale."
            ),
            body=LAST_YEAR_TEXT,
            theme=Theme.WASTE,
            opens_at=_at(now, -430),
            voting_opens_at=_at(now, -409),
            voting_closes_at=_at(now, -395, hour=20),
            follow_up_at=_at(now, -385),
            method=VotingMethod.APPROVAL,
            max_choices=2,
            voter_unit=VoterUnit.DWELLING,
        ),
        days_before=4,
    )
    notifications.announce_phase(consultation, consultation.opens_at)
    items = _propose(demo, consultation, LAST_YEAR_IDEAS)
    notifications.announce_phase(consultation, consultation.voting_opens_at)
    _ballots(
        demo,
        consultation,
        items,
        online=[
            (3, [0, 2]),
            (4, [1, 0]),
            (5, [2]),
            (6, [0, 1]),
            (7, [3, 0]),
            (8, [2, 1]),
            (9, [0, 2]),
            (10, [1]),
            (11, [2, 0]),
            (12, [0, 3]),
        ],
        offline=[],
    )
    closed = consultation.voting_closes_at
    notifications.announce_phase(consultation, closed)
    staff = demo.users["equipe"]
    decided = closed + timedelta(days=2)
    consultations.publish_outcome(
        staff, consultation, items[:3], LAST_YEAR_OUTCOME, decided
    )
    proposals.answer_proposal(
        staff,
        items[3],
        ProposalStatus.NOT_RETAINED,
        "Les amendes relèvent de la Ville. Nous commençons par rendre le dépôt "
        "facile et gratuit ; la Ville renforce ses passages en parallèle.",
        decided + timedelta(hours=1),
    )
    notifications.announce_phase(consultation, consultation.follow_up_at)
    db.session.execute(
        db.update(Notification)
        .where(Notification.consultation_id == consultation.id)
        .values(read_at=consultation.follow_up_at + timedelta(days=1))
    )
    db.session.commit()
    return consultation


def _bulky_waste(demo: Demo, now: datetime) -> None:
    """The whole neighbourhood votes on bulky waste (open for nine more days)."""
    consultation = _open(
        demo,
        demo.places["territory"],
        ConsultationValues(
            title="Encombrants : ensemble, des pieds d'immeuble propres",
            summary=(
                "Matelas, meubles, électroménager : comment éviter les dépôts au "
                "pied des immeubles ? Vos idées ont été recueillies, place au vote."
            ),
            body=BULKY_WASTE_TEXT,
            theme=Theme.WASTE,
            opens_at=_at(now, -28),
            voting_opens_at=_at(now, -5),
            voting_closes_at=_at(now, 9, hour=20),
            follow_up_at=_at(now, 23),
            method=VotingMethod.APPROVAL,
            max_choices=3,
            voter_unit=VoterUnit.DWELLING,
            quorum_percent=20,
            live_results=False,
        ),
        days_before=3,
    )
    notifications.announce_phase(consultation, consultation.opens_at)
    items = _propose(demo, consultation, BULKY_WASTE_IDEAS)
    _discuss(demo, consultation, items, BULKY_WASTE_REMARKS)
    notifications.announce_phase(consultation, consultation.voting_opens_at)
    proposals.answer_proposal(
        demo.users["equipe"],
        items[1],
        ProposalStatus.UNDER_STUDY,
        "Nous chiffrons l'aménagement des locaux vides du bâtiment B et du "
        "bâtiment E. Réponse définitive à la fin du vote.",
        consultation.voting_opens_at + timedelta(days=1),
    )
    _ballots(
        demo,
        consultation,
        items,
        online=[
            (4, [4]),
            (3, [0, 1, 5]),
            (5, [1, 3]),
            (6, [0, 2, 6]),
            (7, [0, 1]),
            (8, [3, 4, 0]),
            (9, [3, 1]),
            (10, [0, 5]),
            (11, [6, 1, 0]),
            (12, [2, 4]),
            (4, [4, 0]),  # Mehdi changes his mind and adds the monthly collection
        ],
        offline=[
            (Channel.PAPER, "TIL-A-0203", [0, 6]),
            (Channel.PAPER, "TIL-C-0401", [1]),
            (Channel.PAPER, "LIL-D-0101", [0, 2, 1]),
            (Channel.MEETING, "LIL-E-0201", [3, 6]),
        ],
    )


def _gardens(demo: Demo, now: datetime) -> None:
    """The Clos des Lilas collects ideas for shared gardens."""
    consultation = _open(
        demo,
        demo.places["LIL"],
        ConsultationValues(
            title="Jardins partagés au pied du Clos des Lilas",
            summary=(
                "La pelouse entre les bâtiments D et E pourrait accueillir des "
                "jardins partagés. Que voulez-vous y faire pousser, et comment ?"
            ),
            body=GARDENS_TEXT,
            theme=Theme.GREEN_SPACES,
            opens_at=_at(now, -6),
            voting_opens_at=_at(now, 15),
            voting_closes_at=_at(now, 29, hour=20),
            follow_up_at=_at(now, 45),
            method=VotingMethod.APPROVAL,
            max_choices=2,
            voter_unit=VoterUnit.PERSON,
        ),
        days_before=2,
    )
    notifications.announce_phase(consultation, consultation.opens_at)
    items = _propose(demo, consultation, GARDEN_IDEAS)
    _discuss(demo, consultation, items, GARDEN_REMARKS)


def _playground(demo: Demo, now: datetime) -> None:
    """Les Tilleuls chose their playground by majority judgment; outcome out."""
    consultation = _open(
        demo,
        demo.places["TIL"],
        ConsultationValues(
            title=f"Aire de jeux : quel projet pour {now.year + 1} ?",
            summary=(
                "L'aire de jeux de la résidence Les Tilleuls sera refaite. Quatre "
                "projets étaient proposés : le résultat est connu."
            ),
            body=PLAYGROUND_TEXT,
            theme=Theme.SOCIAL_LIFE,
            opens_at=_at(now, -42),
            voting_opens_at=_at(now, -24),
            voting_closes_at=_at(now, -10, hour=20),
            follow_up_at=_at(now, 21),
            method=VotingMethod.MAJORITY_JUDGMENT,
            voter_unit=VoterUnit.DWELLING,
            quorum_percent=10,
        ),
        days_before=5,
    )
    notifications.announce_phase(consultation, consultation.opens_at)
    items = _propose(demo, consultation, PLAYGROUND_IDEAS)
    _discuss(demo, consultation, items, PLAYGROUND_REMARKS)
    notifications.announce_phase(consultation, consultation.voting_opens_at)
    _ballots(
        demo,
        consultation,
        items,  # grades, 0 "Excellent" … 6 "À rejeter", for the 4 projects
        online=[
            (6, [1, 3, 2, 4]),
            (7, [0, 4, 2, 5]),
            (8, [2, 1, 3, 3]),
            (9, [1, 2, 1, 4]),
            (10, [3, 0, 4, 2]),
            (11, [0, 5, 1, 6]),
        ],
        offline=[
            (Channel.PAPER, "TIL-A-0302", [2, 2, 2, 3]),
            (Channel.PAPER, "TIL-B-0104", [1, 4, 3, 5]),
            (Channel.MEETING, "TIL-C-0204", [3, 1, 2, 2]),
        ],
    )
    closed = consultation.voting_closes_at
    notifications.announce_phase(consultation, closed)
    staff = demo.users["equipe"]
    decided = closed + timedelta(days=2)
    consultations.publish_outcome(
        staff, consultation, [items[0]], PLAYGROUND_OUTCOME, decided
    )
    for index, status, answer in PLAYGROUND_ANSWERS:
        proposals.answer_proposal(
            staff, items[index], status, answer, decided + timedelta(hours=1)
        )


def _hall_works(demo: Demo, now: datetime) -> None:
    """A draft the staff are preparing: only they see it until next month."""
    _open(
        demo,
        demo.places["A"],
        ConsultationValues(
            title="Rénovation des halls du bâtiment A : choisissez les couleurs",
            summary=(
                "Les halls des entrées 1 et 2 seront repeints au printemps. Trois "
                "ambiances de couleurs vous seront proposées."
            ),
            body=HALL_WORKS_TEXT,
            theme=Theme.WORKS,
            opens_at=_at(now, 30),
            voting_opens_at=_at(now, 44),
            voting_closes_at=_at(now, 58, hour=20),
            follow_up_at=_at(now, 90),
            method=VotingMethod.SINGLE,
            voter_unit=VoterUnit.DWELLING,
        ),
        days_before=32,
    )


BULKY_WASTE_TEXT = """\
Chaque semaine, des matelas, des meubles ou des appareils sont déposés au pied des
immeubles du quartier. Ils gênent le passage, attirent d'autres dépôts et coûtent cher
à enlever — un coût qui finit dans les charges.

Avec la **Métropole** (collecte des déchets), la **Ville de Bellerive** et
**l'Amicale des locataires**, nous voulons trouver ensemble des solutions simples.

1. **Recueil des idées** : chaque habitant·e propose ses idées, en ligne ou auprès du
   gardien.
2. **Vote** : une voix par logement, jusqu'à **trois propositions**. Vous pouvez voter
   en ligne, ou sur papier à la loge du gardien.
3. **Résultats** : les propositions les plus soutenues seront mises en place avec les
   partenaires, et vous suivrez ici leur avancement.
"""

BULKY_WASTE_IDEAS: list[Idea] = [
    (
        6,
        2,
        "Une collecte d'encombrants chaque premier samedi du mois",
        "Un rendez-vous fixe, facile à retenir : le **premier samedi du mois**, un "
        "camion passe et on descend les encombrants le matin même. Plus besoin de "
        "les stocker sur le trottoir en attendant.",
    ),
    (
        2,
        3,
        "Un local à encombrants fermé à clé dans chaque résidence",
        "Un local où déposer ses encombrants en attendant la collecte, ouvert par le "
        "gardien sur demande. Au Clos des Lilas, l'ancien local poussettes du "
        "bâtiment E est vide depuis des mois.",
    ),
    (
        "",
        5,
        "Affiches en plusieurs langues sur les jours de collecte",
        "Recueillie à la réunion de rentrée : beaucoup de voisins ne lisent pas bien "
        "le français et ne savent pas quand passe la collecte. Des affiches dans les "
        "halls, avec des dessins, en arabe, en portugais, en turc et en anglais.",
    ),
    (
        9,
        8,
        "Une ressourcerie éphémère avec l'Amicale",
        "Une fois par trimestre, un samedi, on installe un stand devant la salle "
        "commune : ce qui est encore bon est donné, réparé ou échangé au lieu "
        "d'être jeté.",
    ),
    (
        4,
        10,
        "Signaler un dépôt sauvage en un clic",
        "Un bouton sur ce site (ou un QR code dans le hall) pour signaler un dépôt, "
        "avec une photo. Le gardien et la Ville sont prévenus tout de suite.",
    ),
    (
        "Mme Diallo",
        12,
        "Des bacs de tri près des garages",
        "Recueillie par le gardien : Mme Diallo propose des bacs pour le carton et "
        "le verre près des garages, là où les dépôts sont les plus fréquents.",
    ),
    (
        11,
        15,
        "Un coup de main pour descendre les meubles des personnes âgées",
        "Beaucoup de voisins âgés ne peuvent pas descendre un meuble seuls et le "
        "laissent sur le palier. Une liste de jeunes volontaires, avec l'Amicale, "
        "pour aider le jour de la collecte.",
    ),
]

BULKY_WASTE_REMARKS: list[Remark] = [
    (
        0,
        "dechets",
        4,
        "Une collecte mensuelle sur rendez-vous est possible : il faudrait un point "
        "de regroupement par résidence, annoncé une semaine avant.",
        None,
    ),
    (
        0,
        6,
        5,
        "Le parking derrière le bâtiment B pourrait servir de point de "
        "regroupement pour Les Tilleuls.",
        0,
    ),
    (
        0,
        10,
        6,
        "Le samedi matin, c'est bien : beaucoup de voisins travaillent en semaine.",
        None,
    ),
    (
        1,
        "equipe",
        9,
        "Nous recensons les locaux peu utilisés qui pourraient servir ; nous vous "
        "répondons avant la fin du vote.",
        None,
    ),
    (1, 2, 9, "Merci ! Le local poussettes du bâtiment E ferait l'affaire.", 3),
    (
        3,
        "asso",
        11,
        "L'Amicale est partante pour tenir le stand, avec des bénévoles pour "
        "réparer les petits meubles.",
        None,
    ),
    (
        4,
        "ville",
        13,
        "La Ville a déjà une adresse de signalement : nous pouvons la relier à ce "
        "site pour que le signalement arrive directement aux équipes de propreté.",
        None,
    ),
    (4, 7, 24, "Avec une photo, ce serait parfait.", 6),
]

GARDENS_TEXT = """\
La pelouse entre les bâtiments **D** et **E** est peu utilisée. Avec l'Amicale, nous
proposons d'y installer des **jardins partagés** : bacs potagers, plantes aromatiques,
compost…

Dites-nous ce que vous aimeriez y faire, et si vous seriez prêt·e à vous en occuper.
Le vote aura lieu ensuite : **une voix par habitant·e**, deux choix au plus.
"""

GARDEN_IDEAS: list[Idea] = [
    (
        1,
        1,
        "Des carrés potagers le long du bâtiment D",
        "Six carrés surélevés, à hauteur de chaise pour que tout le monde puisse "
        "jardiner, avec un récupérateur d'eau de pluie.",
    ),
    (
        5,
        2,
        "Un composteur partagé",
        "Un composteur pour les épluchures, qui servirait aussi aux potagers. "
        "Moins de déchets dans les poubelles !",
    ),
    (
        3,
        4,
        "Un atelier jardinage avec les enfants le mercredi",
        "Le mercredi après-midi, un atelier pour apprendre à semer et à récolter, "
        "avec l'aide d'un·e animateur·rice.",
    ),
]

GARDEN_REMARKS: list[Remark] = [
    (
        0,
        "asso",
        3,
        "L'Amicale peut prêter des outils et organiser la première plantation.",
        None,
    ),
    (1, 2, 4, "Bonne idée, à condition qu'il soit loin des fenêtres.", None),
]

PLAYGROUND_TEXT = """\
L'aire de jeux de la résidence Les Tilleuls a plus de vingt ans : elle sera
entièrement refaite. Quel projet voulez-vous ?

Le vote se fait au **jugement majoritaire** : vous donnez une mention à chaque projet,
de « Excellent » à « À rejeter ». Le projet retenu est celui dont la mention médiane
est la meilleure. Une voix par logement.
"""

PLAYGROUND_IDEAS: list[Idea] = [
    (
        7,
        1,
        "Des jeux pour les 2-6 ans avec un sol souple",
        "Toboggan, balançoires et jeux à ressort pour les petits, sur un sol qui "
        "amortit les chutes, et une clôture basse.",
    ),
    (
        8,
        2,
        "Un terrain multisport pour les ados",
        "Un petit terrain avec des buts et des paniers : les grands n'ont rien dans "
        "la résidence.",
    ),
    (
        10,
        3,
        "Des bancs à l'ombre pour les parents",
        "Des bancs et des arbres autour de l'aire de jeux, pour surveiller les "
        "enfants à l'abri du soleil.",
    ),
    (
        11,
        4,
        "Une table de ping-pong",
        "Une table en béton, solide, pour jouer entre voisins de tous les âges.",
    ),
]

PLAYGROUND_REMARKS: list[Remark] = [
    (
        1,
        "ville",
        6,
        "La Ville prévoit un terrain multisport au parc Jean-Moulin, à 300 mètres ; "
        "nous en reparlerons au conseil de quartier.",
        None,
    ),
    (0, 9, 8, "Oui ! Avec un point d'eau à côté si possible.", None),
]

PLAYGROUND_OUTCOME = """\
Le projet **« Des jeux pour les 2-6 ans avec un sol souple »** arrive en tête avec la
mention médiane « Très bien ». Les travaux auront lieu au printemps ; l'aire de jeux
actuelle restera ouverte jusqu'au début du chantier.

Les bancs à l'ombre sont à l'étude pour compléter le projet. Merci aux 9 foyers qui ont
voté, dont 3 sur papier ou en réunion.
"""

PLAYGROUND_ANSWERS: list[tuple[int, ProposalStatus, str]] = [
    (
        1,
        ProposalStatus.NOT_RETAINED,
        "Le terrain de la résidence est trop petit pour un terrain multisport. La "
        "Ville en prévoit un au parc Jean-Moulin, à 300 mètres.",
    ),
    (
        2,
        ProposalStatus.UNDER_STUDY,
        "Nous étudions l'ajout de deux bancs et de trois arbres au projet retenu, "
        "avec le paysagiste.",
    ),
    (
        3,
        ProposalStatus.NOT_RETAINED,
        "La table serait sous les fenêtres du bâtiment B : le bruit gênerait les "
        "voisins. Nous la proposerons pour le futur square.",
    ),
]

HALL_WORKS_TEXT = """\
Les halls des entrées 1 et 2 du bâtiment A seront repeints au printemps, avec de
nouvelles boîtes aux lettres et un meilleur éclairage.

Trois ambiances de couleurs vous seront proposées : **une voix par logement**.
"""

LAST_YEAR_TEXT = """\
Matelas, canapés, frigos : chaque semaine, des encombrants sont déposés au pied des
immeubles du quartier. Ils gênent le passage, salissent et coûtent cher à enlever.

Proposez vos idées, puis votez pour **deux d'entre elles au plus** (une voix par
logement). Les idées retenues seront mises en œuvre par un **groupe de travail** qui
réunira des habitant·es, l'équipe d'Habitat Val-de-Seine, la Ville, la Métropole et
l'Amicale des locataires, avec un objectif chiffré et suivi chaque mois.
"""

LAST_YEAR_IDEAS: list[Idea] = [
    (
        6,
        2,
        "Une collecte d'encombrants sur rendez-vous chaque mois",
        "Un jour fixe par mois, annoncé dans les halls : on descend ses encombrants "
        "le matin même et le camion de la Métropole passe à midi.",
    ),
    (
        11,
        4,
        "Un local à encombrants au bâtiment B",
        "Le local vélos du bâtiment B ne sert plus : on pourrait y déposer ses "
        "encombrants en attendant la collecte, avec la clé à la loge.",
    ),
    (
        9,
        6,
        "Des collectes solidaires avec l'Amicale",
        "Ce qui est encore bon (meubles, vélos, électroménager) serait donné ou "
        "réparé plutôt que jeté, lors de collectes solidaires un samedi par "
        "trimestre.",
    ),
    (
        7,
        9,
        "Des amendes pour les dépôts sauvages",
        "Si personne n'est jamais puni, rien ne changera.",
    ),
]

LAST_YEAR_OUTCOME = """\
Trois idées sont retenues : **la collecte mensuelle sur rendez-vous**, **le local à
encombrants du bâtiment B** et **les collectes solidaires avec l'Amicale**.

Un groupe de travail, « Moins d'encombrants aux Tilleuls », les met en œuvre avec
un objectif : passer de 14 signalements de dépôts par mois à 4 en un an. Chacun y
prend ses engagements, et vous suivrez ici les mesures de la Métropole.
"""


# The working group ------------------------------------------------------------------


def _month_end(day: date, months: int = 0) -> date:
    """The last day of the month ``months`` after (before, if negative) ``day``'s."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def _saturday(day: date, months: int) -> date:
    """The first Saturday of the month ``months`` after ``day``'s."""
    first = _month_end(day, months - 1) + timedelta(days=1)
    return first + timedelta(days=(5 - first.weekday()) % 7)


def _moment(day: date, hour: int, now: datetime) -> datetime:
    """``day`` at ``hour`` o'clock in Paris, as UTC, never after ``now``."""
    local = datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)
    return min(local, now - timedelta(hours=1))


#: Reports of bulky-waste dumping per month, from the waste service, from the
#: baseline month (12 months ago) to last month: down with the usual noise. The
#: value of the month at index CORRECTED was first typed in wrong.
REPORTS = [14, 13, 15, 12, 11, 12, 10, 9, 8, 8, 6, 5]
CORRECTED = (6, 16.0, "Erreur de saisie : 16 au lieu de 10 (chiffre du bâtiment E)")
#: Tonnes collected by the solidarity collections, cumulated, per collection
#: (months before now).
TONNES = [(-8, 3.2), (-5, 7.5), (-2, 12.1)]

GROUP_SUMMARY = """\
Il y a un an, les habitant·es des Tilleuls signalaient **14 dépôts d'encombrants par
mois**. Ils ont choisi trois idées lors d'une consultation ; un groupe de travail les
met en œuvre avec Habitat Val-de-Seine, la Ville de Bellerive, la Métropole et
l'Amicale des locataires.

Aujourd'hui : une collecte sur rendez-vous chaque premier samedi du mois, un local à
encombrants au bâtiment B, des collectes solidaires qui ont déjà donné une seconde
vie à **plus de 12 tonnes** d'objets — et **5 signalements le mois dernier**.
"""


def _working_group(demo: Demo, now: datetime) -> WorkingGroup:
    """ "Moins d'encombrants aux Tilleuls": a year of work born from last year's
    consultation, published on the showcase."""
    today = now.astimezone(PARIS).date()
    staff, orgs = demo.users["equipe"], demo.organisations
    started = _at(now, -380, hour=10)
    consultation = demo.last_year
    group = WorkingGroup(
        landlord_id=orgs["landlord"].id,
        place=demo.places["territory"],
        consultation=consultation,
        created_by=staff,
        created_at=started,
        updated_at=started,
        title="Moins d'encombrants aux Tilleuls",
        rhythm="Une réunion par trimestre, à la salle commune des Tilleuls",
        open_to_residents=False,
        proposals=_selected(consultation),
        **_markdown("purpose", GROUP_PURPOSE),
        **_markdown("method", GROUP_METHOD),
    )
    group.partners = [
        GroupPartner(
            organisation=orgs["city"],
            role="Propreté urbaine, signalements en ligne",
            joined_at=started,
        ),
        GroupPartner(
            organisation=orgs["waste"],
            role="Collecte des encombrants ; fournit les mesures mensuelles",
            joined_at=started,
        ),
        GroupPartner(
            organisation=orgs["association"],
            role="Collectes solidaires et entraide entre voisins",
            joined_at=started,
        ),
    ]
    db.session.add(group)
    _members(demo, group, started)
    db.session.flush()
    audit.record(
        staff,
        "group.create",
        group,
        started,
        landlord_id=group.landlord_id,
        place_id=group.place_id,
        consultation_id=consultation.id if consultation else None,
    )
    meetings = _meetings(demo, group, now)
    reports, tonnes = _objectives(demo, group, today, now)
    _commitments(demo, reports, tonnes, today, now)
    db.session.commit()
    showcase.publish(staff, group, GROUP_SUMMARY, _at(now, -20, hour=11), reviewed=True)
    _recent_news(demo, group, meetings[-1], reports, now)
    return group


def _selected(consultation: Consultation | None) -> list[Proposal]:
    if consultation is None:
        return []
    return list(
        db.session.scalars(
            db.select(Proposal)
            .filter_by(consultation_id=consultation.id)
            .where(Proposal.status == ProposalStatus.SELECTED)
            .order_by(Proposal.id)
        )
    )


def _markdown(name: str, text: str) -> dict[str, str]:
    return {name: text, f"{name}_html": render_markdown(text)}


def _members(demo: Demo, group: WorkingGroup, started: datetime) -> None:
    """Five residents (a sixth asks to join), the staff facilitator and the
    caretaker, and a representative of each partner."""
    staff = demo.users["equipe"]

    def member(person: User, party: Party, **values) -> None:
        joined = values.pop("joined", started)
        status = values.pop("status", MembershipStatus.ACTIVE)
        decided = status is not MembershipStatus.PENDING
        db.session.add(
            GroupMember(
                group=group,
                user=person,
                party=party,
                organisation_id=(
                    person.organisation_id if party is Party.PARTNER else None
                ),
                status=status,
                requested_at=joined,
                decided_at=joined if decided else None,
                decided_by=staff if decided else None,
                **values,
            )
        )

    member(staff, Party.STAFF, facilitator=True)
    member(demo.users["gardien"], Party.STAFF)
    for slug in ("ville", "dechets", "asso"):
        member(demo.users[slug], Party.PARTNER)
    for number, days in [(3, 2), (4, 2), (6, 3), (9, 5), (11, 40)]:
        member(demo.person(number), Party.RESIDENT, joined=started + timedelta(days))
    member(
        demo.person(12),
        Party.RESIDENT,
        joined=started + timedelta(days=370),
        status=MembershipStatus.PENDING,
        message="Je descends souvent les meubles de ma voisine, je veux aider.",
    )


def _meetings(demo: Demo, group: WorkingGroup, now: datetime) -> list[Meeting]:
    """Three meetings held (minutes, decisions, a show-of-hands vote) and the next
    one, announced."""
    staff = demo.users["equipe"]
    made = []
    for days, location, agenda, minutes, decisions, attendance in MEETINGS:
        starts = _at(now, days, hour=18)
        meeting = Meeting(
            group=group,
            starts_at=starts,
            location=location,
            attendance=attendance,
            created_by=staff,
            created_at=min(starts - timedelta(days=14), now - timedelta(days=3)),
            updated_at=min(starts + timedelta(days=1), now - timedelta(hours=2)),
            **_markdown("agenda", agenda),
            **_markdown("minutes", minutes),
            **_markdown("decisions", decisions),
        )
        db.session.add(meeting)
        made.append(meeting)
    made[0].hand_votes = [
        HandVote(
            question=(
                "Se fixer pour objectif 4 signalements par mois dans un an "
                "(contre 14 aujourd'hui) ?"
            ),
            votes_for=14,
            votes_against=2,
            abstentions=3,
            entered_by=staff,
            entered_at=made[0].starts_at + timedelta(hours=2),
        )
    ]
    db.session.flush()
    return made


def _objectives(
    demo: Demo, group: WorkingGroup, today: date, now: datetime
) -> tuple[Objective, Objective]:
    """Fewer bulky-waste reports (from the waste service, monthly), and more
    tonnes given a second life (from the association, per collection)."""
    staff, orgs = demo.users["equipe"], demo.organisations
    baseline = _month_end(today, -12)
    reports = Objective(
        group=group,
        title="Réduire les dépôts d'encombrants",
        indicator="Signalements d'encombrants par mois",
        unit="signalements",
        direction=Direction.DECREASE,
        baseline_value=14,
        baseline_date=baseline,
        target_value=4,
        target_date=_month_end(today),
        source_organisation=orgs["waste"],
        created_by=staff,
        created_at=group.created_at + timedelta(days=12),
        updated_at=group.created_at + timedelta(days=12),
        milestones=[
            Milestone(
                due_date=_month_end(today, -6),
                value=9,
                label="Mi-parcours : 9 signalements par mois",
            )
        ],
        **_markdown(
            "description",
            "Les signalements de dépôts sauvages reçus par la Métropole (appels, "
            "application, agents de propreté) pour le quartier, **par mois**. "
            "Objectif : 4 par mois dans un an, soit 70 % de moins.",
        ),
    )
    reporter = demo.users["dechets"]
    for offset, value in enumerate(REPORTS):
        month = _month_end(today, offset - 12)
        reported = _moment(month + timedelta(days=3), 10, now)
        measurement = Measurement(
            objective=reports,
            measured_on=month,
            period=Period.MONTH,
            value=value,
            organisation_id=reporter.organisation_id,
            reported_by=reporter,
            reported_at=reported,
            updated_at=reported,
            note="Export du logiciel de signalements de la Métropole",
        )
        index, wrong, reason = CORRECTED
        if offset == index:
            measurement.updated_at = reported + timedelta(days=2)
            measurement.revisions = [
                MeasurementRevision(
                    previous_value=wrong,
                    previous_note=measurement.note,
                    new_value=value,
                    reason=reason,
                    changed_by=reporter,
                    changed_at=measurement.updated_at,
                )
            ]
        db.session.add(measurement)

    tonnes = Objective(
        group=group,
        title="Donner une seconde vie aux encombrants",
        indicator="Encombrants collectés lors des collectes solidaires (cumul)",
        unit="tonnes",
        direction=Direction.INCREASE,
        baseline_value=0,
        baseline_date=_month_end(today, -9),
        target_value=20,
        target_date=_month_end(today, 3),
        source_organisation=orgs["association"],
        created_by=staff,
        created_at=group.created_at + timedelta(days=95),
        updated_at=group.created_at + timedelta(days=95),
        **_markdown(
            "description",
            "Meubles, vélos et appareils donnés, réparés ou recyclés lors des "
            "collectes solidaires de l'Amicale, pesés à chaque collecte.",
        ),
    )
    weigher = demo.users["asso"]
    for months, total in TONNES:
        day = _saturday(today, months)
        db.session.add(
            Measurement(
                objective=tonnes,
                measured_on=day,
                period=Period.DAY,
                value=total,
                organisation_id=weigher.organisation_id,
                reported_by=weigher,
                reported_at=_moment(day + timedelta(days=2), 9, now),
                updated_at=_moment(day + timedelta(days=2), 9, now),
                note="Pesée à la déchetterie",
            )
        )
    db.session.add_all([reports, tonnes])
    db.session.flush()
    return reports, tonnes


def _commitments(
    demo: Demo,
    reports: Objective,
    tonnes: Objective,
    today: date,
    now: datetime,
) -> None:
    """Each party's commitments (some kept, one late, some to come) and the
    actions reported for them."""
    orgs = demo.organisations
    by_slug = {
        "landlord": demo.users["equipe"],
        "city": demo.users["ville"],
        "waste": demo.users["dechets"],
        "association": demo.users["asso"],
        "": demo.users["equipe"],  # staff report the residents' actions
    }
    for objective, who, title, months, status, actions in COMMITMENTS:
        objective = reports if objective == "reports" else tonnes
        due = _month_end(today, months)
        organisation = orgs[who] if who else None
        stated = objective.created_at + timedelta(days=7)
        commitment = Commitment(
            objective=objective,
            party=(CommitmentParty.ORGANISATION if who else CommitmentParty.RESIDENTS),
            organisation=organisation,
            title=title,
            due_date=due,
            status=status,
            status_changed_at=_status_changed(status, stated, due, today, now),
            created_by=demo.users["equipe"],
            created_at=stated,
            updated_at=stated,
            details="",
            details_html="",
        )
        db.session.add(commitment)
        reporter = by_slug[who]
        for months_ago, day, text, quantity, unit in actions:
            done = (
                _saturday(today, months_ago)
                if day is None
                else _month_end(today, months_ago - 1) + timedelta(days=day)
            )
            db.session.add(
                Action(
                    commitment=commitment,
                    objective_id=objective.id,
                    done_on=done,
                    organisation_id=organisation.id if organisation else None,
                    reported_by=reporter,
                    reported_at=_moment(done + timedelta(days=1), 11, now),
                    quantity=quantity,
                    unit=unit,
                    **_markdown("description", text),
                )
            )
    db.session.flush()


def _status_changed(
    status: CommitmentStatus, stated: datetime, due: date, today: date, now: datetime
) -> datetime | None:
    """When a commitment got its status: kept by its due date, started three weeks
    after it was stated."""
    if status is CommitmentStatus.PLANNED:
        return None
    if status is CommitmentStatus.IN_PROGRESS:
        return min(stated + timedelta(days=21), now - timedelta(days=1))
    return _moment(min(due, today - timedelta(days=5)), 17, now)


def _recent_news(
    demo: Demo,
    group: WorkingGroup,
    meeting: Meeting,
    reports: Objective,
    now: datetime,
) -> None:
    """What the members heard lately: last month's figure and the next meeting."""
    latest = _month_end(now.astimezone(PARIS).date(), -1)
    notifications.notify_group(
        group,
        NotificationKind.MEASUREMENT_REPORTED,
        _moment(latest + timedelta(days=3), 10, now),
        exclude=demo.users["dechets"],
        objective_id=reports.id,
        title=reports.title,
        value=REPORTS[-1],
        unit=reports.unit,
        measured_on=latest.isoformat(),
        period=Period.MONTH.value,
    )
    notifications.notify_group(
        group,
        NotificationKind.MEETING_SCHEDULED,
        now - timedelta(days=2),
        exclude=demo.users["equipe"],
        meeting_id=meeting.id,
        title=group.title,
        starts_at=meeting.starts_at.isoformat(),
        location=meeting.location,
    )
    db.session.commit()


GROUP_PURPOSE = """\
Faire baisser les dépôts d'encombrants au pied des immeubles du quartier des
Tilleuls, en mettant en œuvre les trois idées retenues par les habitant·es lors de la
consultation : la collecte mensuelle sur rendez-vous, le local à encombrants du
bâtiment B et les collectes solidaires.
"""

GROUP_METHOD = """\
- Une réunion par trimestre, ouverte aux membres du groupe ; le compte rendu est
  publié ici.
- Chaque partie prend des **engagements** datés et rend compte de ses actions.
- La Métropole transmet chaque mois le nombre de signalements : c'est notre
  indicateur commun.
"""

#: (days from now, location, agenda, minutes, decisions, attendance); the last one
#: is still to come.
MEETINGS: list[tuple[int, str, str, str, str, int | None]] = [
    (
        -372,
        "Salle commune des Tilleuls",
        "1. Présentation des idées retenues\n2. Qui fait quoi ?\n3. Quel objectif ?",
        "Dix-neuf personnes présentes, dont douze habitant·es. La Métropole présente "
        "les chiffres : **14 signalements** en moyenne par mois l'an dernier. "
        "L'Amicale propose une première collecte solidaire au printemps.",
        "- Objectif : 4 signalements par mois dans un an (vote à main levée).\n"
        "- Collecte sur rendez-vous le premier samedi de chaque mois.",
        19,
    ),
    (
        -262,
        "Salle commune des Tilleuls",
        "1. Premiers chiffres\n2. Le local du bâtiment B\n3. Les affiches",
        "Les signalements baissent peu : l'hiver est difficile. Le local du "
        "bâtiment B ouvrira après travaux. Les affiches en cinq langues sont "
        "prêtes.",
        "- Ouvrir le local du bâtiment B avant l'été.\n"
        "- Relayer les dates de collecte dans chaque cage d'escalier.",
        14,
    ),
    (
        -110,
        "Loge du gardien, bâtiment B",
        "1. Bilan à mi-parcours\n2. Signalement en ligne avec la Ville",
        "Les signalements ont nettement baissé depuis l'ouverture du local. La Ville "
        "teste le formulaire de signalement relié aux équipes de propreté ; il a "
        "pris du retard.",
        "- La Ville présente le formulaire à la prochaine réunion.\n"
        "- Une troisième collecte solidaire avant l'automne.",
        16,
    ),
    (
        12,
        "Salle commune des Tilleuls",
        "1. Bilan de l'année\n2. La suite : la consultation en cours sur les "
        "encombrants\n3. Fête des voisins",
        "",
        "",
        None,
    ),
]

#: (objective, party ("" for the residents), title, due (months from now), status,
#: actions: (months from now, day of that month or None for its first Saturday,
#: what was done, quantity, unit)).
COMMITMENTS = [
    (
        "reports",
        "landlord",
        "Afficher les jours de collecte en cinq langues dans tous les halls",
        -9,
        CommitmentStatus.KEPT,
        [(-9, 12, "Affiches posées dans les halls des 9 entrées.", 9, "halls")],
    ),
    (
        "reports",
        "landlord",
        "Ouvrir un local à encombrants au bâtiment B",
        -6,
        CommitmentStatus.KEPT,
        [(-6, 20, "Local ouvert, clé disponible à la loge du gardien.", None, "")],
    ),
    (
        "reports",
        "waste",
        "Collecte sur rendez-vous le premier samedi de chaque mois",
        -10,
        CommitmentStatus.KEPT,
        [
            (-10, None, "Première collecte sur rendez-vous.", 2.1, "t"),
            (-6, None, "Collecte sur rendez-vous.", 2.6, "t"),
            (-2, None, "Collecte sur rendez-vous.", 2.9, "t"),
        ],
    ),
    (
        "reports",
        "waste",
        "Transmettre chaque mois le nombre de signalements du quartier",
        0,
        CommitmentStatus.IN_PROGRESS,
        [],
    ),
    (
        "reports",
        "city",
        "Relier le signalement en ligne aux équipes de propreté",
        -2,
        CommitmentStatus.IN_PROGRESS,
        [(-3, 15, "Formulaire en test avec deux agents de propreté.", None, "")],
    ),
    (
        "reports",
        "association",
        "Tenir une ressourcerie éphémère devant la salle commune",
        2,
        CommitmentStatus.PLANNED,
        [],
    ),
    (
        "reports",
        "",
        "Relayer les dates de collecte dans chaque cage d'escalier",
        -3,
        CommitmentStatus.KEPT,
        [],
    ),
    (
        "reports",
        "",
        "Aider les voisins âgés à descendre leurs encombrants",
        1,
        CommitmentStatus.IN_PROGRESS,
        [(-2, None, "Douze foyers aidés le jour de la collecte.", 12, "foyers")],
    ),
    (
        "tonnes",
        "association",
        "Organiser une collecte solidaire par trimestre",
        3,
        CommitmentStatus.IN_PROGRESS,
        [
            (-8, None, "Collecte solidaire : meubles et vélos.", 3.2, "t"),
            (-5, None, "Collecte solidaire avec un atelier de réparation.", 4.3, "t"),
            (-2, None, "Collecte solidaire.", 4.6, "t"),
        ],
    ),
]
