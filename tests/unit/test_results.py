"""Results from the stored tallies, against small examples worked out by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from participation.extensions import db
from participation.models import Channel, Dwelling, Phase, VotingMethod
from participation.services import PermissionDenied, voting
from participation.timeutil import utcnow
from tests import factories


def households(world, count: int) -> list:
    """``count`` more dwellings in the world's building, each with a resident."""
    homes = [
        Dwelling(
            landlord_id=world.landlord.id, place=world.building, reference=f"H-{i}"
        )
        for i in range(count)
    ]
    db.session.add_all(homes)
    db.session.commit()
    return [factories.resident_of(home) for home in homes]


def test_approval_results_with_participation_quorum_and_channels(world):
    """10 households (3 + 7). Ballots: A+B, A, A+C, B online; A on paper; C at a
    meeting → 6 ballots: A 4 (67 %), B 2, C 2; participation 6/10; quorum 50 % met."""
    consultation = factories.consultation(
        world.territory, Phase.VOTING, quorum_percent=50
    )
    a, b, c = (factories.proposal(consultation, world.resident) for _ in range(3))
    voters = households(world, 7)
    now = utcnow()
    for voter, choice in zip(
        voters, [[a.id, b.id], [a.id], [a.id, c.id], [b.id]], strict=False
    ):
        voting.cast_ballot(voter, consultation, choice, now)
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
    result = voting.results(consultation)
    assert result.ballots == 6
    assert result.by_channel == {
        Channel.ONLINE: 4,
        Channel.PAPER: 1,
        Channel.MEETING: 1,
    }
    assert result.eligible == 10
    assert result.participation == Fraction(6, 10)
    assert result.quorum_met is True
    assert [(r.proposal.id, r.support, r.rank) for r in result.rows] == [
        (a.id, 4, 1),
        (b.id, 2, 2),
        (c.id, 2, 2),
    ]
    assert result.rows[0].share == Fraction(4, 6)


def test_quorum_missed_and_no_quorum(world):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, quorum_percent=50
    )
    a = factories.proposal(consultation, world.resident)
    voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    result = voting.results(consultation)
    assert (result.participation, result.quorum_met) == (Fraction(1, 3), False)
    consultation.quorum_percent = None
    assert voting.results(consultation).quorum_met is None


def test_majority_judgment_results_rank_by_median_and_gauge(world):
    """Four households grade two proposals. A: Très bien, Bien, Bien, Passable →
    median (lower of the 2nd and 3rd) Bien, 1 better, 1 worse → Bien −25 %.
    B: Excellent, Bien, Bien, Insuffisant → Bien −25 % too: they share rank 1."""
    consultation = factories.consultation(
        world.territory, Phase.VOTING, method=VotingMethod.MAJORITY_JUDGMENT
    )
    a, b = (factories.proposal(consultation, world.resident) for _ in range(2))
    voters = [world.resident, *households(world, 3)]
    for voter, grades in zip(voters, [(1, 0), (2, 2), (2, 2), (4, 5)], strict=True):
        voting.cast_ballot(
            voter, consultation, {a.id: grades[0], b.id: grades[1]}, utcnow()
        )
    result = voting.results(consultation)
    rows = {r.proposal.id: r for r in result.rows}
    assert rows[a.id].grades == [0, 1, 2, 0, 1, 0, 0]
    assert rows[b.id].grades == [1, 0, 2, 0, 0, 1, 0]
    assert (rows[a.id].gauge.grade, rows[a.id].gauge.sign) == (2, "-")
    assert rows[a.id].gauge.share == Fraction(1, 4)
    assert rows[a.id].rank == rows[b.id].rank == 1
    # "Assez bien" or better counts as support: A 3, B 3
    assert (rows[a.id].support, rows[b.id].support) == (3, 3)


def test_budget_results_fund_by_support_within_the_budget(world):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, method=VotingMethod.BUDGET, budget=10_000
    )
    big = factories.proposal(consultation, world.resident, estimated_cost=8_000)
    small = factories.proposal(consultation, world.resident, estimated_cost=3_000)
    mid = factories.proposal(consultation, world.resident, estimated_cost=2_000)
    voters = [world.resident, *households(world, 2)]
    for voter, choice in zip(
        voters, [[big.id], [big.id, mid.id], [small.id, mid.id]], strict=True
    ):
        voting.cast_ballot(voter, consultation, choice, utcnow())
    result = voting.results(consultation)
    funded = {r.proposal.id for r in result.rows if r.funded}
    # big (2 supports, 8 000) then mid (2, cheaper first: 2 000) → 10 000; small out
    assert funded == {big.id, mid.id}
    assert result.budget_spent == 10_000


def test_hidden_proposals_leave_the_results(world):
    consultation = factories.consultation(world.territory, Phase.VOTING)
    kept, hidden = (factories.proposal(consultation, world.resident) for _ in range(2))
    voting.cast_ballot(world.resident, consultation, [kept.id, hidden.id], utcnow())
    hidden.hide(world.staff, "Hors sujet", utcnow())
    db.session.commit()
    assert [r.proposal.id for r in voting.results(consultation).rows] == [kept.id]


def test_results_stay_hidden_until_the_vote_closes(world):
    consultation = factories.consultation(world.territory, Phase.VOTING)
    with pytest.raises(PermissionDenied):
        voting.require_results(world.staff, consultation, utcnow())
    consultation.live_results = True
    assert voting.require_results(world.resident, consultation, utcnow()).ballots == 0


def test_the_anonymous_ballot_export_names_nobody(app, world):
    consultation = factories.consultation(world.territory, Phase.VOTING)
    a = factories.proposal(consultation, world.resident)
    voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    voting.record_ballot(
        world.staff,
        consultation,
        Channel.PAPER,
        [a.id],
        utcnow(),
        dwelling=world.dwellings[1],
    )
    lines = list(voting.export_ballots(consultation))
    assert lines[0].strip() == "bulletin,canal,proposition,choix"
    assert len(lines) == 3
    text = "".join(lines)
    for secret in (
        world.resident.email,
        world.resident.display_name,
        "REF-",
        "person:",
    ):
        assert secret not in text
