"""The demo data: four consultations, one per stage, built through the real
services, so that their tallies, notifications and audit trail are consistent."""

from __future__ import annotations

import time

import pytest

from participation import permissions
from participation.extensions import db
from participation.models import (
    AuditEvent,
    Channel,
    Consultation,
    Notification,
    Phase,
    Proposal,
    ProposalStatus,
    Role,
    User,
    VotingMethod,
)
from participation.services import consultations, demo, notifications, voting
from participation.timeutil import utcnow


@pytest.fixture
def seeded(app):
    """The demo, loaded at ``now``; returns ``now``."""
    now = utcnow()
    started = time.perf_counter()
    demo.seed_demo(now)
    seconds = time.perf_counter() - started
    assert seconds < 10, f"seed-demo took {seconds:.1f} s"
    return now


def consultation(title_start: str) -> Consultation:
    return db.session.scalars(
        db.select(Consultation).where(Consultation.title.startswith(title_start))
    ).one()


def listed(item: Consultation) -> list[Proposal]:
    return db.session.scalars(
        db.select(Proposal)
        .filter_by(consultation_id=item.id)
        .where(Proposal.status.in_([s for s in ProposalStatus if s.is_listed]))
        .order_by(Proposal.id)
    ).all()


def account(email_start: str) -> User:
    return db.session.scalars(
        db.select(User).where(User.email.startswith(f"{email_start}@"))
    ).one()


def test_there_is_one_consultation_per_stage(seeded):
    phases = {
        c.title: c.phase(seeded) for c in db.session.scalars(db.select(Consultation))
    }
    assert sorted(phases.values()) == sorted(
        [Phase.VOTING, Phase.IDEAS, Phase.RESULTS, Phase.DRAFT]
    )


def test_the_bulky_waste_vote_is_open_with_consistent_tallies(seeded):
    waste = consultation("Encombrants")
    assert waste.phase(seeded) is Phase.VOTING
    assert (waste.method, waste.max_choices, waste.quorum_percent) == (
        VotingMethod.APPROVAL,
        3,
        20,
    )
    assert not waste.results_visible(seeded)
    assert 6 <= len(listed(waste)) <= 7
    assert voting.stored_totals(waste) == voting.recount(waste)
    assert voting.channel_counts(waste) == {
        Channel.ONLINE: 10,
        Channel.PAPER: 3,
        Channel.MEETING: 1,
    }


def test_the_bulky_waste_ideas_include_ideas_collected_in_person(seeded):
    waste = consultation("Encombrants")
    in_person = [p for p in listed(waste) if p.collected_in_person]
    assert sorted(p.on_behalf_of for p in in_person) == ["", "Mme Diallo"]
    assert {p.entered_by.email for p in in_person} == {"gardien@demo.faireavec.fr"}
    assert [p.status for p in listed(waste)].count(ProposalStatus.UNDER_STUDY) == 1
    assert sum(p.comment_count for p in listed(waste)) >= 6


def test_demo_residents_can_still_try_voting(seeded):
    waste = consultation("Encombrants")
    first = account("habitant1")
    assert permissions.can_vote(first, waste, seeded)
    assert voting.ballot_state(first, waste).ballot is None


def test_the_gardens_collect_ideas_in_one_residence(seeded):
    gardens = consultation("Jardins partagés")
    assert gardens.phase(seeded) is Phase.IDEAS
    assert gardens.place.name == "Résidence Le Clos des Lilas"
    assert 2 <= len(listed(gardens)) <= 3
    assert permissions.can_propose(account("habitant1"), gardens, seeded)
    assert not permissions.can_propose(account("habitant12"), gardens, seeded)


def test_the_playground_has_results_and_a_published_outcome(seeded):
    playground = consultation("Aire de jeux")
    assert playground.phase(seeded) is Phase.RESULTS
    assert playground.method is VotingMethod.MAJORITY_JUDGMENT
    assert playground.outcome_published_at is not None
    assert voting.stored_totals(playground) == voting.recount(playground)
    results = voting.results(playground)
    winner = results.rows[0].proposal
    assert winner.status is ProposalStatus.SELECTED
    assert f"« {winner.title} »" in playground.outcome
    assert results.quorum_met is True
    statuses = [p.status for p in listed(playground)]
    assert statuses.count(ProposalStatus.SELECTED) == 1
    assert statuses.count(ProposalStatus.NOT_RETAINED) >= 1
    for proposal in listed(playground):
        if proposal.status is ProposalStatus.NOT_RETAINED:
            assert len(proposal.answer) >= 10


def test_the_draft_is_seen_by_staff_only(seeded):
    draft = consultation("Rénovation des halls")
    assert draft.phase(seeded) is Phase.DRAFT
    resident, staff = account("habitant6"), account("equipe")
    assert not permissions.can_view_consultation(resident, draft, seeded)
    assert permissions.can_view_consultation(staff, draft, seeded)
    seen_by = {
        who.email: set(
            db.session.scalars(consultations.consultations_query(who, seeded))
        )
        for who in (resident, staff)
    }
    assert draft not in seen_by[resident.email]
    assert draft in seen_by[staff.email]
    assert len(seen_by[resident.email]) == 3


def test_residents_have_a_few_notifications_and_nothing_is_left_to_announce(seeded):
    residents = db.session.scalars(
        db.select(User).filter_by(role=Role.RESIDENT).where(User.residencies.any())
    ).all()
    counts = [notifications.unread_count(r) for r in residents]
    assert all(2 <= count <= 10 for count in counts), counts
    draft = consultation("Rénovation des halls")
    assert (
        db.session.scalar(
            db.select(db.func.count(Notification.id)).filter_by(
                consultation_id=draft.id
            )
        )
        == 0
    )
    assert notifications.announce_phase_changes(seeded) == 0


def test_staff_actions_are_in_the_audit_trail(seeded):
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions.count("consultation.create") == 4
    assert actions.count("ballot.record") == 4 + 3
    assert actions.count("proposal.enter_on_behalf") == 2
    assert actions.count("consultation.publish_outcome") == 1


def test_a_demo_resident_reads_their_notifications(seeded, make_app):
    browser = make_app().test_client()
    browser.post(
        "/compte/connexion",
        data={"email": "habitant1@demo.faireavec.fr", "password": demo.PASSWORD},
    )
    page = browser.get("/notifications/").get_data(as_text=True)
    assert "Encombrants" in page
    assert "Notifications" in browser.get("/").get_data(as_text=True)
