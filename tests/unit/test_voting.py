"""Casting ballots: one per voter unit, changes, paper ballots, running tallies."""

from __future__ import annotations

import threading

import pytest

from participation.extensions import db
from participation.models import (
    Ballot,
    BallotChoice,
    Channel,
    Phase,
    Residency,
    VerificationMethod,
    VoterUnit,
    VotingMethod,
)
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    voting,
)
from participation.timeutil import utcnow
from tests import factories


@pytest.fixture
def vote(world):
    """A consultation in its voting phase for the world's territory, with three
    proposals, one vote per household and approval voting (2 choices)."""
    consultation = factories.consultation(world.territory, Phase.VOTING, max_choices=2)
    proposals = [factories.proposal(consultation, world.resident) for _ in range(3)]
    return consultation, proposals


def ballots(consultation) -> list[Ballot]:
    db.session.expire_all()
    return db.session.scalars(
        db.select(Ballot).filter_by(consultation_id=consultation.id)
    ).all()


def assert_tallies_match_recount(consultation):
    db.session.expire_all()
    assert voting.stored_totals(consultation) == voting.recount(consultation)
    assert voting.full_recount(consultation).differences == []


def test_an_eligible_resident_casts_then_changes_one_ballot(world, vote):
    consultation, (a, b, c) = vote
    voting.cast_ballot(world.resident, consultation, [a.id, b.id], utcnow())
    voting.cast_ballot(world.resident, consultation, [c.id], utcnow())
    [ballot] = ballots(consultation)
    assert ballot.channel is Channel.ONLINE
    assert [choice.proposal_id for choice in ballot.choices] == [c.id]
    assert (a.support_count, b.support_count, c.support_count) == (0, 0, 1)
    assert_tallies_match_recount(consultation)


@pytest.mark.parametrize(
    "who", ["other_resident", "newcomer", "staff", "partner", "admin"]
)
def test_only_residents_of_the_place_vote(world, vote, who):
    consultation, (a, _, _) = vote
    with pytest.raises(PermissionDenied):
        voting.cast_ballot(getattr(world, who), consultation, [a.id], utcnow())
    assert ballots(consultation) == []


@pytest.mark.parametrize(
    "phase", [Phase.DRAFT, Phase.IDEAS, Phase.RESULTS, Phase.FOLLOW_UP]
)
def test_nobody_votes_outside_the_voting_phase(world, phase):
    consultation = factories.consultation(world.territory, phase)
    proposal = factories.proposal(consultation, world.resident)
    with pytest.raises(PermissionDenied):
        voting.cast_ballot(world.resident, consultation, [proposal.id], utcnow())


@pytest.mark.parametrize(
    ("method", "raw", "message"),
    [
        (VotingMethod.APPROVAL, [], "au moins une"),
        (VotingMethod.APPROVAL, "ABC", "ne fait pas partie"),
        (VotingMethod.SINGLE, "AB", "une seule"),
        (VotingMethod.MAJORITY_JUDGMENT, {}, "au moins une"),
        (VotingMethod.BUDGET, "AB", "dépasse le budget"),
    ],
)
def test_a_ballot_breaking_the_rules_is_refused_and_nothing_is_saved(
    world, method, raw, message
):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, method=method, max_choices=2, budget=1000
    )
    proposals = {
        letter: factories.proposal(consultation, world.resident, estimated_cost=600)
        for letter in "AB"
    }
    if isinstance(raw, str):
        raw = [
            proposals[letter].id if letter in proposals else 999_999 for letter in raw
        ]
    with pytest.raises(ValidationError, match=message):
        voting.cast_ballot(world.resident, consultation, raw, utcnow())
    assert ballots(consultation) == []
    assert voting.stored_totals(consultation) == {}


def test_approval_allows_at_most_the_maximum(world, vote):
    consultation, proposals = vote
    with pytest.raises(ValidationError, match="2 propositions au plus"):
        voting.cast_ballot(
            world.resident, consultation, [p.id for p in proposals], utcnow()
        )


def test_majority_judgment_grades_every_proposal(world):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, method=VotingMethod.MAJORITY_JUDGMENT
    )
    a, b = (factories.proposal(consultation, world.resident) for _ in range(2))
    voting.cast_ballot(world.resident, consultation, {a.id: 1}, utcnow())
    db.session.expire_all()
    assert a.grade_counts == [0, 1, 0, 0, 0, 0, 0]
    # left ungraded: "À rejeter", as the ballot page says
    assert b.grade_counts == [0, 0, 0, 0, 0, 0, 1]
    assert (a.support_count, b.support_count) == (1, 0)
    voting.cast_ballot(world.resident, consultation, {a.id: 5, b.id: 0}, utcnow())
    db.session.expire_all()
    assert a.grade_counts == [0, 0, 0, 0, 0, 1, 0]
    assert b.grade_counts == [1, 0, 0, 0, 0, 0, 0]
    assert_tallies_match_recount(consultation)


def test_one_household_one_vote(world, vote):
    consultation, (a, b, _) = vote
    flatmate = factories.resident_of(world.dwellings[0])
    voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    with pytest.raises(InvalidTransition, match="autre personne de votre foyer"):
        voting.cast_ballot(flatmate, consultation, [b.id], utcnow())
    state = voting.ballot_state(flatmate, consultation)
    assert state.household_voted and state.ballot is None and state.choices == {}
    assert len(ballots(consultation)) == 1


def test_one_person_one_vote_lets_each_member_of_a_household_vote(world):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, voter_unit=VoterUnit.PERSON
    )
    proposal = factories.proposal(consultation, world.resident)
    flatmate = factories.resident_of(world.dwellings[0])
    voting.cast_ballot(world.resident, consultation, [proposal.id], utcnow())
    voting.cast_ballot(flatmate, consultation, [proposal.id], utcnow())
    assert len(ballots(consultation)) == 2
    db.session.expire_all()
    assert proposal.support_count == 2


def test_a_paper_ballot_for_a_household_that_voted_online_is_refused(world, vote):
    consultation, (a, b, _) = vote
    voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    with pytest.raises(InvalidTransition, match="déjà voté en ligne"):
        voting.record_ballot(
            world.staff,
            consultation,
            Channel.PAPER,
            [b.id],
            utcnow(),
            dwelling=world.dwellings[0],
        )
    [ballot] = ballots(consultation)
    assert ballot.channel is Channel.ONLINE
    assert [c.proposal_id for c in ballot.choices] == [a.id]


def test_an_online_vote_after_a_paper_ballot_is_refused(world, vote):
    consultation, (a, b, _) = vote
    voting.record_ballot(
        world.staff,
        consultation,
        Channel.MEETING,
        [b.id],
        utcnow(),
        dwelling=world.dwellings[0],
    )
    with pytest.raises(InvalidTransition, match="bulletin papier ou de réunion"):
        voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    assert voting.ballot_state(world.resident, consultation).paper
    with pytest.raises(InvalidTransition, match="déjà été enregistré"):
        voting.record_ballot(
            world.staff,
            consultation,
            Channel.PAPER,
            [a.id],
            utcnow(),
            dwelling=world.dwellings[0],
        )
    [ballot] = ballots(consultation)
    assert ballot.entered_by_id == world.staff.id
    assert_tallies_match_recount(consultation)


def test_staff_record_paper_ballots_only_inside_the_place(world, vote):
    consultation, (a, _, _) = vote
    with pytest.raises(ValidationError, match="ne fait pas partie du lieu"):
        voting.record_ballot(
            world.staff,
            consultation,
            Channel.PAPER,
            [a.id],
            utcnow(),
            dwelling=world.other_dwellings[0],
        )
    with pytest.raises(PermissionDenied):
        voting.record_ballot(
            world.other_staff,
            consultation,
            Channel.PAPER,
            [a.id],
            utcnow(),
            dwelling=world.dwellings[1],
        )
    assert ballots(consultation) == []


def test_hidden_proposals_are_not_on_the_ballot(world, vote):
    consultation, (a, b, _) = vote
    b.hide(world.staff, "Propos injurieux", utcnow())
    db.session.commit()
    with pytest.raises(ValidationError):
        voting.cast_ballot(world.resident, consultation, [b.id], utcnow())
    assert [p.id for p in voting.votable_proposals(consultation)] == [
        a.id,
        vote[1][2].id,
    ]


def test_simultaneous_submissions_of_one_ballot_leave_exactly_one(app, world, vote):
    """Double clicks and parallel requests race on the unique constraint, never on
    a check-then-insert: one ballot, tallies equal to a recount."""
    consultation, (a, b, c) = vote
    consultation_id, user_id = consultation.id, world.resident.id
    attempts = 8
    barrier = threading.Barrier(attempts)
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        with app.app_context():
            try:
                from participation.models import Consultation, User

                voter = db.session.get(User, user_id)
                target = db.session.get(Consultation, consultation_id)
                choice = [a.id, b.id] if index % 2 else [c.id]
                barrier.wait()
                voting.cast_ballot(voter, target, choice, utcnow())
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(ballots(consultation)) == 1
    choices = db.session.scalars(db.select(BallotChoice)).all()
    assert {c.proposal_id for c in choices} in ({a.id, b.id}, {c.id})
    assert_tallies_match_recount(consultation)


def test_the_voters_home_is_the_same_read_from_loaded_residencies_or_from_sql(
    world, count_queries
):
    """A resident with a home elsewhere, then two in the building: the first home
    inside the consultation's place (lowest residency), whether read with SQL or
    from residencies already loaded (then without any query)."""
    inside = factories.consultation(world.building, Phase.VOTING)
    elsewhere = factories.consultation(world.other_building, Phase.VOTING)
    person = factories.resident_of(world.other_dwellings[1])
    for dwelling in (world.dwellings[2], world.dwellings[1]):
        db.session.add(
            Residency(
                user=person,
                dwelling=dwelling,
                method=VerificationMethod.INVITATION_CODE,
                verified_at=utcnow(),
            )
        )
    db.session.commit()
    expected = {inside: world.dwellings[2], elsewhere: world.other_dwellings[1]}
    for target, home in expected.items():
        db.session.expire_all()
        target.place  # noqa: B018  (loaded, as the permission check has it)
        assert "residencies" in db.inspect(person).unloaded
        assert voting.voter_home(person, target) == home  # with SQL
        for residency in person.current_residencies:
            residency.dwelling.place  # noqa: B018  (as load_user loads them)
        with count_queries() as statements:
            assert voting.voter_home(person, target) == home
        assert statements == []
