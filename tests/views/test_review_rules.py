"""Rules found by review: ballots stay consistent while voting, outcomes can be
corrected, comment moderation is explained to its author, nothing leaks."""

from __future__ import annotations

import html

import pytest

from participation.extensions import db
from participation.models import (
    Notification,
    NotificationKind,
    Phase,
    Proposal,
    ProposalStatus,
    VoterUnit,
)
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    consultations,
    proposals,
    voting,
)
from participation.timeutil import utcnow
from tests import factories

IDEA = {"title": "Des bancs au soleil", "body": "Trois bancs près de l'entrée A."}


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (ProposalStatus.UNDER_STUDY, True),  # stays on the ballot
        (ProposalStatus.NOT_RETAINED, False),  # would leave it
        (ProposalStatus.DONE, False),
    ],
)
def test_during_the_vote_an_answer_never_moves_a_proposal_on_or_off_the_ballot(
    world, status, allowed
):
    consultation = factories.consultation(world.territory, Phase.VOTING)
    proposal = factories.proposal(consultation, world.resident)
    answer = "Trop cher pour cette année, nous le reverrons."
    if allowed:
        proposals.answer_proposal(world.staff, proposal, status, answer, utcnow())
        assert proposal.status is status
    else:
        with pytest.raises(InvalidTransition, match="Pendant le vote"):
            proposals.answer_proposal(world.staff, proposal, status, answer, utcnow())
        db.session.expire_all()
        assert proposal.status is ProposalStatus.PUBLISHED


def test_a_proposal_turned_down_before_the_vote_is_not_in_the_results(world):
    consultation = factories.consultation(world.territory, Phase.VOTING)
    kept = factories.proposal(consultation, world.resident)
    factories.proposal(consultation, world.resident, status=ProposalStatus.NOT_RETAINED)
    voting.cast_ballot(world.resident, consultation, [kept.id], utcnow())
    assert [row.proposal.id for row in voting.results(consultation).rows] == [kept.id]


def test_correcting_the_outcome_unselects_what_is_no_longer_ticked(world):
    consultation = factories.consultation(world.territory, Phase.RESULTS)
    first, second = (factories.proposal(consultation, world.resident) for _ in "ab")
    consultations.publish_outcome(
        world.staff, consultation, [first], "Nous retenons la première idée.", utcnow()
    )
    consultations.publish_outcome(
        world.staff, consultation, [second], "Correction : la seconde idée.", utcnow()
    )
    db.session.expire_all()
    assert first.status is ProposalStatus.UNDER_STUDY
    assert second.status is ProposalStatus.SELECTED


def test_a_hidden_comment_is_explained_to_its_author_only(client, login, world):
    consultation = factories.consultation(world.territory, Phase.IDEAS)
    proposal = factories.proposal(consultation, world.resident)
    neighbour = factories.resident_of(world.dwellings[1])
    comment = proposals.post_comment(
        neighbour, proposal, "Un avis un peu vif.", utcnow()
    )
    proposals.hide_comment(world.staff, comment, "Propos blessants", utcnow())

    notice = db.session.scalars(
        db.select(Notification).filter_by(
            user_id=neighbour.id, kind=NotificationKind.PROPOSAL_MODERATED
        )
    ).one()
    assert notice.details["comment_id"] == comment.id
    login(neighbour)
    page = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    page = html.unescape(page)
    assert "Un avis un peu vif." in page and "Propos blessants" in page
    client.post("/compte/deconnexion")
    login(world.other_resident)
    page = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert "Un avis un peu vif." not in page and "Propos blessants" not in page
    notifications = client.get("/notifications/")
    assert notifications.status_code == 200


def test_a_duplicate_does_not_reveal_a_hidden_original(client, login, world):
    consultation = factories.consultation(world.territory, Phase.IDEAS)
    original = factories.proposal(consultation, world.other_resident, title="Secret")
    duplicate = factories.proposal(consultation, world.resident)
    proposals.mark_duplicate(world.staff, duplicate, original, utcnow())
    proposals.hide_proposal(world.staff, original, "Hors charte", utcnow())
    login(world.resident)
    page = client.get(f"/propositions/{duplicate.id}").get_data(as_text=True)
    assert "Doublon" in page
    assert "Secret" not in page


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1 500 €", 1500), ("1.500", 1500), ("12.50", None), ("1500,00", None)],
)
def test_costs_are_whole_euros_never_cents_read_as_thousands(
    client, login, world, typed, stored
):
    consultation = factories.consultation(world.territory, Phase.IDEAS)
    login(world.resident)
    response = client.post(
        f"/propositions/nouvelle/{consultation.id}",
        data={**IDEA, "estimated_cost": typed},
    )
    saved = db.session.scalar(db.select(Proposal).filter_by(title=IDEA["title"]))
    if stored is None:
        assert response.status_code == 200
        assert "sans centimes" in response.get_data(as_text=True)
        assert saved is None
    else:
        assert response.status_code == 302
        assert saved.estimated_cost == stored


def test_anonymous_ballots_are_exported_only_after_the_vote_even_when_live(
    client, login, world
):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, live_results=True
    )
    login(world.staff)
    response = client.get(f"/consultations/{consultation.id}/export/bulletins.csv")
    assert response.status_code == 302
    assert "bulletins.csv" not in client.get(
        f"/consultations/{consultation.id}"
    ).get_data(as_text=True)


def test_the_paper_ballot_form_does_not_tell_which_emails_have_an_account(
    client, login, world
):
    consultation = factories.consultation(
        world.territory, Phase.VOTING, voter_unit=VoterUnit.PERSON
    )
    proposal = factories.proposal(consultation, world.resident)
    login(world.staff)
    answers = []
    for email in (world.other_resident.email, "personne@nulle-part.fr"):
        response = client.post(
            f"/consultations/{consultation.id}/bulletins",
            data={"channel": "paper", "voter": email, "choices": [proposal.id]},
        )
        answers.append(
            "n'est pas habitant·e vérifié·e du lieu"
            in html.unescape(response.get_data(as_text=True))
        )
    assert answers == [True, True]


def test_a_deactivated_resident_no_longer_votes(world):
    consultation = factories.consultation(world.territory, Phase.VOTING)
    proposal = factories.proposal(consultation, world.resident)
    world.resident.active = False
    db.session.commit()
    with pytest.raises(PermissionDenied):
        voting.cast_ballot(world.resident, consultation, [proposal.id], utcnow())
