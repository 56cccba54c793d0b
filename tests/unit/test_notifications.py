"""Who hears of what: phase announcements, answers, moderation, comments; unread
counts, marking as read and each person's preferences."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from participation.extensions import db
from participation.models import (
    Consultation,
    Dwelling,
    Notification,
    NotificationKind,
    Phase,
    ProposalStatus,
    Residency,
    VerificationMethod,
)
from participation.services import notifications, proposals
from participation.services.places import add_place
from participation.timeutil import utcnow
from tests import factories

OPENED = NotificationKind.CONSULTATION_OPENED
CHANGED = NotificationKind.PHASE_CHANGED
ANSWERED = NotificationKind.PROPOSAL_ANSWERED
MODERATED = NotificationKind.PROPOSAL_MODERATED
COMMENTED = NotificationKind.PROPOSAL_COMMENTED


def received(user) -> list[tuple[NotificationKind, dict]]:
    """What ``user`` was told, oldest first."""
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(Notification)
        .filter_by(user_id=user.id)
        .order_by(Notification.created_at, Notification.id)
    )
    return [(n.kind, n.details) for n in rows]


def kinds(user) -> list[NotificationKind]:
    return [kind for kind, _ in received(user)]


def later(consultation: Consultation, phase: Phase):
    """An instant inside ``phase`` of ``consultation``."""
    return consultation.starts(phase) + timedelta(minutes=1)


# Phase announcements ----------------------------------------------------------------


def test_residents_hear_once_that_a_consultation_opens_then_once_per_phase(world):
    now = utcnow()
    consultation = factories.consultation(world.territory, Phase.IDEAS, now)
    assert notifications.announce_phase(consultation, now) is True
    assert notifications.announce_phase(consultation, now) is False
    assert received(world.resident) == [(OPENED, {"phase": "ideas"})]
    for phase in (Phase.VOTING, Phase.RESULTS, Phase.FOLLOW_UP):
        moment = later(consultation, phase)
        assert notifications.announce_phase(consultation, moment) is True
        assert notifications.announce_phase(consultation, moment) is False
    assert received(world.resident) == [
        (OPENED, {"phase": "ideas"}),
        (CHANGED, {"phase": "voting"}),
        (CHANGED, {"phase": "results"}),
        (CHANGED, {"phase": "follow_up"}),
    ]
    assert consultation.announced_phase is Phase.FOLLOW_UP


def test_a_consultation_first_seen_after_it_opened_is_announced_as_opening(world):
    now = utcnow()
    consultation = factories.consultation(world.building, Phase.VOTING, now)
    notifications.announce_phase(consultation, now)
    assert received(world.resident) == [(OPENED, {"phase": "voting"})]


def test_a_draft_announces_nothing(world):
    now = utcnow()
    consultation = factories.consultation(world.territory, Phase.DRAFT, now)
    assert notifications.announce_phase(consultation, now) is False
    assert received(world.resident) == []
    assert consultation.announced_phase is Phase.DRAFT


def test_only_current_active_residents_of_the_place_who_want_it_hear(world):
    now = utcnow()
    sibling = add_place(world.landlord, world.residence, "Bâtiment B")
    elsewhere = Dwelling(landlord_id=world.landlord.id, place=sibling, reference="B1")
    db.session.add(elsewhere)
    db.session.commit()
    neighbour = factories.resident_of(elsewhere)
    moved_out = factories.resident_of(world.dwellings[1])
    moved_out.residencies[0].end(now)
    inactive = factories.resident_of(world.dwellings[1], active=False)
    opted_out = factories.resident_of(world.dwellings[2])
    notifications.set_preferences(opted_out, [CHANGED])
    listener = factories.resident_of(world.dwellings[2])
    db.session.commit()

    consultation = factories.consultation(world.building, Phase.IDEAS, now)
    notifications.announce_phase(consultation, now)

    assert kinds(world.resident) == kinds(listener) == [OPENED]
    for nobody in (
        neighbour,
        moved_out,
        inactive,
        opted_out,
        world.other_resident,
        world.newcomer,
        world.staff,
        world.partner,
        world.admin,
    ):
        assert received(nobody) == [], nobody


def test_a_resident_with_two_homes_in_the_place_hears_once(world):
    now = utcnow()
    db.session.add(
        Residency(
            user=world.resident,
            dwelling=world.dwellings[1],
            method=VerificationMethod.INVITATION_CODE,
            verified_at=now,
        )
    )
    db.session.commit()
    consultation = factories.consultation(world.territory, Phase.IDEAS, now)
    notifications.announce_phase(consultation, now)
    assert kinds(world.resident) == [OPENED]


def test_announce_phase_changes_tells_each_moved_consultation_once(world):
    now = utcnow()
    ideas = factories.consultation(world.territory, Phase.IDEAS, now)
    # Opened an hour ago, voting in 23 hours.
    steady = factories.consultation(
        world.residence, Phase.IDEAS, now + timedelta(hours=11)
    )
    factories.consultation(world.territory, Phase.DRAFT, now)
    assert notifications.announce_phase_changes(now) == 2
    assert notifications.announce_phase_changes(now) == 0
    assert kinds(world.resident) == [OPENED, OPENED]

    moment = later(ideas, Phase.VOTING)  # ideas moves on, steady stays
    assert steady.phase(moment) is Phase.IDEAS
    assert notifications.announce_phase_changes(moment) == 1
    assert received(world.resident)[-1] == (CHANGED, {"phase": "voting"})


def test_of_two_runs_racing_only_one_announces(world):
    """Another process (cron, or a staff action) announced the phase after this one
    loaded the consultation: this one announces nothing."""
    now = utcnow()
    consultation = factories.consultation(world.territory, Phase.IDEAS, now)
    assert consultation.announced_phase is Phase.DRAFT  # loaded, now stale
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(Consultation.__table__)
            .where(Consultation.__table__.c.id == consultation.id)
            .values(announced_phase="ideas")
        )
    assert notifications.announce_phase(consultation, now) is False
    assert received(world.resident) == []
    assert consultation.announced_phase is Phase.IDEAS


def test_a_consultation_in_follow_up_is_no_longer_looked_at(world, count_queries):
    now = utcnow()
    consultation = factories.consultation(world.territory, Phase.FOLLOW_UP, now)
    assert notifications.announce_phase_changes(now) == 1
    with count_queries() as statements:
        assert notifications.announce_phase_changes(now + timedelta(days=400)) == 0
    assert len(statements) == 1
    assert consultation.announced_phase is Phase.FOLLOW_UP


# Answers, moderation, comments ------------------------------------------------------


@pytest.fixture
def idea(world):
    """The world's resident proposed an idea in a consultation collecting ideas."""
    consultation = factories.consultation(world.territory, Phase.IDEAS)
    return factories.proposal(consultation, world.resident, title="Des bancs")


def test_the_author_hears_of_the_official_answer(world, idea):
    proposals.answer_proposal(
        world.staff, idea, ProposalStatus.UNDER_STUDY, "On regarde.", utcnow()
    )
    assert received(world.resident) == [(ANSWERED, {"status": "under_study"})]
    [notification] = db.session.scalars(db.select(Notification)).all()
    assert (notification.proposal_id, notification.consultation_id) == (
        idea.id,
        idea.consultation_id,
    )


def test_proposals_answered_tells_each_author(world, idea):
    neighbour = factories.resident_of(world.dwellings[1])
    second = factories.proposal(idea.consultation, neighbour)
    anonymous = factories.proposal(idea.consultation, None, entered_by=world.staff)
    for proposal in (idea, second, anonymous):
        proposal.status = ProposalStatus.SELECTED
    notifications.proposals_answered([idea, second, anonymous], utcnow())
    db.session.commit()
    assert received(world.resident) == [(ANSWERED, {"status": "selected"})]
    assert received(neighbour) == [(ANSWERED, {"status": "selected"})]
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 2


def test_the_author_hears_that_the_proposal_was_hidden_or_merged(world, idea):
    other = factories.proposal(idea.consultation, world.resident)
    proposals.hide_proposal(world.staff, idea, "Propos injurieux.", utcnow())
    proposals.mark_duplicate(
        world.staff, other, factories.proposal(idea.consultation, None), utcnow()
    )
    assert received(world.resident) == [
        (MODERATED, {"status": "hidden"}),
        (MODERATED, {"status": "duplicate"}),
    ]


def test_an_author_who_opted_out_of_a_kind_does_not_hear_of_it(world, idea):
    notifications.set_preferences(world.resident, [ANSWERED, COMMENTED])
    proposals.hide_proposal(world.staff, idea, "Propos injurieux.", utcnow())
    assert received(world.resident) == []


def test_an_inactive_author_hears_nothing(world, idea):
    world.resident.active = False
    db.session.commit()
    proposals.answer_proposal(
        world.staff, idea, ProposalStatus.SELECTED, "Bravo.", utcnow()
    )
    assert received(world.resident) == []


def test_a_comment_tells_the_author_of_the_proposal_but_never_oneself(world, idea):
    neighbour = factories.resident_of(world.dwellings[1])
    proposals.post_comment(world.resident, idea, "Je précise mon idée.", utcnow())
    assert received(world.resident) == []
    comment = proposals.post_comment(neighbour, idea, "Bonne idée !", utcnow())
    assert received(world.resident) == [(COMMENTED, {"comment_id": comment.id})]
    assert received(neighbour) == []


def test_a_reply_tells_the_author_of_the_comment_and_of_the_proposal(world, idea):
    neighbour = factories.resident_of(world.dwellings[1])
    comment = proposals.post_comment(neighbour, idea, "Où ça ?", utcnow())
    reply = proposals.post_comment(
        world.partner, idea, "Devant le bâtiment A.", utcnow(), parent=comment
    )
    assert received(neighbour) == [(COMMENTED, {"comment_id": reply.id})]
    assert received(world.resident)[-1] == (COMMENTED, {"comment_id": reply.id})
    assert kinds(world.resident) == [COMMENTED, COMMENTED]


def test_the_author_replying_on_their_own_proposal_tells_only_the_commenter(
    world, idea
):
    neighbour = factories.resident_of(world.dwellings[1])
    comment = proposals.post_comment(neighbour, idea, "Où ça ?", utcnow())
    proposals.post_comment(
        world.resident, idea, "Devant chez moi.", utcnow(), parent=comment
    )
    assert kinds(neighbour) == [COMMENTED]
    assert kinds(world.resident) == [COMMENTED]  # only the first comment


# Reading, marking, preferences ------------------------------------------------------


def notify_resident(world, times: int, now=None) -> list[Notification]:
    now = now or utcnow()
    consultation = factories.consultation(world.territory, Phase.IDEAS, now)
    for n in range(times):
        notifications.notify(
            [world.resident.id],
            CHANGED,
            now + timedelta(minutes=n),
            consultation=consultation,
            phase="voting",
        )
    db.session.commit()
    return list(db.session.scalars(notifications.notifications_query(world.resident)))


def test_notifications_come_newest_first_and_only_ones_own(world):
    mine = notify_resident(world, 3)
    notifications.notify([world.other_resident.id], CHANGED, utcnow(), phase="ideas")
    db.session.commit()
    assert [n.created_at for n in mine] == sorted(
        (n.created_at for n in mine), reverse=True
    )
    assert {n.user_id for n in mine} == {world.resident.id}


def test_unread_count_counts_only_unread_own_notifications(world):
    notify_resident(world, 3)
    assert notifications.unread_count(world.resident) == 3
    assert notifications.unread_count(world.other_resident) == 0


def test_mark_read_marks_one_of_ones_own(world):
    first, second, _ = notify_resident(world, 3)
    now = utcnow()
    assert notifications.mark_read(world.resident, now, first.id) == 1
    assert notifications.mark_read(world.resident, now, first.id) == 0  # already
    assert notifications.unread_count(world.resident) == 2
    db.session.refresh(first)
    assert first.read_at == now


def test_nobody_marks_someone_elses_notification(world):
    first, *_ = notify_resident(world, 2)
    assert notifications.mark_read(world.other_resident, utcnow(), first.id) == 0
    assert notifications.unread_count(world.resident) == 2


def test_mark_read_without_an_id_marks_all_of_ones_own(world):
    notify_resident(world, 3)
    notifications.notify([world.other_resident.id], CHANGED, utcnow(), phase="ideas")
    db.session.commit()
    assert notifications.mark_read(world.resident, utcnow()) == 3
    assert notifications.unread_count(world.resident) == 0
    assert notifications.unread_count(world.other_resident) == 1


def test_every_kind_is_on_by_default_and_preferences_switch_them(world):
    assert notifications.disabled_kinds(world.resident) == set()
    notifications.set_preferences(world.resident, [OPENED, ANSWERED])
    assert notifications.disabled_kinds(world.resident) == set(NotificationKind) - {
        OPENED,
        ANSWERED,
    }
    assert {CHANGED, MODERATED, COMMENTED} <= notifications.disabled_kinds(
        world.resident
    )
    notifications.set_preferences(world.resident, list(NotificationKind))
    assert notifications.disabled_kinds(world.resident) == set()
    notifications.set_preferences(world.resident, [])
    assert notifications.disabled_kinds(world.resident) == set(NotificationKind)
    assert notifications.disabled_kinds(world.other_resident) == set()
