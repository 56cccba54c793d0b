"""Who may do what in a consultation: the role × phase rule tables."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_login import AnonymousUserMixin

from participation import permissions
from participation.models import Phase, ProposalStatus
from tests import factories

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
D, IDEAS, V, R, F = (
    Phase.DRAFT,
    Phase.IDEAS,
    Phase.VOTING,
    Phase.RESULTS,
    Phase.FOLLOW_UP,
)
ALL = {D, IDEAS, V, R, F}
PEOPLE = [
    "anonymous",
    "resident",
    "other_resident",
    "newcomer",
    "partner",
    "staff",
    "other_staff",
    "admin",
]

#: person → phases in which the predicate says yes.
RULES = {
    "can_view_consultation": {
        "anonymous": ALL - {D},
        "resident": ALL - {D},
        "other_resident": ALL - {D},
        "newcomer": ALL - {D},
        "partner": ALL - {D},
        "staff": ALL,
        "other_staff": ALL - {D},
        "admin": ALL,
    },
    "can_propose": {"resident": {IDEAS}},
    "can_propose_on_behalf": {"staff": {D, IDEAS}, "admin": {D, IDEAS}},
    "can_vote": {"resident": {V}},
    "can_record_ballot": {"staff": {V}, "admin": {V}},
    "can_see_results": {p: {R, F} for p in PEOPLE if p != "staff"} | {"staff": {R, F}},
    "can_publish_outcome": {"staff": {R, F}, "admin": {R, F}},
    "can_manage_consultation": {"staff": ALL, "admin": ALL},
}
COMMENT_RULE = {
    "resident": {IDEAS, V, R},
    "partner": {IDEAS, V, R},
    "staff": {IDEAS, V, R},
    "admin": {IDEAS, V, R},
}


def person(world, name):
    return AnonymousUserMixin() if name == "anonymous" else getattr(world, name)


def call(predicate, user, consultation):
    function = getattr(permissions, predicate)
    try:
        return function(user, consultation, NOW)
    except TypeError:
        return function(user, consultation)


@pytest.mark.parametrize("predicate", sorted(RULES))
@pytest.mark.parametrize("phase", list(Phase))
def test_consultation_rules(world, predicate, phase):
    consultation = factories.consultation(world.territory, phase, now=NOW)
    for name in PEOPLE:
        expected = phase in RULES[predicate].get(name, set())
        assert call(predicate, person(world, name), consultation) is expected, (
            f"{predicate} for {name} in {phase}"
        )


@pytest.mark.parametrize("phase", list(Phase))
def test_who_discusses_a_proposal_in_which_phase(world, phase):
    consultation = factories.consultation(world.territory, phase, now=NOW)
    proposal = factories.proposal(consultation, world.resident)
    for name in PEOPLE:
        expected = phase in COMMENT_RULE.get(name, set())
        assert (
            permissions.can_comment(person(world, name), proposal, NOW) is expected
        ), f"{name} in {phase}"


def test_live_results_show_during_the_vote(world):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, now=NOW, live_results=True
    )
    assert permissions.can_see_results(AnonymousUserMixin(), consultation, NOW)


def test_residents_take_part_only_where_they_live_now(world):
    consultation = factories.consultation(world.building, Phase.IDEAS, now=NOW)
    assert permissions.can_propose(world.resident, consultation, NOW)
    [residency] = world.resident.current_residencies
    residency.end(NOW)
    assert not permissions.can_propose(world.resident, consultation, NOW)
    below = factories.consultation(world.entrance, Phase.IDEAS, now=NOW)
    mover = factories.resident_of(world.dwellings[1])
    assert not permissions.can_propose(mover, below, NOW)  # lives in the building


@pytest.mark.parametrize(
    ("phase", "status", "author_may_edit"),
    [
        (IDEAS, ProposalStatus.PUBLISHED, True),
        (D, ProposalStatus.PUBLISHED, True),
        (V, ProposalStatus.PUBLISHED, False),
        (IDEAS, ProposalStatus.HIDDEN, False),
        (IDEAS, ProposalStatus.UNDER_STUDY, False),
        (IDEAS, ProposalStatus.WITHDRAWN, False),
    ],
)
def test_authors_edit_and_withdraw_until_voting_starts(
    world, phase, status, author_may_edit
):
    consultation = factories.consultation(world.territory, phase, now=NOW)
    proposal = factories.proposal(consultation, world.resident, status=status)
    assert permissions.can_edit_proposal(world.resident, proposal, NOW) is (
        author_may_edit
    )
    assert permissions.can_withdraw_proposal(world.resident, proposal, NOW) is (
        author_may_edit
    )
    for other in (world.other_resident, world.staff, world.admin):
        assert not permissions.can_edit_proposal(other, proposal, NOW)
        assert not permissions.can_withdraw_proposal(other, proposal, NOW)


def test_staff_edit_the_ideas_they_typed_in_for_someone(world):
    consultation = factories.consultation(world.territory, IDEAS, now=NOW)
    proposal = factories.proposal(
        consultation, None, entered_by=world.staff, on_behalf_of="Mme Diallo"
    )
    assert permissions.can_edit_proposal(world.staff, proposal, NOW)
    assert not permissions.can_edit_proposal(world.other_staff, proposal, NOW)
    assert not permissions.can_withdraw_proposal(world.staff, proposal, NOW)


def test_hidden_proposals_are_seen_by_their_author_and_staff_only(world):
    consultation = factories.consultation(world.territory, IDEAS, now=NOW)
    proposal = factories.proposal(
        consultation, world.resident, status=ProposalStatus.HIDDEN
    )
    assert permissions.can_view_proposal(world.resident, proposal, NOW)
    assert permissions.can_view_proposal(world.staff, proposal, NOW)
    assert not permissions.can_view_proposal(world.other_resident, proposal, NOW)
    assert not permissions.can_view_proposal(AnonymousUserMixin(), proposal, NOW)


def test_nobody_reports_their_own_text_and_visitors_report_nothing(world):
    assert permissions.can_report(world.other_resident, world.resident.id)
    assert not permissions.can_report(world.resident, world.resident.id)
    assert not permissions.can_report(AnonymousUserMixin(), world.resident.id)
