"""S6: every main page runs as many SQL queries with 3 children of each kind as
with 40 (no query per row), on SQLite and on PostgreSQL.

One scene (consultations in every phase with proposals, comments, reports and
ballots; a published working group with members, partners, meetings, objectives,
measurements, commitments and actions; notifications) is measured page by page,
then grown and measured again. Run with ``-s`` to print the per-page table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from participation.extensions import db
from participation.models import (
    Comment,
    Commitment,
    Consultation,
    Dwelling,
    GroupPartner,
    HandVote,
    Meeting,
    MembershipStatus,
    Milestone,
    Notification,
    NotificationKind,
    Objective,
    Organisation,
    OrganisationKind,
    Phase,
    Place,
    Proposal,
    ProposalStatus,
    Residency,
    Role,
    User,
    VerificationMethod,
    WorkingGroup,
)
from participation.models.group import Party
from participation.services import notifications as notification_service
from participation.services import proposals as proposal_service
from participation.services import voting
from participation.services.objectives import MAX_MILESTONES
from participation.services.places import add_place
from participation.timeutil import utcnow
from tests import factories
from tests.factories import PASSWORD

SMALL = 3
LARGE = 40


@dataclass
class Scene:
    """Ids of the objects whose pages are measured (the session is emptied)."""

    ids: dict[str, int]

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    def __getattr__(self, name: str) -> int:
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None


def _resident(residence: Place) -> User:
    """A resident verified in a dwelling of a new building of ``residence``."""
    landlord = db.session.get(Organisation, residence.landlord_id)
    building = add_place(landlord, residence, f"Bâtiment {factories._next()}")
    home = Dwelling(
        landlord_id=building.landlord_id,
        place_id=building.id,
        reference=f"Q-{factories._next()}",
    )
    db.session.add(home)
    db.session.commit()
    return factories.resident_of(home)


def build(world) -> Scene:
    """The parents whose children grow: one consultation per phase, a group."""
    now = utcnow()
    ideas = factories.consultation(world.residence, Phase.IDEAS, now)
    ballot_box = factories.consultation(world.residence, Phase.VOTING, now)
    counted = factories.consultation(world.residence, Phase.RESULTS, now)
    proposal = factories.proposal(ideas, world.resident)
    group = factories.group(
        world.residence,
        consultation=counted,
        partners=[world.partner_org],
        published_at=now - timedelta(days=1),
        showcase_summary="Bilan.",
        showcase_summary_html="<p>Bilan.</p>",
        open_to_residents=True,
    )
    factories.member(group, world.resident, facilitator=True)
    factories.member(group, world.partner)
    factories.member(group, world.staff)
    objective = factories.objective(group, source_organisation=world.partner_org)
    commitment = factories.commitment(objective, world.partner_org)
    meeting = factories.meeting(group, now - timedelta(days=3), location="Salle")
    comment = proposal_service.post_comment(
        world.staff, proposal, "Premier commentaire.", now
    )
    measurement = factories.measurement(objective, date(2026, 1, 1), 14.0)
    request = factories.verification_request(world.newcomer, world.building)
    return Scene(
        {
            "ideas": ideas.id,
            "ballot_box": ballot_box.id,
            "counted": counted.id,
            "proposal": proposal.id,
            "comment": comment.id,
            "group": group.id,
            "objective": objective.id,
            "commitment": commitment.id,
            "meeting": meeting.id,
            "residence": world.residence.id,
            "building": world.building.id,
            "landlord": world.landlord.id,
            "resident": world.resident.id,
            "staff": world.staff.id,
            "measurement": measurement.id,
            "request": request.id,
            "dwelling": world.dwellings[0].id,
            "partner_org": world.partner_org.id,
        }
    )


def grow(scene: Scene, n: int) -> None:
    """Add ``n`` children of every kind to every parent of the scene.

    Each child points at its own author, moderator, organisation, consultation…:
    rows that all shared one related object would hide a query per row behind
    the session's identity map.
    """
    now = utcnow()
    get = db.session.get
    building = get(Place, scene.building)
    residence = get(Place, scene.residence)
    ideas, ballot_box, counted = (get(Consultation, scene[n]) for n in PHASED)
    proposal = get(Proposal, scene.proposal)
    first_comment = get(Comment, scene.comment)
    landlord = get(Organisation, scene.landlord)
    voters = [_resident(residence) for _ in range(n)]
    staffers = [factories.user(Role.STAFF, landlord) for _ in range(n)]
    made = []
    for i, (person, staffer) in enumerate(zip(voters, staffers, strict=True)):
        factories.verification_request(factories.user(Role.RESIDENT), building)
        consultation = factories.consultation(
            residence, list(Phase)[i % len(Phase)], created_by=staffer
        )
        made.append((consultation, factories.proposal(consultation, person)))
        _proposals(ideas, proposal, person, staffer, now)
        factories.proposal(ballot_box, person)
        factories.proposal(counted, person)
        comment = proposal_service.post_comment(person, proposal, "Bonne idée.", now)
        proposal_service.post_comment(
            staffer, proposal, f"Réponse {comment.id}.", now, parent=comment
        )
        proposal_service.report(person, proposal, "Hors sujet.", now)
        proposal_service.report(
            person, proposal, "Insultant.", now, comment=first_comment
        )
        if i % 2:
            proposal_service.hide_comment(staffer, comment, "Hors charte.", now)
    for person in voters:
        _vote(person, ballot_box, now)
        _vote(person, counted, now - timedelta(days=1))
    _answer(counted, staffers, now)
    group = get(WorkingGroup, scene.group)
    groups = _group_children(scene, group, residence, voters, staffers)
    _notifications(scene, made, groups, now)


PHASED = ["ideas", "ballot_box", "counted"]


def _proposals(ideas, original, person, staffer, now) -> None:
    """One answered, one merged into ``original``, one hidden, one collected in
    person, one withdrawn."""
    answered = factories.proposal(ideas, person)
    proposal_service.answer_proposal(
        staffer, answered, ProposalStatus.UNDER_STUDY, "À l'étude.", now
    )
    duplicate = factories.proposal(ideas, person)
    proposal_service.mark_duplicate(staffer, duplicate, original, now)
    hidden = factories.proposal(ideas, person)
    proposal_service.hide_proposal(staffer, hidden, "Hors charte.", now)
    factories.proposal(  # typed in by the staff for someone met in person
        ideas, None, entered_by=staffer, on_behalf_of=f"Voisin de {person.id}"
    )
    factories.proposal(ideas, person, status=ProposalStatus.WITHDRAWN)


def _answer(counted: Consultation, staffers: list[User], now) -> None:
    """After the vote: every status an official answer gives, by various staff."""
    statuses = [
        ProposalStatus.SELECTED,
        ProposalStatus.NOT_RETAINED,
        ProposalStatus.DONE,
    ]
    pending = [p for p in voting.votable_proposals(counted) if p.answered_at is None]
    for i, (item, staffer) in enumerate(zip(pending, staffers, strict=False)):
        proposal_service.answer_proposal(
            staffer, item, statuses[i % 3], "Décision motivée du bailleur.", now
        )


def _vote(person: User, consultation: Consultation, now) -> None:
    choices = [p.id for p in voting.votable_proposals(consultation)][:2]
    voting.cast_ballot(person, consultation, choices, now)
    db.session.commit()


def _group_children(scene, group, residence, voters, staffers) -> list[WorkingGroup]:
    """Members, partners, meetings, hand votes, milestones, measurements,
    objectives, commitments and actions in the group; more published groups."""
    now = utcnow()
    get = db.session.get
    objective = get(Objective, scene.objective)
    commitment = get(Commitment, scene.commitment)
    meeting = get(Meeting, scene.meeting)
    start = date(2026, 1, 1)
    groups = []
    for i, (person, staffer) in enumerate(zip(voters, staffers, strict=True)):
        factories.member(group, person)
        factories.member(group, staffer)
        factories.member(
            group, factories.user(Role.RESIDENT), status=MembershipStatus.PENDING
        )
        organisation = factories.organisation(OrganisationKind.ASSOCIATION)
        partner = factories.user(Role.PARTNER, organisation)
        group.partners.append(GroupPartner(organisation=organisation, role="Appui"))
        factories.member(group, partner, Party.PARTNER)
        for days in (i + 1, -i - 5):
            factories.meeting(
                group, now + timedelta(days=days), location="Local", created_by=staffer
            )
        db.session.add(
            HandVote(
                meeting=meeting,
                question=f"Question {i}",
                votes_for=3,
                entered_by=staffer,
            )
        )
        if len(objective.milestones) < MAX_MILESTONES:  # the form's own cap
            objective.milestones.append(
                Milestone(
                    due_date=start + timedelta(days=factories._next()),
                    value=10.0,
                    label=f"Étape {i}",
                )
            )
        factories.measurement(
            objective,
            start + timedelta(days=factories._next()),
            10.0,
            organisation_id=organisation.id,
            reported_by_id=partner.id,
        )
        other = factories.objective(group, created_by=staffer)
        factories.measurement(other, start + timedelta(days=i), 9.0)
        extra = factories.commitment(objective, organisation, created_by=partner)
        factories.action(extra, start + timedelta(days=i), reported_by_id=partner.id)
        factories.commitment(other)
        factories.action(
            commitment, start + timedelta(days=i), quantity=1.0, reported_by=staffer
        )
        published = now - timedelta(days=i + 2)
        groups.append(_published_group(residence, organisation, person, published))
    db.session.commit()
    return groups


def _published_group(residence, organisation, person, published_at) -> WorkingGroup:
    """Another group with a card as full as the first one's: whichever groups a
    list's first page holds, it loads the same kinds of rows."""
    group = factories.group(
        residence,
        published_at=published_at,
        showcase_summary="Bilan.",
        showcase_summary_html="<p>Bilan.</p>",
        partners=[organisation],
    )
    factories.member(group, person)
    factories.meeting(group, published_at + timedelta(days=30), location="Local")
    factories.measurement(factories.objective(group), date(2026, 2, 1), 12.0)
    return group


def _notifications(scene, made, groups, now) -> None:
    """Notifications of every kind, each about its own consultation and group."""
    kinds = list(NotificationKind)
    for user_id in (scene.resident, scene.staff):
        for i, ((consultation, proposal), group) in enumerate(
            zip(made, groups, strict=True)
        ):
            db.session.add(
                Notification(
                    user_id=user_id,
                    kind=kinds[i % len(kinds)],
                    consultation_id=consultation.id,
                    proposal_id=proposal.id,
                    group_id=group.id,
                    details={"phase": "ideas", "status": "published"},
                    created_at=now - timedelta(minutes=i),
                )
            )
    db.session.commit()


#: (page, role, url): each page for the role that sees the most on it, and for the
#: other roles whose page shows something else.
PAGES = [
    ("main.index", "anonymous", lambda s: "/"),
    ("main.index", "newcomer", lambda s: "/"),
    ("main.index", "resident", lambda s: "/"),
    ("main.index", "partner", lambda s: "/"),
    ("main.index", "staff", lambda s: "/"),
    ("main.index", "admin", lambda s: "/"),
    ("consultations.index", "anonymous", lambda s: "/consultations/"),
    ("consultations.index", "resident", lambda s: "/consultations/"),
    ("consultations.index", "staff", lambda s: "/consultations/"),
    ("consultations.index", "admin", lambda s: "/consultations/"),
    (
        "consultations.detail (ideas)",
        "anonymous",
        lambda s: f"/consultations/{s.ideas}",
    ),
    ("consultations.detail (ideas)", "resident", lambda s: f"/consultations/{s.ideas}"),
    ("consultations.detail (ideas)", "staff", lambda s: f"/consultations/{s.ideas}"),
    (
        "consultations.detail (voting)",
        "resident",
        lambda s: f"/consultations/{s.ballot_box}",
    ),
    (
        "consultations.detail (voting)",
        "staff",
        lambda s: f"/consultations/{s.ballot_box}",
    ),
    (
        "consultations.detail (results)",
        "resident",
        lambda s: f"/consultations/{s.counted}",
    ),
    (
        "consultations.detail (results)",
        "staff",
        lambda s: f"/consultations/{s.counted}",
    ),
    (
        "consultations.reports",
        "staff",
        lambda s: f"/consultations/{s.ideas}/signalements",
    ),
    ("consultations.poster", "staff", lambda s: f"/consultations/{s.ideas}/affiche"),
    ("consultations.create", "staff", lambda s: "/consultations/nouvelle"),
    ("consultations.edit", "staff", lambda s: f"/consultations/{s.ideas}/modifier"),
    ("proposals.detail", "anonymous", lambda s: f"/propositions/{s.proposal}"),
    ("proposals.detail", "resident", lambda s: f"/propositions/{s.proposal}"),
    ("proposals.detail", "partner", lambda s: f"/propositions/{s.proposal}"),
    ("proposals.detail", "staff", lambda s: f"/propositions/{s.proposal}"),
    ("proposals.create", "resident", lambda s: f"/propositions/nouvelle/{s.ideas}"),
    ("proposals.create", "staff", lambda s: f"/propositions/nouvelle/{s.ideas}"),
    ("proposals.edit", "resident", lambda s: f"/propositions/{s.proposal}/modifier"),
    ("proposals.answer", "staff", lambda s: f"/propositions/{s.proposal}/reponse"),
    ("voting.ballot", "resident", lambda s: f"/consultations/{s.ballot_box}/vote"),
    ("voting.record", "staff", lambda s: f"/consultations/{s.ballot_box}/bulletins"),
    ("voting.results", "anonymous", lambda s: f"/consultations/{s.counted}/resultats"),
    ("voting.results", "resident", lambda s: f"/consultations/{s.counted}/resultats"),
    ("voting.results", "staff", lambda s: f"/consultations/{s.counted}/resultats"),
    (
        "voting.outcome",
        "staff",
        lambda s: f"/consultations/{s.counted}/resultats/publier",
    ),
    (
        "voting.export_proposals",
        "staff",
        lambda s: f"/consultations/{s.counted}/export/propositions.csv",
    ),
    (
        "voting.export_ballots",
        "staff",
        lambda s: f"/consultations/{s.counted}/export/bulletins.csv",
    ),
    ("groups.index", "resident", lambda s: "/groupes/"),
    ("groups.index", "partner", lambda s: "/groupes/"),
    ("groups.index", "staff", lambda s: "/groupes/"),
    ("groups.index", "admin", lambda s: "/groupes/"),
    ("groups.detail", "resident", lambda s: f"/groupes/{s.group}"),
    ("groups.detail", "partner", lambda s: f"/groupes/{s.group}"),
    ("groups.detail", "staff", lambda s: f"/groupes/{s.group}"),
    ("groups.members", "resident", lambda s: f"/groupes/{s.group}/membres"),
    ("groups.members", "staff", lambda s: f"/groupes/{s.group}/membres"),
    (
        "groups.meeting",
        "resident",
        lambda s: f"/groupes/{s.group}/reunions/{s.meeting}",
    ),
    ("groups.meeting", "staff", lambda s: f"/groupes/{s.group}/reunions/{s.meeting}"),
    (
        "groups.create",
        "staff",
        lambda s: f"/groupes/nouveau?consultation_id={s.counted}",
    ),
    ("groups.edit", "staff", lambda s: f"/groupes/{s.group}/modifier"),
    (
        "groups.create_meeting",
        "staff",
        lambda s: f"/groupes/{s.group}/reunions/nouvelle",
    ),
    (
        "groups.edit_meeting",
        "staff",
        lambda s: f"/groupes/{s.group}/reunions/{s.meeting}/modifier",
    ),
    ("objectives.detail", "resident", lambda s: f"/objectifs/{s.objective}"),
    ("objectives.detail", "partner", lambda s: f"/objectifs/{s.objective}"),
    ("objectives.detail", "staff", lambda s: f"/objectifs/{s.objective}"),
    ("objectives.history", "resident", lambda s: f"/objectifs/{s.objective}/mesures"),
    (
        "commitments.objective_actions",
        "resident",
        lambda s: f"/objectifs/{s.objective}/actions",
    ),
    ("objectives.create", "staff", lambda s: f"/groupes/{s.group}/objectifs/nouveau"),
    ("objectives.edit", "staff", lambda s: f"/objectifs/{s.objective}/modifier"),
    (
        "objectives.report_measurement",
        "partner",
        lambda s: f"/objectifs/{s.objective}/mesures/nouvelle",
    ),
    (
        "objectives.import_measurements",
        "staff",
        lambda s: f"/objectifs/{s.objective}/mesures/import",
    ),
    (
        "objectives.correct_measurement",
        "staff",
        lambda s: f"/mesures/{s.measurement}/corriger",
    ),
    ("commitments.scorecard", "resident", lambda s: f"/groupes/{s.group}/engagements"),
    ("commitments.scorecard", "staff", lambda s: f"/groupes/{s.group}/engagements"),
    ("commitments.detail", "partner", lambda s: f"/engagements/{s.commitment}"),
    ("commitments.detail", "staff", lambda s: f"/engagements/{s.commitment}"),
    (
        "commitments.create",
        "staff",
        lambda s: f"/objectifs/{s.objective}/engagements/nouveau",
    ),
    ("commitments.edit", "staff", lambda s: f"/engagements/{s.commitment}/modifier"),
    (
        "commitments.report_action",
        "partner",
        lambda s: f"/engagements/{s.commitment}/actions/nouvelle",
    ),
    ("showcase.index", "anonymous", lambda s: "/initiatives/"),
    ("showcase.detail", "anonymous", lambda s: f"/initiatives/{s.group}"),
    ("showcase.export_json", "anonymous", lambda s: f"/initiatives/{s.group}.json"),
    ("showcase.export_csv", "anonymous", lambda s: f"/initiatives/{s.group}.csv"),
    ("dashboard.place", "staff", lambda s: f"/lieux/{s.residence}/tableau-de-bord"),
    ("places.index", "staff", lambda s: "/lieux/"),
    ("places.index", "admin", lambda s: "/lieux/"),
    ("places.detail", "staff", lambda s: f"/lieux/{s.residence}"),
    ("places.create", "staff", lambda s: f"/lieux/nouveau?parent_id={s.residence}"),
    ("places.edit", "staff", lambda s: f"/lieux/{s.building}/modifier"),
    ("dwellings.index", "staff", lambda s: "/logements/"),
    ("dwellings.create", "staff", lambda s: "/logements/nouveau"),
    ("dwellings.edit", "staff", lambda s: f"/logements/{s.dwelling}/modifier"),
    ("dwellings.import_csv", "staff", lambda s: "/logements/import"),
    ("residents.index", "staff", lambda s: "/habitants/"),
    ("residents.review", "staff", lambda s: f"/habitants/demandes/{s.request}"),
    ("users.index", "admin", lambda s: "/utilisateurs/"),
    ("users.create", "admin", lambda s: "/utilisateurs/nouveau"),
    ("users.edit", "admin", lambda s: f"/utilisateurs/{s.resident}/modifier"),
    ("organisations.index", "admin", lambda s: "/organisations/"),
    ("organisations.create", "admin", lambda s: "/organisations/nouvelle"),
    (
        "organisations.edit",
        "admin",
        lambda s: f"/organisations/{s.partner_org}/modifier",
    ),
    ("notifications.index", "resident", lambda s: "/notifications/"),
    ("notifications.index", "staff", lambda s: "/notifications/"),
    ("notifications.preferences", "resident", lambda s: "/notifications/preferences"),
    ("auth.profile", "resident", lambda s: "/compte/"),
    ("auth.profile", "staff", lambda s: "/compte/"),
    ("auth.change_password", "resident", lambda s: "/compte/mot-de-passe"),
    ("auth.verification", "newcomer", lambda s: "/compte/verification"),
    ("auth.login", "anonymous", lambda s: "/compte/connexion"),
    ("auth.register", "anonymous", lambda s: "/compte/inscription"),
    ("auth.data", "resident", lambda s: "/compte/mes-donnees"),
    ("auth.export", "resident", lambda s: "/compte/mes-donnees/export"),
    ("auth.delete", "resident", lambda s: "/compte/supprimer"),
    ("audit.index", "staff", lambda s: "/journal/"),
    ("audit.index", "admin", lambda s: "/journal/"),
]
ROLES = ["anonymous", "newcomer", "resident", "partner", "staff", "admin"]
#: Pages whose first view after the vote stores the eligible count (once per
#: consultation): measured from their second view, the steady state.
STORES_ON_FIRST_VIEW = {"voting.results", "voting.outcome"}


def measure(client, count_queries, url: str) -> tuple[int, int]:
    """Statements run by one GET and the body's size, starting from an empty
    session like production."""
    db.session.remove()
    with count_queries() as statements:  # buffered: streamed bodies count whole
        response = client.get(url, buffered=True)
        size = len(response.get_data())
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), size


def table(rows, sizes: tuple[str, str] = (str(SMALL), str(LARGE))) -> str:
    """Markdown: page, role, queries at both sizes, and the body sizes, which
    show that the page did grow."""
    few, many = sizes
    lines = [
        f"| Page | Role | Queries ({few}) | Queries ({many}) "
        f"| kB ({few}) | kB ({many}) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {page} | {role} | {few[0]} | {many[0]} "
        f"| {few[1] / 1000:.1f} | {many[1] / 1000:.1f} |"
        for page, role, few, many in rows
    ]
    return "\n".join(lines)


def clients(app, world) -> dict[str, object]:
    """One test client per role, logged in through the real login form."""
    result = {}
    for role in ROLES:
        result[role] = client = app.test_client()
        if role != "anonymous":
            response = client.post(
                "/compte/connexion",
                data={"email": getattr(world, role).email, "password": PASSWORD},
            )
            assert response.status_code == 302, role
    return result


def test_every_main_page_costs_the_same_queries_whatever_the_data_size(
    app, world, count_queries, capsys
):
    """Grow every kind of child from 3 to 40: each page's query count stays put.

    Every page is measured for the role that sees the most on it (and for each
    role whose page differs); run with ``-s`` to see the whole table.
    """
    scene = build(world)
    grow(scene, SMALL)
    by_role = clients(app, world)

    def counts() -> list[tuple[int, int]]:
        for page, role, url in PAGES:
            if page in STORES_ON_FIRST_VIEW:
                by_role[role].get(url(scene))
        return [
            measure(by_role[role], count_queries, url(scene)) for _, role, url in PAGES
        ]

    few = counts()
    grow(scene, LARGE - SMALL)
    many = counts()
    rows = [
        (page, role, a, b)
        for (page, role, _), a, b in zip(PAGES, few, many, strict=True)
    ]
    with capsys.disabled():
        print(f"\n{table(rows)}")
    assert [q for q, _ in few] == [q for q, _ in many], table(
        [row for row in rows if row[2][0] != row[3][0]]
    )


def test_the_measure_catches_a_query_per_row(
    client, login, world, count_queries, monkeypatch
):
    """Without its eager loads, the notifications page costs one more query per
    consultation shown: the measure above would fail on such a page."""
    monkeypatch.setattr(  # the same query, without its eager loads
        notification_service,
        "notifications_query",
        lambda user: (
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
        ),
    )
    place_id, user_id = world.residence.id, world.resident.id

    def notify(n: int) -> None:
        for _ in range(n):
            consultation = factories.consultation(db.session.get(Place, place_id))
            db.session.add(
                Notification(
                    user_id=user_id,
                    kind=NotificationKind.CONSULTATION_OPENED,
                    consultation_id=consultation.id,
                    details={"phase": "ideas"},
                    created_at=utcnow(),
                )
            )
        db.session.commit()

    notify(SMALL)
    login(world.resident)
    few, _ = measure(client, count_queries, "/notifications/")
    notify(LARGE - SMALL)
    many, _ = measure(client, count_queries, "/notifications/")
    assert many > few


RESIDENT_PAGES = [(page, url) for page, role, url in PAGES if role == "resident"]


def test_a_resident_with_several_homes_costs_the_same_queries(
    app, world, count_queries
):
    """Someone verified in three dwellings (two elsewhere, listed first) costs each
    page the queries of someone with one: eligibility is not read home by home."""
    scene = build(world)
    elsewhere, here = world.other_building.id, world.building.id
    grow(scene, SMALL)
    client = clients(app, world)["resident"]
    for page, url in RESIDENT_PAGES:
        if page in STORES_ON_FIRST_VIEW:
            client.get(url(scene))
    few = [measure(client, count_queries, url(scene)) for _, url in RESIDENT_PAGES]
    resident = db.session.get(User, scene.resident)
    resident.residencies[0].end(utcnow())
    for place_id in (elsewhere, elsewhere, here):
        place = db.session.get(Place, place_id)
        home = Dwelling(
            landlord_id=place.landlord_id,
            place_id=place.id,
            reference=f"H-{factories._next()}",
        )
        db.session.add(home)
        db.session.add(
            Residency(
                user=resident,
                dwelling=home,
                method=VerificationMethod.STAFF_APPROVAL,
                verified_at=utcnow(),
            )
        )
    db.session.commit()
    many = [measure(client, count_queries, url(scene)) for _, url in RESIDENT_PAGES]
    rows = [
        (page, "resident", a, b)
        for (page, _), a, b in zip(RESIDENT_PAGES, few, many, strict=True)
    ]
    assert [q for q, _ in few] == [q for q, _ in many], table(
        [row for row in rows if row[2][0] != row[3][0]], ("1 home", "3 homes")
    )
