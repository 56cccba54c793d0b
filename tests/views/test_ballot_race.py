"""Double clicks and parallel submissions of a ballot, through the real view."""

from __future__ import annotations

import threading

from participation.extensions import db
from participation.models import Ballot, Channel, Dwelling, Phase
from participation.services import voting
from tests import factories

ATTEMPTS = 8


def test_parallel_posts_of_one_ballot_leave_exactly_one_ballot(app, world, login):
    """Eight logged-in tabs of the same household post their ballot at the same
    instant: every request answers without a server error, one ballot exists, and
    the stored totals equal a recount."""
    consultation = factories.consultation(world.territory, Phase.VOTING)
    first, second = (factories.proposal(consultation, world.resident) for _ in "ab")
    flatmate = factories.resident_of(world.dwellings[0])
    tabs = []
    for index in range(ATTEMPTS):
        tab = app.test_client()
        voter = world.resident if index % 4 else flatmate
        response = tab.post(
            "/compte/connexion",
            data={"email": voter.email, "password": factories.PASSWORD},
        )
        assert response.status_code == 302
        tabs.append(tab)
    url = f"/consultations/{consultation.id}/vote"
    first_id, second_id = first.id, second.id
    barrier = threading.Barrier(ATTEMPTS)
    statuses: list[int] = []

    def submit(index: int) -> None:
        choice = first_id if index % 2 else second_id
        barrier.wait()
        statuses.append(tabs[index].post(url, data={"choices": [choice]}).status_code)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * ATTEMPTS
    db.session.expire_all()
    assert (
        db.session.scalar(
            db.select(db.func.count(Ballot.id)).filter_by(
                consultation_id=consultation.id
            )
        )
        == 1
    )
    assert voting.stored_totals(consultation) == voting.recount(consultation)
    recount = voting.full_recount(consultation)
    assert recount.differences == []
    assert recount.stored_channels[Channel.ONLINE] == 1
    assert first.support_count + second.support_count == 1


def test_parallel_ballots_of_different_households_all_count(app, world):
    """Eight households vote at the same instant: eight ballots, and the channel
    counter says eight (an atomic increment: a read-modify-write would lose some
    on PostgreSQL)."""
    consultation = factories.consultation(world.territory, Phase.VOTING)
    proposal = factories.proposal(consultation, world.resident)
    homes = [
        Dwelling(
            landlord_id=world.landlord.id, place=world.building, reference=f"R-{n}"
        )
        for n in range(ATTEMPTS)
    ]
    db.session.add_all(homes)
    db.session.commit()
    voters = [factories.resident_of(home) for home in homes]
    tabs = []
    for voter in voters:
        tab = app.test_client()
        response = tab.post(
            "/compte/connexion",
            data={"email": voter.email, "password": factories.PASSWORD},
        )
        assert response.status_code == 302
        tabs.append(tab)
    url = f"/consultations/{consultation.id}/vote"
    choice = proposal.id
    barrier = threading.Barrier(ATTEMPTS)
    statuses: list[int] = []

    def submit(index: int) -> None:
        barrier.wait()
        statuses.append(tabs[index].post(url, data={"choices": [choice]}).status_code)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * ATTEMPTS
    db.session.expire_all()
    recount = voting.full_recount(consultation)
    assert recount.differences == []
    assert recount.channels[Channel.ONLINE] == ATTEMPTS
    assert voting.channel_counts(consultation)[Channel.ONLINE] == ATTEMPTS
    assert proposal.support_count == ATTEMPTS
