"""Ballots per channel, stored on the consultation: kept right by every path that
casts, changes or deletes a ballot, checked by the full recount, read by the
results page; and the roll of voter units, counted once voting has closed."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from participation import create_app
from participation.extensions import db
from participation.models import (
    Ballot,
    Channel,
    Consultation,
    Dwelling,
    Phase,
    User,
    VoterUnit,
)
from participation.services import InvalidTransition, voting
from participation.timeutil import utcnow
from tests import factories
from tests.conftest import POSTGRES_URL, make_test_config

BEFORE_COUNTERS = "c8a0b02a83d0"  # the revision before the counters


def stored(consultation: Consultation) -> dict[Channel, int]:
    db.session.refresh(consultation)
    return voting.channel_counts(consultation)


def counts(online: int = 0, paper: int = 0, meeting: int = 0) -> dict[Channel, int]:
    return {Channel.ONLINE: online, Channel.PAPER: paper, Channel.MEETING: meeting}


def assert_recount_agrees(consultation: Consultation) -> None:
    recount = voting.full_recount(consultation)
    assert recount.differences == []
    assert recount.equal
    assert recount.channels == recount.stored_channels


def households(world, count: int) -> list:
    return homes_with_residents(world.landlord.id, world.building.id, count)


def homes_with_residents(landlord_id: int, place_id: int, count: int) -> list:
    homes = [
        Dwelling(
            landlord_id=landlord_id,
            place_id=place_id,
            reference=f"C-{uuid.uuid4().hex[:8]}",
        )
        for _ in range(count)
    ]
    db.session.add_all(homes)
    db.session.commit()
    return [factories.resident_of(home) for home in homes]


@pytest.fixture
def vote(world):
    consultation = factories.consultation(world.territory, Phase.VOTING, max_choices=2)
    proposals = [factories.proposal(consultation, world.resident) for _ in range(3)]
    return consultation, proposals


def test_a_new_consultation_counts_no_ballot(vote):
    consultation, _ = vote
    assert stored(consultation) == counts()
    assert_recount_agrees(consultation)


def test_online_paper_and_meeting_ballots_each_count_once(world, vote):
    consultation, (a, b, c) = vote
    now = utcnow()
    voters = households(world, 3)
    for voter in voters:
        voting.cast_ballot(voter, consultation, [a.id], now)
    assert stored(consultation) == counts(online=3)
    # Changing one's ballot, or sending it twice, is not a new ballot.
    voting.cast_ballot(voters[0], consultation, [b.id, c.id], now)
    voting.cast_ballot(voters[0], consultation, [b.id, c.id], now)
    assert stored(consultation) == counts(online=3)
    voting.record_ballot(
        world.staff,
        consultation,
        Channel.PAPER,
        [a.id],
        now,
        dwelling=world.dwellings[1],
    )
    voting.record_ballot(
        world.staff,
        consultation,
        Channel.MEETING,
        [c.id],
        now,
        dwelling=world.dwellings[2],
    )
    assert stored(consultation) == counts(online=3, paper=1, meeting=1)
    assert_recount_agrees(consultation)


def test_refused_ballots_leave_the_counters_alone(world, vote):
    consultation, (a, b, _) = vote
    now = utcnow()
    voting.cast_ballot(world.resident, consultation, [a.id], now)
    home = voting.voter_home(world.resident, consultation)
    # A paper ballot for a household that voted online, then a second paper
    # ballot for the same household: both refused, nothing counted.
    with pytest.raises(InvalidTransition):
        voting.record_ballot(
            world.staff, consultation, Channel.PAPER, [b.id], now, dwelling=home
        )
    voting.record_ballot(
        world.staff,
        consultation,
        Channel.PAPER,
        [b.id],
        now,
        dwelling=world.dwellings[1],
    )
    with pytest.raises(InvalidTransition):
        voting.record_ballot(
            world.staff,
            consultation,
            Channel.MEETING,
            [a.id],
            now,
            dwelling=world.dwellings[1],
        )
    assert stored(consultation) == counts(online=1, paper=1)
    assert_recount_agrees(consultation)


def test_deleting_a_ballot_takes_it_off_the_counters_and_tallies(world, vote):
    consultation, (a, b, _) = vote
    now = utcnow()
    voting.cast_ballot(world.resident, consultation, [a.id, b.id], now)
    paper = voting.record_ballot(
        world.staff,
        consultation,
        Channel.PAPER,
        [a.id],
        now,
        dwelling=world.dwellings[1],
    )
    voting.delete_ballot(paper)
    db.session.commit()
    assert stored(consultation) == counts(online=1)
    db.session.refresh(a)
    assert a.support_count == 1
    assert db.session.get(Ballot, paper.id) is None
    assert_recount_agrees(consultation)


def test_the_full_recount_reports_a_wrong_counter_or_tally(world, vote):
    consultation, (a, _, _) = vote
    voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    assert_recount_agrees(consultation)
    table = Consultation.__table__
    db.session.execute(
        table.update().where(table.c.id == consultation.id).values(ballots_paper=5)
    )
    a.support_count = 4
    db.session.commit()
    recount = voting.full_recount(consultation)
    assert not recount.equal
    assert recount.differences == [
        f"proposal {a.id}: stored [4, 0, 0, 0, 0, 0, 0, 0], "
        "counted [1, 0, 0, 0, 0, 0, 0, 0]",
        "ballots paper: stored 5, counted 0",
    ]


def test_person_ballots_count_per_person(world):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, voter_unit=VoterUnit.PERSON
    )
    a = factories.proposal(consultation, world.resident)
    flatmate = factories.resident_of(world.dwellings[0])
    now = utcnow()
    voting.cast_ballot(world.resident, consultation, [a.id], now)
    voting.cast_ballot(flatmate, consultation, [a.id], now)
    assert stored(consultation) == counts(online=2)
    assert_recount_agrees(consultation)


# The roll of voter units


def test_the_roll_is_counted_live_while_voting_then_kept_at_close(world, vote):
    consultation, (a, _, _) = vote
    now = utcnow()
    live = voting.results(consultation, now).eligible
    assert live == len(world.dwellings)
    households(world, 2)
    assert voting.results(consultation, now).eligible == live + 2
    assert consultation.eligible_at_close is None
    later = consultation.voting_closes_at + timedelta(minutes=1)
    assert voting.results(consultation, later).eligible == live + 2
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).eligible_at_close == live + 2
    # Households that arrive after the close do not change the results' roll.
    households(world, 3)
    assert voting.results(consultation, later).eligible == live + 2


# The results page


def _close(consultation_id: int) -> None:
    consultation = db.session.get(Consultation, consultation_id)
    consultation.voting_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def _measure(client, count_queries, path: str) -> list[str]:
    db.session.remove()
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return list(statements)


def test_the_results_page_reads_the_counters_with_the_same_queries_at_two_sizes(
    client, world, count_queries
):
    consultation = factories.consultation(world.territory, Phase.VOTING)
    cid = consultation.id
    a = factories.proposal(consultation, world.resident)
    ids = (world.landlord.id, world.building.id, world.resident.id, world.staff.id)
    dwelling_ids = [d.id for d in world.dwellings[1:3]]
    voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    path = f"/consultations/{cid}/resultats"
    _close(cid)
    first = _measure(client, count_queries, path)  # counts the roll, once
    small = _measure(client, count_queries, path)
    assert len(small) < len(first)

    consultation = db.session.get(Consultation, cid)
    consultation.voting_closes_at = utcnow() + timedelta(days=1)  # reopen to vote
    db.session.commit()
    landlord_id, building_id, resident_id, staff_id = ids
    author = db.session.get(User, resident_id)
    proposals = [factories.proposal(consultation, author) for _ in range(12)]
    now = utcnow()
    for index, voter in enumerate(homes_with_residents(landlord_id, building_id, 25)):
        voting.cast_ballot(voter, consultation, [proposals[index % 12].id], now)
    staff = db.session.get(User, staff_id)
    for dwelling_id in dwelling_ids:
        voting.record_ballot(
            staff,
            consultation,
            Channel.PAPER,
            [proposals[0].id],
            now,
            dwelling=db.session.get(Dwelling, dwelling_id),
        )
    _close(cid)
    large = _measure(client, count_queries, path)
    assert len(large) == len(small)
    # Neither the ballots nor the roll are counted on a view.
    counting = re.compile(r"\b(from|join)\s+(ballot|residency|dwelling)\b", re.I)
    assert [s for s in large if counting.search(s)] == []
    assert [s for s in first if counting.search(s)]  # the listener sees them
    page = client.get(path).get_data(as_text=True)
    assert "28" in page  # 26 online + 2 paper ballots
    consultation = db.session.get(Consultation, cid)
    assert voting.channel_counts(consultation) == counts(online=26, paper=2)
    assert_recount_agrees(consultation)


# The migration's backfill


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_app(request, tmp_path):
    """An app on an empty database upgraded by the migrations (not create_all)."""
    if request.param == "sqlite":
        url, options, schema = f"sqlite:///{tmp_path / 'backfill.db'}", {}, None
    else:
        if not POSTGRES_URL:
            pytest.skip("PARTICIPATION_TEST_DATABASE_URL is not set: no PostgreSQL")
        url, schema = POSTGRES_URL, f"fill_{uuid.uuid4().hex[:10]}"
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    app = create_app(make_test_config(url, options), instance_path=str(tmp_path))
    try:
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if schema:
            with engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()


def test_the_migration_backfills_the_counters_from_the_ballots(migrated_app):
    world = factories.build_world()
    consultation = factories.consultation(world.territory, Phase.VOTING)
    untouched = factories.consultation(world.territory, Phase.VOTING)
    a = factories.proposal(consultation, world.resident)
    now = utcnow()
    voting.cast_ballot(world.resident, consultation, [a.id], now)
    extra = voting.voter_home(households(world, 1)[0], consultation)
    for channel, dwelling in zip(
        [Channel.PAPER, Channel.PAPER, Channel.MEETING],
        [world.dwellings[1], world.dwellings[2], extra],
        strict=True,
    ):
        voting.record_ballot(
            world.staff, consultation, channel, [a.id], now, dwelling=dwelling
        )
    ids = consultation.id, untouched.id
    db.session.remove()

    downgrade(revision=BEFORE_COUNTERS)
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("consultation")}
    assert "ballots_online" not in columns
    db.engine.dispose()
    upgrade()

    consultation, untouched = (db.session.get(Consultation, i) for i in ids)
    assert voting.channel_counts(consultation) == counts(online=1, paper=2, meeting=1)
    assert voting.channel_counts(untouched) == counts()
    assert consultation.eligible_at_close is None
    assert_recount_agrees(consultation)
