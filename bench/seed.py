"""Seed a benchmark database at scale with bulk inserts.

The skeleton (landlord, places, consultations, group, objective) goes through the
ORM; everything counted in thousands goes through :func:`bulk`: PostgreSQL
``COPY`` or SQLAlchemy Core ``executemany`` in batches, rows generated lazily so
that memory stays flat. Running tallies are computed while the ballots are drawn,
so the stored totals equal a recount from the first request on.
"""

from __future__ import annotations

import random
import secrets
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import Enum
from itertools import chain, islice

from flask import Flask, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select, text
from werkzeug.security import generate_password_hash

from participation.extensions import db
from participation.models import (
    Action,
    Ballot,
    BallotChoice,
    Commitment,
    Consultation,
    Dwelling,
    Measurement,
    Objective,
    Organisation,
    Place,
    Proposal,
    Residency,
    User,
    WorkingGroup,
)
from participation.models.consultation import VoterUnit, VotingMethod
from participation.models.objective import CommitmentParty, CommitmentStatus
from participation.models.organisation import OrganisationKind
from participation.models.place import PlaceKind
from participation.models.user import Role
from participation.services.indicators import Direction

#: Password of every bench account (hashed cheaply once: logins are not measured).
PASSWORD = "bench-pass"  # noqa: S105  (a throwaway benchmark database)


@dataclass(frozen=True)
class Scale:
    """How much data each scenario gets."""

    name: str
    proposals: int  # S1: proposals of the large consultation
    votes: int  # S1, S3 recount, S5 large export: ballots (one choice each)
    reference_proposals: int  # S1: the same page with few proposals
    result_ballots: int  # S3 results page, S5 small export
    voters: int  # S2: residents taking part in the burst
    concurrency: int  # S2: residents voting at once
    measurements: int  # S4
    actions: int  # S4
    duration: int  # seconds per wrk run
    runs: int  # wrk runs per measure (the median is kept)


SCALES = {
    "tiny": Scale("tiny", 30, 600, 10, 200, 20, 10, 40, 40, 1, 1),
    "small": Scale("small", 1_000, 100_000, 100, 10_000, 300, 300, 500, 500, 3, 1),
    "full": Scale(
        "full", 10_000, 1_000_000, 100, 100_000, 1_500, 300, 5_000, 5_000, 10, 3
    ),
}


@dataclass
class Seeded:
    """Ids the scenarios need (JSON-serialisable)."""

    large: int  # results phase, ``proposals`` proposals, ``votes`` ballots
    reference: int  # results phase, ``reference_proposals`` proposals
    results: int  # results phase, 20 proposals, ``result_ballots`` ballots
    vote: int  # voting open, 20 proposals, nobody voted yet
    vote_proposals: list[int]
    objective: int
    place: int
    viewer_token: str  # a resident who reads pages
    staff_token: str  # the landlord's staff (exports, objective)
    voter_tokens: list[str]

    def as_dict(self) -> dict:
        return asdict(self)


def _raw(value):
    return value.value if isinstance(value, Enum) else value


def bulk(table, rows: Iterable[dict], batch: int = 20_000) -> int:
    """Insert ``rows`` (dicts with the same keys) into ``table`` inside the current
    transaction: COPY on PostgreSQL, executemany in batches elsewhere."""
    connection = db.session.connection()
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    columns = list(first)
    count = 0
    if connection.dialect.name == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        statement = "COPY {} ({}) FROM STDIN".format(
            quote(table.name), ", ".join(quote(c) for c in columns)
        )
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in chain([first], iterator):
                copy.write_row([_raw(row[c]) for c in columns])
                count += 1
        return count
    rows_left = chain([first], iterator)
    while chunk := list(islice(rows_left, batch)):
        connection.execute(table.insert(), chunk)
        count += len(chunk)
    return count


def _reset_sequences(*tables) -> None:
    """Explicit ids were inserted: move PostgreSQL sequences past them."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        top = db.session.scalar(select(func.max(table.c.id))) or 0
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :next, false)"),
            {"table": f'"{table.name}"', "next": top + 1},
        )


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def seed(scale: Scale, now: datetime, rng: random.Random | None = None) -> Seeded:
    """Fill an empty, migrated database for ``scale``; commit; return the ids."""
    rng = rng or random.Random(5)  # noqa: S311  (data, not secrets)
    password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    landlord = Organisation(
        name="Bailleur du banc d'essai", kind=OrganisationKind.LANDLORD
    )
    partner = Organisation(
        name="Service déchets du banc", kind=OrganisationKind.WASTE_SERVICE
    )
    staff = User(
        email="equipe@bench.invalid",
        display_name="Équipe du banc",
        password_hash=password_hash,
        role=Role.STAFF,
        organisation=landlord,
    )
    territory = Place(
        landlord=landlord, kind=PlaceKind.TERRITORY, name="Quartier du banc"
    )
    residence = Place(
        landlord=landlord, kind=PlaceKind.RESIDENCE, name="Résidence", parent=territory
    )
    buildings = [
        Place(
            landlord=landlord,
            kind=PlaceKind.BUILDING,
            name=f"Bât. {n}",
            parent=residence,
        )
        for n in range(10)
    ]
    db.session.add_all([landlord, partner, staff, territory, residence, *buildings])
    db.session.flush()
    territory.path = f"/{territory.id}/"
    residence.path = f"{territory.path}{residence.id}/"
    for building in buildings:
        building.path = f"{residence.path}{building.id}/"

    def consultation(title: str, voting: bool) -> Consultation:
        day = timedelta(days=1)
        dates = (-20, -1, 10, 20) if voting else (-60, -30, -10, 30)
        opens, voting_opens, closes, follow_up = (now + d * day for d in dates)
        return Consultation(
            landlord=landlord,
            place=territory,
            created_by=staff,
            title=title,
            summary="Consultation du banc d'essai.",
            opens_at=opens,
            voting_opens_at=voting_opens,
            voting_closes_at=closes,
            follow_up_at=follow_up,
            method=VotingMethod.APPROVAL,
            max_choices=3,
            voter_unit=VoterUnit.PERSON,
            created_at=now,
            updated_at=now,
        )

    large = consultation("Grande consultation (S1, S3, S5)", voting=False)
    reference = consultation("Petite consultation (S1, référence)", voting=False)
    counted = consultation("Résultats (S3, S5)", voting=False)
    vote = consultation("Vote ouvert (S2)", voting=True)
    group = WorkingGroup(
        landlord=landlord, place=territory, created_by=staff, title="Groupe du banc"
    )
    db.session.add_all([large, reference, counted, vote, group])
    db.session.flush()
    today = now.date()
    objective = Objective(
        group_id=group.id,
        title="Moins d'encombrants",
        indicator="Dépôts signalés",
        unit="dépôts",
        direction=Direction.DECREASE,
        baseline_value=14.0,
        baseline_date=today - timedelta(days=scale.measurements + 1),
        target_value=4.0,
        target_date=today + timedelta(days=365),
        source_organisation_id=partner.id,
        created_by=staff,
    )
    db.session.add(objective)
    db.session.flush()

    residents = _residents(scale, landlord, buildings, password_hash, now)
    _proposals_and_ballots(large, scale.proposals, scale.votes, 1, residents, now, rng)
    _proposals_and_ballots(
        reference,
        scale.reference_proposals,
        scale.votes * scale.reference_proposals // scale.proposals,
        1,
        residents,
        now,
        rng,
    )
    _proposals_and_ballots(counted, 20, scale.result_ballots, 3, residents, now, rng)
    vote_ids = _proposals_and_ballots(vote, 20, 0, 1, residents, now, rng)
    _objective_data(objective, partner, staff, scale, now, rng)
    _reset_sequences(User.__table__, Dwelling.__table__, Proposal.__table__)
    _reset_sequences(Ballot.__table__)
    db.session.commit()
    tokens = residents["tokens"]
    return Seeded(
        large=large.id,
        reference=reference.id,
        results=counted.id,
        vote=vote.id,
        vote_proposals=vote_ids,
        objective=objective.id,
        place=territory.id,
        viewer_token=tokens[-1],
        staff_token=staff.login_token,
        voter_tokens=tokens[: scale.voters],
    )


def _residents(scale: Scale, landlord, buildings, password_hash, now) -> dict:
    """Voters plus one reader, each verified in their own dwelling."""
    count = scale.voters + 1
    first_user, first_dwelling = _next_id(User), _next_id(Dwelling)
    tokens = [secrets.token_urlsafe(24) for _ in range(count)]
    bulk(
        User.__table__,
        (
            {
                "id": first_user + n,
                "email": f"habitant{n}@bench.invalid",
                "display_name": f"Habitant {n}",
                "password_hash": password_hash,
                "role": Role.RESIDENT,
                "organisation_id": None,
                "active": True,
                "language": "fr",
                "login_token": tokens[n],
                "created_at": now,
            }
            for n in range(count)
        ),
    )
    bulk(
        Dwelling.__table__,
        (
            {
                "id": first_dwelling + n,
                "landlord_id": landlord.id,
                "place_id": buildings[n % len(buildings)].id,
                "reference": f"BANC-{n:07d}",
                "label": "",
                "created_at": now,
            }
            for n in range(count)
        ),
    )
    bulk(
        Residency.__table__,
        (
            {
                "user_id": first_user + n,
                "dwelling_id": first_dwelling + n,
                "method": "invitation_code",
                "verified_at": now,
                "verified_by_id": None,
                "ended_at": None,
            }
            for n in range(count)
        ),
    )
    return {"first": first_user, "count": count, "tokens": tokens}


def _proposals_and_ballots(
    consultation: Consultation,
    proposals: int,
    ballots: int,
    max_choices: int,
    residents: dict,
    now: datetime,
    rng: random.Random,
) -> list[int]:
    """``proposals`` proposals and ``ballots`` ballots of 1..``max_choices``
    choices, skewed so that a few ideas lead; tallies stored to match."""
    first_proposal, first_ballot = _next_id(Proposal), _next_id(Ballot)
    # Draw every choice first (a compact array), to store the final tallies.
    picks, lengths = array("I"), array("B")
    support = [0] * proposals
    for _ in range(ballots):
        size = rng.randint(1, max_choices)
        chosen = {int(proposals * rng.random() ** 3) for _ in range(size)}
        lengths.append(len(chosen))
        for index in sorted(chosen):
            picks.append(index)
            support[index] += 1
    created = now - timedelta(days=40)
    bulk(
        Proposal.__table__,
        (
            {
                "id": first_proposal + n,
                "consultation_id": consultation.id,
                "author_id": residents["first"] + n % residents["count"],
                "entered_by_id": None,
                "on_behalf_of": "",
                "title": f"Idée n° {n} : des bancs et des fleurs",
                "body": "Une description de l'idée.",
                "body_html": "<p>Une description de l'idée.</p>",
                "estimated_cost": None,
                "place_id": None,
                "status": "published",
                "moderation_reason": "",
                "answer": "",
                "answer_html": "",
                "comment_count": 0,
                "support_count": support[n],
                **{f"grade_{g}": 0 for g in range(7)},
                "created_at": created + timedelta(seconds=n),
                "updated_at": created + timedelta(seconds=n),
            }
            for n in range(proposals)
        ),
    )
    cast = now - timedelta(days=15)
    bulk(
        Ballot.__table__,
        (
            {
                "id": first_ballot + n,
                "consultation_id": consultation.id,
                "voter_key": f"banc:{n}",
                "user_id": None,
                "dwelling_id": None,
                "channel": _channel(n),
                "entered_by_id": None,
                "cast_at": cast,
                "updated_at": cast,
            }
            for n in range(ballots)
        ),
    )
    bulk(BallotChoice.__table__, _choices(first_ballot, first_proposal, picks, lengths))
    # The stored per-channel counts, as the app keeps them with each ballot.
    counts = Counter(_channel(n) for n in range(ballots))
    consultation.ballots_online = counts["online"]
    consultation.ballots_paper = counts["paper"]
    consultation.ballots_meeting = counts["meeting"]
    return list(range(first_proposal, first_proposal + proposals))


def _channel(n: int) -> str:
    """90 % of ballots online, 7 % on paper, 3 % in meetings."""
    if n % 100 < 90:
        return "online"
    return "paper" if n % 100 < 97 else "meeting"


def _choices(first_ballot, first_proposal, picks, lengths) -> Iterator[dict]:
    position = 0
    for n, length in enumerate(lengths):
        for index in picks[position : position + length]:
            yield {
                "ballot_id": first_ballot + n,
                "proposal_id": first_proposal + index,
                "grade": None,
            }
        position += length


def _objective_data(objective, partner, staff, scale: Scale, now, rng) -> None:
    """Daily measurements drifting towards the target; commitments with actions."""
    start = objective.baseline_date + timedelta(days=1)
    bulk(
        Measurement.__table__,
        (
            {
                "objective_id": objective.id,
                "measured_on": start + timedelta(days=n),
                "period": "day",
                "value": round(14 - 8 * n / scale.measurements + rng.uniform(-1, 1), 1),
                "note": "",
                "organisation_id": partner.id,
                "reported_by_id": staff.id,
                "reported_at": now,
                "updated_at": now,
            }
            for n in range(scale.measurements)
        ),
    )
    commitments = [
        Commitment(
            objective_id=objective.id,
            party=CommitmentParty.ORGANISATION,
            organisation_id=partner.id,
            title=f"Engagement {n}",
            due_date=now.date() + timedelta(days=30 * (n % 12) - 90),
            status=CommitmentStatus.IN_PROGRESS,
            created_by=staff,
        )
        for n in range(min(50, scale.actions) or 1)
    ]
    db.session.add_all(commitments)
    db.session.flush()
    bulk(
        Action.__table__,
        (
            {
                "commitment_id": commitments[n % len(commitments)].id,
                "objective_id": objective.id,
                "done_on": start + timedelta(days=n % max(scale.measurements, 1)),
                "description": f"Action {n}",
                "description_html": f"<p>Action {n}</p>",
                "quantity": 1.5,
                "unit": "t",
                "organisation_id": partner.id,
                "reported_by_id": staff.id,
                "reported_at": now,
            }
            for n in range(scale.actions)
        ),
    )


def session_cookie(app: Flask, login_token: str) -> tuple[str, str]:
    """A signed session cookie for the account and its CSRF token, as the app
    would set them after a login (signed with the app's own session interface)."""
    with app.test_request_context():
        session["_user_id"] = login_token
        session["_fresh"] = False  # "basic" protection leaves it untouched
        csrf_token = generate_csrf()
        serializer = app.session_interface.get_signing_serializer(app)
        return serializer.dumps(dict(session)), csrf_token
