"""Voting pages through the real app: ballots for each method, paper and meeting
ballots, results and their charts, the published outcome, CSV exports; who may
open what and when; secrecy; bad input; double submission; query counts."""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
from datetime import timedelta

import pytest

from participation.extensions import db
from participation.models import (
    AuditEvent,
    Ballot,
    BallotChoice,
    Channel,
    Consultation,
    Dwelling,
    Phase,
    Place,
    Proposal,
    ProposalStatus,
    User,
    VoterUnit,
    VotingMethod,
)
from participation.services import voting
from participation.timeutil import utcnow
from tests import factories

LOGIN = "/compte/connexion"
MJ = VotingMethod.MAJORITY_JUDGMENT
#: The proposals of every test consultation: title and cost (budget of 1 000 €).
IDEAS = [("Idée A", 600), ("Idée B", 300), ("Idée C", 200)]


# --- helpers ----------------------------------------------------------------------


def open_vote(world, method=VotingMethod.APPROVAL, phase=Phase.VOTING, **values):
    """A consultation for the world's territory in ``phase`` with three proposals
    (written by nobody, so that no voter's name is on them)."""
    values.setdefault("max_choices", 2)
    values.setdefault("budget", 1000)
    place = values.pop("place", world.territory)
    consultation = factories.consultation(place, phase, method=method, **values)
    proposals = [
        factories.proposal(consultation, None, title=title, estimated_cost=cost)
        for title, cost in IDEAS
    ]
    return consultation, proposals


def during_vote(consultation: Consultation):
    """An instant inside the consultation's voting phase (to cast past ballots)."""
    return consultation.voting_opens_at + timedelta(hours=1)


def url(consultation: Consultation, page: str) -> str:
    return f"/consultations/{consultation.id}/{page}"


def ballot_data(method, proposals, picks) -> dict:
    """Form data: ``picks`` are indexes (or index -> grade for majority judgment)."""
    if method is MJ:
        return {f"grade-{proposals[i].id}": str(grade) for i, grade in picks.items()}
    return {"choices": [str(proposals[i].id) for i in picks]}


def raw_choices(method, proposals, picks):
    """The same choices, as the voting service takes them."""
    if method is MJ:
        return {proposals[i].id: grade for i, grade in picks.items()}
    return [proposals[i].id for i in picks]


def cell_text(fragment: str) -> str:
    """Text without tags, whitespace (non-breaking spaces too) collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def words(response) -> str:
    """The page as text."""
    return cell_text(response.get_data(as_text=True))


def table(response, caption: str) -> list[list[str]]:
    """The rows (header and footer included) of the table with that caption."""
    page = response.get_data(as_text=True)
    found = re.search(
        rf"<caption[^>]*>\s*{re.escape(caption)}\s*</caption>(.*?)</table>", page, re.S
    )
    assert found, f"no table « {caption} »"
    return [
        [
            cell_text(cell)
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    ]


def alert(response) -> str:
    found = re.search(
        r'<div class="form-errors" role="alert">(.*?)</div>',
        response.get_data(as_text=True),
        re.S,
    )
    return cell_text(found.group(1)) if found else ""


def field_errors(response, field: str) -> str:
    found = re.search(
        rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>',
        response.get_data(as_text=True),
        re.S,
    )
    return cell_text(found.group(1)) if found else ""


def checked(response, name: str, value) -> bool:
    """Whether the input ``name``/``value`` is checked on the page."""
    for tag in re.findall(r"<input[^>]*>", response.get_data(as_text=True)):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attributes.get("name") == name and attributes.get("value") == str(value):
            return re.search(r"\schecked\b", tag) is not None
    raise AssertionError(f"no input {name}={value}")


def ballots(consultation: Consultation) -> list[Ballot]:
    db.session.rollback()
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(Ballot)
            .filter_by(consultation_id=consultation.id)
            .order_by(Ballot.id)
        )
    )


def chosen(ballot: Ballot) -> dict[int, int | None]:
    return {c.proposal_id: c.grade for c in ballot.choices}


def user_client(app, user):
    """A separate browser logged in as ``user``."""
    browser = app.test_client()
    response = browser.post(
        LOGIN, data={"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    return browser


def csv_rows(response) -> list[list[str]]:
    """The rows of a streamed CSV export (fetch it with ``buffered=True``: the
    stream runs in the request's context, which the test client isolates)."""
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff"), "a BOM so that spreadsheets read UTF-8"
    return list(csv.reader(io.StringIO(body[1:])))


# --- casting a ballot, for each method --------------------------------------------

VALID = {
    VotingMethod.APPROVAL: [0, 2],
    VotingMethod.SINGLE: [1],
    MJ: {0: 1, 1: 4},
    VotingMethod.BUDGET: [0, 1],  # 600 + 300 of 1 000
}


@pytest.mark.parametrize("method", list(VotingMethod))
def test_each_method_shows_its_ballot_and_accepts_a_valid_one(
    client, login, world, method
):
    consultation, proposals = open_vote(world, method)
    login(world.resident)
    page = client.get(url(consultation, "vote"))
    assert page.status_code == 200
    text = words(page)
    for proposal in proposals:
        assert proposal.title in text
        assert f'href="/propositions/{proposal.id}"' in page.get_data(as_text=True)
    body = page.get_data(as_text=True)
    if method is VotingMethod.APPROVAL:
        assert 'type="checkbox"' in body and "jusqu'à 2 choix" in text
    elif method is VotingMethod.SINGLE:
        assert 'type="radio"' in body and "une seule proposition" in text
    elif method is MJ:
        assert body.count('type="radio"') == 7 * len(proposals)
        for proposal in proposals:
            assert f"<legend>{proposal.title}</legend>" in body
        assert "sans mention compte comme « À rejeter »" in text
    else:
        assert 'type="checkbox"' in body
        assert "600 €" in text and "budget total de 1 000 €" in text
        assert "ne fait pas l'addition" in text
    assert "Vous avez voté" not in text

    response = client.post(
        url(consultation, "vote"), data=ballot_data(method, proposals, VALID[method])
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(consultation, "vote"))
    assert "Votre vote est enregistré" in words(client.get(url(consultation, "vote")))
    [ballot] = ballots(consultation)
    assert ballot.channel is Channel.ONLINE and ballot.user_id == world.resident.id
    expected = raw_choices(method, proposals, VALID[method])
    if method is MJ:  # the proposal left ungraded counts as "À rejeter"
        expected = {**expected, proposals[2].id: 6}
    else:
        expected = dict.fromkeys(expected)
    assert chosen(ballot) == expected


INVALID = [
    (VotingMethod.APPROVAL, [0, 1, 2], "Vous pouvez choisir 2 propositions au plus."),
    (VotingMethod.APPROVAL, [], "Choisissez au moins une proposition."),
    (VotingMethod.SINGLE, [0, 1], "Choisissez une seule proposition."),
    (MJ, {}, "Donnez une mention à au moins une proposition."),
    (MJ, {0: 9}, "Donnez une mention à au moins une proposition."),
    (
        VotingMethod.BUDGET,
        [0, 1, 2],
        "Votre sélection coûte 1 100 € : elle dépasse le budget de 1 000 €.",
    ),
]


@pytest.mark.parametrize(("method", "picks", "message"), INVALID)
def test_an_invalid_ballot_is_refused_in_french_and_nothing_is_saved(
    client, login, world, method, picks, message
):
    consultation, proposals = open_vote(world, method)
    login(world.resident)
    response = client.post(
        url(consultation, "vote"), data=ballot_data(method, proposals, picks)
    )
    assert response.status_code == 200
    assert message in alert(response)
    if method is not MJ:  # the choices are kept, to be corrected
        for index, proposal in enumerate(proposals):
            assert checked(response, "choices", proposal.id) is (index in picks)
    assert ballots(consultation) == []
    assert voting.stored_totals(consultation) == {}


def test_a_choice_that_is_not_on_the_ballot_is_refused(client, login, world):
    consultation, proposals = open_vote(world)
    hidden = factories.proposal(consultation, None, status=ProposalStatus.HIDDEN)
    login(world.resident)
    for value in [str(hidden.id), "999999", "abc"]:
        response = client.post(url(consultation, "vote"), data={"choices": value})
        assert "ne fait pas partie des propositions soumises au vote" in alert(response)
    assert ballots(consultation) == []


def test_a_voter_sees_their_ballot_and_may_change_it_until_the_vote_closes(
    client, login, world
):
    consultation, (a, b, c) = open_vote(world)
    login(world.resident)
    client.post(url(consultation, "vote"), data={"choices": [a.id, c.id]})
    page = client.get(url(consultation, "vote"))
    text = words(page)
    assert "Vous avez voté le" in text
    assert "vous pouvez modifier votre vote jusqu'au" in text
    assert [checked(page, "choices", p.id) for p in (a, b, c)] == [True, False, True]
    assert "Modifier mon vote" in text

    client.post(url(consultation, "vote"), data={"choices": [b.id]})
    [ballot] = ballots(consultation)
    assert chosen(ballot) == {b.id: None}
    assert [p.support_count for p in (a, b, c)] == [0, 1, 0]
    assert voting.stored_totals(consultation) == voting.recount(consultation)
    assert voting.full_recount(consultation).equal


def test_a_majority_judgment_ballot_shows_the_voters_grades(client, login, world):
    consultation, (a, b, c) = open_vote(world, MJ)
    login(world.resident)
    client.post(url(consultation, "vote"), data={f"grade-{a.id}": "0"})
    page = client.get(url(consultation, "vote"))
    assert checked(page, f"grade-{a.id}", 0)
    assert checked(page, f"grade-{b.id}", 6)  # left ungraded: "À rejeter"
    assert not checked(page, f"grade-{a.id}", 6)


def test_a_budget_ballot_shows_the_total_of_the_saved_selection(client, login, world):
    consultation, (a, _, c) = open_vote(world, VotingMethod.BUDGET)
    login(world.resident)
    client.post(url(consultation, "vote"), data={"choices": [a.id, c.id]})
    text = words(client.get(url(consultation, "vote")))
    assert "Votre sélection actuelle coûte 800 €, sur un budget de 1 000 €." in text


def test_the_same_ballot_sent_twice_in_a_row_leaves_one_ballot(client, login, world):
    consultation, (a, b, _) = open_vote(world)
    login(world.resident)
    for _ in range(2):  # a double click
        response = client.post(url(consultation, "vote"), data={"choices": [a.id]})
        assert response.status_code == 302
    [ballot] = ballots(consultation)
    assert chosen(ballot) == {a.id: None}
    assert (a.support_count, b.support_count) == (1, 0)
    assert voting.stored_totals(consultation) == voting.recount(consultation)
    assert voting.full_recount(consultation).equal


def test_another_member_of_the_household_cannot_vote_and_is_told_why(app, world):
    consultation, (a, b, _) = open_vote(world)
    flatmate = factories.resident_of(world.dwellings[0])
    user_client(app, world.resident).post(
        url(consultation, "vote"), data={"choices": [a.id]}
    )
    browser = user_client(app, flatmate)
    page = browser.get(url(consultation, "vote"))
    assert page.status_code == 200
    assert "Une autre personne de votre foyer a déjà voté" in words(page)
    body = page.get_data(as_text=True)
    assert 'action="/consultations' not in body.split("<main")[1]
    assert " checked" not in body  # the household's choice stays secret

    response = browser.post(url(consultation, "vote"), data={"choices": [b.id]})
    assert response.status_code == 302
    assert "autre personne de votre foyer a déjà voté" in words(
        browser.get(url(consultation, "vote"))
    )
    [ballot] = ballots(consultation)
    assert ballot.user_id == world.resident.id and chosen(ballot) == {a.id: None}


def test_with_one_vote_per_person_each_member_of_a_household_votes(app, world):
    consultation, (a, b, _) = open_vote(world, voter_unit=VoterUnit.PERSON)
    flatmate = factories.resident_of(world.dwellings[0])
    for person, proposal in [(world.resident, a), (flatmate, b)]:
        response = user_client(app, person).post(
            url(consultation, "vote"), data={"choices": [proposal.id]}
        )
        assert response.status_code == 302
    assert len(ballots(consultation)) == 2


# --- paper and meeting ballots ----------------------------------------------------


def test_staff_record_a_paper_then_a_meeting_ballot_for_dwellings(client, login, world):
    consultation, (a, b, _) = open_vote(world)
    login(world.staff)
    page = client.get(url(consultation, "bulletins"))
    assert page.status_code == 200
    assert "Référence du logement" in words(page)
    assert table(page, "Bulletins reçus jusqu'ici")[1] == ["0", "0", "0", "0"]

    response = client.post(
        url(consultation, "bulletins"),
        data={
            "channel": "paper",
            "voter": f"  {world.dwellings[1].reference} ",
            "choices": [a.id],
        },
    )
    assert response.status_code == 302
    client.post(
        url(consultation, "bulletins"),
        data={
            "channel": "meeting",
            "voter": world.dwellings[2].reference,
            "choices": [a.id, b.id],
        },
    )
    page = client.get(url(consultation, "bulletins"))
    assert "Bulletin enregistré (en réunion)" in words(page)
    assert table(page, "Bulletins reçus jusqu'ici")[1] == ["0", "1", "1", "2"]
    paper, meeting = ballots(consultation)
    assert (paper.channel, paper.dwelling_id) == (Channel.PAPER, world.dwellings[1].id)
    assert (meeting.channel, meeting.dwelling_id) == (
        Channel.MEETING,
        world.dwellings[2].id,
    )
    assert paper.entered_by_id == world.staff.id and paper.user_id is None
    assert chosen(meeting) == {a.id: None, b.id: None}
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action == "ballot.record")
    ).all()
    assert len(actions) == 2


def test_staff_record_a_ballot_for_a_resident_by_email_when_each_person_votes(
    client, login, world
):
    consultation, proposals = open_vote(world, MJ, voter_unit=VoterUnit.PERSON)
    login(world.admin)
    page = client.get(url(consultation, "bulletins"))
    assert "Adresse e-mail de l'habitant·e" in words(page)
    response = client.post(
        url(consultation, "bulletins"),
        data={
            "channel": "meeting",
            "voter": world.resident.email.upper(),
            **ballot_data(MJ, proposals, {0: 0, 1: 3, 2: 6}),
        },
    )
    assert response.status_code == 302
    [ballot] = ballots(consultation)
    assert ballot.user_id == world.resident.id
    assert ballot.channel is Channel.MEETING
    assert chosen(ballot) == raw_choices(MJ, proposals, {0: 0, 1: 3, 2: 6})


@pytest.mark.parametrize(
    ("unit", "typed", "message"),
    [
        (VoterUnit.DWELLING, "INCONNU-1", "Aucun logement du bailleur n'a cette"),
        (VoterUnit.DWELLING, "other landlord", "Aucun logement du bailleur n'a cette"),
        (VoterUnit.DWELLING, "", "Indiquez la référence du logement."),
        (
            VoterUnit.PERSON,
            "personne@example.fr",
            "n'est pas habitant·e vérifié·e du lieu",
        ),
        (VoterUnit.PERSON, "other resident", "n'est pas habitant·e vérifié·e du lieu"),
        (VoterUnit.PERSON, "staff", "n'est pas habitant·e vérifié·e du lieu"),
        (VoterUnit.PERSON, " ", "Indiquez l'adresse e-mail de l'habitant·e."),
    ],
)
def test_recording_for_an_unknown_voter_is_refused_next_to_the_field(
    client, login, world, unit, typed, message
):
    consultation, (a, _, _) = open_vote(world, voter_unit=unit)
    typed = {
        "other landlord": world.other_dwellings[0].reference,
        "other resident": world.other_resident.email,
        "staff": world.staff.email,
    }.get(typed, typed)
    login(world.staff)
    response = client.post(
        url(consultation, "bulletins"),
        data={"channel": "paper", "voter": typed, "choices": [a.id]},
    )
    assert response.status_code == 200
    assert message in field_errors(response, "voter")
    assert checked(response, "choices", a.id)  # the choices are kept
    assert ballots(consultation) == []


def test_recording_refuses_a_dwelling_outside_the_consultation_place(
    client, login, world
):
    """The world's dwellings are in the building, not in its entrance."""
    consultation, (a, _, _) = open_vote(world, place=world.entrance)
    login(world.staff)
    response = client.post(
        url(consultation, "bulletins"),
        data={
            "channel": "paper",
            "voter": world.dwellings[0].reference,
            "choices": [a.id],
        },
    )
    assert "ne fait pas partie du lieu de la consultation" in field_errors(
        response, "voter"
    )
    assert ballots(consultation) == []


def test_recording_refuses_bad_choices_and_saves_nothing(client, login, world):
    consultation, proposals = open_vote(world)
    login(world.staff)
    reference = world.dwellings[1].reference
    response = client.post(
        url(consultation, "bulletins"),
        data={
            "channel": "paper",
            "voter": reference,
            "choices": [p.id for p in proposals],
        },
    )
    assert response.status_code == 200
    assert "2 propositions au plus" in alert(response)
    assert f'value="{reference}"' in response.get_data(as_text=True)
    assert ballots(consultation) == []
    recorded = db.select(AuditEvent).where(AuditEvent.action == "ballot.record")
    assert db.session.scalars(recorded).all() == []


def test_a_paper_ballot_for_a_household_that_voted_online_is_refused(app, world):
    consultation, (a, b, _) = open_vote(world)
    user_client(app, world.resident).post(
        url(consultation, "vote"), data={"choices": [a.id]}
    )
    staff = user_client(app, world.staff)
    response = staff.post(
        url(consultation, "bulletins"),
        data={
            "channel": "paper",
            "voter": world.dwellings[0].reference,
            "choices": [b.id],
        },
    )
    assert response.status_code == 200
    assert "Ce logement a déjà voté en ligne : le bulletin papier est refusé." in alert(
        response
    )
    [ballot] = ballots(consultation)
    assert ballot.channel is Channel.ONLINE and chosen(ballot) == {a.id: None}
    assert (a.support_count, b.support_count) == (1, 0)


def test_a_second_paper_ballot_for_the_same_dwelling_is_refused(client, login, world):
    consultation, (a, b, _) = open_vote(world)
    login(world.staff)
    data = {"channel": "paper", "voter": world.dwellings[1].reference}
    client.post(url(consultation, "bulletins"), data={**data, "choices": [a.id]})
    response = client.post(
        url(consultation, "bulletins"), data={**data, "choices": [b.id]}
    )
    assert "Un bulletin a déjà été enregistré pour ce logement." in alert(response)
    [ballot] = ballots(consultation)
    assert chosen(ballot) == {a.id: None}


def test_an_online_vote_after_a_paper_ballot_is_refused(app, world):
    consultation, (a, b, _) = open_vote(world)
    user_client(app, world.staff).post(
        url(consultation, "bulletins"),
        data={
            "channel": "paper",
            "voter": world.dwellings[0].reference,
            "choices": [a.id],
        },
    )
    browser = user_client(app, world.resident)
    page = browser.get(url(consultation, "vote"))
    assert (
        "Un bulletin papier ou de réunion a déjà été enregistré pour votre foyer"
        in (words(page))
    )
    assert 'name="choices"' not in page.get_data(as_text=True)
    response = browser.post(url(consultation, "vote"), data={"choices": [b.id]})
    assert response.status_code == 302
    assert "vous ne pouvez pas voter en ligne en plus" in words(
        browser.get(url(consultation, "vote"))
    )
    [ballot] = ballots(consultation)
    assert ballot.channel is Channel.PAPER and chosen(ballot) == {a.id: None}


# --- who may open what, and when -------------------------------------------------

ROLES = [
    "anonymous",
    "resident",
    "newcomer",
    "other_resident",
    "partner",
    "staff",
    "other_staff",
    "admin",
]

#: Page -> (path, phase it is used in, roles allowed).
PAGES = {
    "voting.ballot": ("vote", Phase.VOTING, {"resident"}),
    "voting.record": ("bulletins", Phase.VOTING, {"staff", "admin"}),
    "voting.outcome": ("resultats/publier", Phase.RESULTS, {"staff", "admin"}),
    "voting.export_proposals": (
        "export/propositions.csv",
        Phase.VOTING,
        {"staff", "admin"},
    ),
    "voting.export_ballots": (
        "export/bulletins.csv",
        Phase.RESULTS,
        {"staff", "admin"},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_only_the_right_people_open_each_page(app, world, page, role):
    path, phase, allowed = PAGES[page]
    consultation, _ = open_vote(world, phase=phase)
    browser = (
        app.test_client()
        if role == "anonymous"
        else user_client(app, getattr(world, role))
    )
    response = browser.get(url(consultation, path), buffered=True)
    if role == "anonymous":
        assert response.status_code == 302
        assert LOGIN in response.headers["Location"]
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ["other_resident", "partner", "other_staff"])
@pytest.mark.parametrize("page", ["voting.ballot", "voting.record", "voting.outcome"])
def test_the_wrong_people_cannot_post_either(app, world, page, role):
    path, phase, _ = PAGES[page]
    consultation, (a, _, _) = open_vote(world, phase=phase)
    response = user_client(app, getattr(world, role)).post(
        url(consultation, path),
        data={
            "choices": [a.id],
            "channel": "paper",
            "voter": world.dwellings[1].reference,
            "selected": [a.id],
            "outcome": "Nous ferons l'idée A.",
        },
    )
    assert response.status_code == 403
    assert ballots(consultation) == []
    assert db.session.get(Consultation, consultation.id).outcome_published_at is None


@pytest.mark.parametrize(
    "phase", [Phase.DRAFT, Phase.IDEAS, Phase.RESULTS, Phase.FOLLOW_UP]
)
def test_nobody_votes_or_records_ballots_outside_the_voting_phase(app, world, phase):
    consultation, (a, _, _) = open_vote(world, phase=phase)
    resident, staff = user_client(app, world.resident), user_client(app, world.staff)
    # a draft is not even shown to residents: 404, as for a missing consultation
    refused = 404 if phase is Phase.DRAFT else 403
    assert resident.get(url(consultation, "vote")).status_code == refused
    assert (
        resident.post(url(consultation, "vote"), data={"choices": [a.id]}).status_code
        == refused
    )
    assert staff.get(url(consultation, "bulletins")).status_code == 403
    response = staff.post(
        url(consultation, "bulletins"),
        data={
            "channel": "paper",
            "voter": world.dwellings[1].reference,
            "choices": [a.id],
        },
    )
    assert response.status_code == 403
    assert ballots(consultation) == []


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.IDEAS, Phase.VOTING])
def test_the_outcome_is_published_only_once_the_vote_is_over(app, world, phase):
    consultation, (a, _, _) = open_vote(world, phase=phase)
    staff = user_client(app, world.staff)
    assert staff.get(url(consultation, "resultats/publier")).status_code == 403
    response = staff.post(
        url(consultation, "resultats/publier"),
        data={"selected": [a.id], "outcome": "Nous ferons l'idée A."},
    )
    assert response.status_code == 403
    assert db.session.get(Consultation, consultation.id).outcome_published_at is None


def test_staff_export_proposals_in_any_phase_even_a_draft(app, world):
    consultation, _ = open_vote(world, phase=Phase.DRAFT)
    response = user_client(app, world.staff).get(
        url(consultation, "export/propositions.csv"), buffered=True
    )
    assert response.status_code == 200


@pytest.mark.parametrize("live", [False, True])
def test_anonymous_ballots_export_only_once_voting_has_closed(app, world, live):
    """Before, they would show staff hidden results; with live results, two
    exports around one person's vote would single out their ballot."""
    consultation, _ = open_vote(world, live_results=live)
    staff = user_client(app, world.staff)
    response = staff.get(url(consultation, "export/bulletins.csv"), buffered=True)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(consultation, "resultats"))
    assert "s'exportent une fois le vote terminé" in words(
        staff.get(url(consultation, "resultats"))
    )


# --- results: when they show ------------------------------------------------------


@pytest.mark.parametrize("phase", [Phase.IDEAS, Phase.VOTING])
@pytest.mark.parametrize("role", ["anonymous", "resident", "staff"])
def test_results_are_announced_not_shown_before_the_vote_closes(
    app, world, phase, role
):
    consultation, (a, _, _) = open_vote(world, phase=phase)
    if phase is Phase.VOTING:
        voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    browser = (
        app.test_client()
        if role == "anonymous"
        else user_client(app, getattr(world, role))
    )
    response = browser.get(url(consultation, "resultats"))
    assert response.status_code == 200
    text = words(response)
    assert "Les résultats seront publiés à la fin du vote, le" in text
    assert "Classement" not in text and "votant" not in text


def test_live_results_show_while_the_vote_runs(client, world):
    consultation, (a, _, _) = open_vote(world, live_results=True)
    voting.cast_ballot(world.resident, consultation, [a.id], utcnow())
    response = client.get(url(consultation, "resultats"))
    assert response.status_code == 200
    text = words(response)
    assert "ces résultats sont provisoires" in text
    assert "1 votant sur 3 logements, soit 33 %" in text


@pytest.mark.parametrize("phase", [Phase.RESULTS, Phase.FOLLOW_UP])
@pytest.mark.parametrize("role", ["anonymous", "other_resident", "partner"])
def test_results_are_public_once_the_vote_is_over(app, world, phase, role):
    consultation, _ = open_vote(world, phase=phase)
    browser = (
        app.test_client()
        if role == "anonymous"
        else user_client(app, getattr(world, role))
    )
    response = browser.get(url(consultation, "resultats"))
    assert response.status_code == 200
    assert "Classement des propositions" in words(response)


@pytest.mark.parametrize("role", ["anonymous", "resident", "other_staff"])
def test_the_results_page_of_a_draft_is_not_found(app, world, role):
    """Not even its existence is revealed (the same 404 as an unknown id)."""
    consultation, _ = open_vote(world, phase=Phase.DRAFT)
    browser = (
        app.test_client()
        if role == "anonymous"
        else user_client(app, getattr(world, role))
    )
    assert browser.get(url(consultation, "resultats")).status_code == 404


def test_unknown_consultation_is_not_found(client, login, world):
    login(world.staff)
    for path in ["vote", "bulletins", "resultats", "resultats/publier"]:
        assert client.get(f"/consultations/999999/{path}").status_code == 404


# --- results: the numbers ---------------------------------------------------------


def more_dwellings(world, count: int) -> list[Dwelling]:
    homes = [
        Dwelling(
            landlord_id=world.landlord.id, place=world.building, reference=f"EXTRA-{n}"
        )
        for n in range(count)
    ]
    db.session.add_all(homes)
    db.session.commit()
    return homes


@pytest.mark.parametrize(
    ("quorum", "verdict"), [(30, "atteint"), (50, "non atteint"), (None, None)]
)
def test_results_show_participation_quorum_and_channels(client, world, quorum, verdict):
    """Ten dwellings; four vote: two online, one on paper, one in a meeting.
    A gets 3 supports of 4 ballots, B 2, C none."""
    consultation, (a, b, c) = open_vote(
        world, phase=Phase.RESULTS, quorum_percent=quorum
    )
    homes = [*world.dwellings, *more_dwellings(world, 7)]
    when = during_vote(consultation)
    neighbour = factories.resident_of(homes[1])
    voting.cast_ballot(world.resident, consultation, [a.id], when)
    voting.cast_ballot(neighbour, consultation, [a.id, b.id], when)
    voting.record_ballot(
        world.staff, consultation, Channel.PAPER, [b.id], when, dwelling=homes[2]
    )
    voting.record_ballot(
        world.staff, consultation, Channel.MEETING, [a.id], when, dwelling=homes[3]
    )

    response = client.get(url(consultation, "resultats"))
    text = words(response)
    assert "4 votants sur 10 logements, soit 40 %" in text
    if verdict:
        assert f"Quorum : {quorum} % des logements. {verdict}" in text
    else:
        assert "Quorum" not in text
    assert table(response, "Bulletins par canal") == [
        ["Canal", "Bulletins", "Part"],
        ["En ligne", "2", "50 %"],
        ["Bulletin papier", "1", "25 %"],
        ["En réunion", "1", "25 %"],
        ["Total", "4", ""],
    ]
    assert table(response, "Classement des propositions") == [
        ["Rang", "Proposition", "Soutiens", "Part des bulletins"],
        ["1", "Idée A", "3", "75 %"],
        ["2", "Idée B", "2", "50 %"],
        ["3", "Idée C", "0", "0 %"],
    ]


def test_the_bar_chart_is_an_accessible_svg_beside_its_table(client, world):
    consultation, (a, b, _) = open_vote(world, phase=Phase.RESULTS)
    voting.cast_ballot(
        world.resident, consultation, [a.id, b.id], during_vote(consultation)
    )
    body = client.get(url(consultation, "resultats")).get_data(as_text=True)
    svg = re.search(r"<svg class=\"chart\"[^>]*>(.*?)</svg>", body, re.S)
    assert svg
    tag = svg.group(0).split(">", 1)[0]
    assert (
        'role="img"' in tag and 'aria-labelledby="soutiens-title soutiens-desc"' in tag
    )
    assert 'viewBox="0 0 400 ' in tag and "width=" not in tag
    assert '<title id="soutiens-title">Soutiens par proposition</title>' in svg.group(1)
    assert '<desc id="soutiens-desc">' in svg.group(1)
    assert svg.group(1).count('class="chart-bar"') == 3
    assert "1 (100 %)" in cell_text(svg.group(1))
    assert "<caption>Classement des propositions</caption>" in body
    assert "<script" not in body and " style=" not in body


def test_majority_judgment_results_show_majority_grades_gauges_and_profiles(
    client, world
):
    """Three households grade A: Excellent, Bien, Bien → "Bien +" (1 in 3 better);
    B: Très bien, Passable, À rejeter → "Passable −" (1 in 3 worse); nobody grades
    C, so it gets "À rejeter" three times."""
    consultation, (a, b, c) = open_vote(world, MJ, phase=Phase.RESULTS)
    when = during_vote(consultation)
    voters = [world.resident, *(factories.resident_of(d) for d in world.dwellings[1:])]
    for voter, grades in zip(voters, [(0, 1), (2, 4), (2, 6)], strict=True):
        voting.cast_ballot(
            voter, consultation, {a.id: grades[0], b.id: grades[1]}, when
        )

    response = client.get(url(consultation, "resultats"))
    assert table(response, "Classement des propositions") == [
        ["Rang", "Proposition", "Mention majoritaire", "Détail"],
        ["1", "Idée A", "Bien +", "33 % des mentions sont meilleures que « Bien »."],
        [
            "2",
            "Idée B",
            "Passable −",
            "33 % des mentions sont moins bonnes que « Passable ».",
        ],
        ["3", "Idée C", "À rejeter", "Toutes les mentions sont « À rejeter »."],
    ]
    assert table(response, "Nombre de mentions par proposition")[1:] == [
        ["Idée A", "1", "0", "2", "0", "0", "0", "0", "3"],
        ["Idée B", "0", "1", "0", "0", "1", "0", "1", "3"],
        ["Idée C", "0", "0", "0", "0", "0", "0", "3", "3"],
    ]
    body = response.get_data(as_text=True)
    assert 'aria-labelledby="profils-title profils-desc"' in body
    assert (
        body.count('class="chart-grade chart-grade-') == 7 + 6
    )  # 6 segments + 7 swatches
    assert 'fill="url(#profils-hatch)"' in body  # "À rejeter" is also hatched
    assert 'class="chart-median"' in body


def test_budget_results_show_what_is_funded_and_the_amount_spent(client, world):
    """Budget 1 000 €: A (600 €) 3 supports, B (300 €) 1, C (200 €) 1. A is funded,
    then C (cheaper, same support as B), and B no longer fits: 800 € spent."""
    consultation, (a, b, c) = open_vote(world, VotingMethod.BUDGET, phase=Phase.RESULTS)
    when = during_vote(consultation)
    voters = [world.resident, *(factories.resident_of(d) for d in world.dwellings[1:])]
    for voter, picks in zip(voters, [[a, b], [a, c], [a]], strict=True):
        voting.cast_ballot(voter, consultation, [p.id for p in picks], when)
    response = client.get(url(consultation, "resultats"))
    assert "Montant engagé : 800 € sur un budget de 1 000 €." in words(response)
    assert table(response, "Classement des propositions")[1:] == [
        ["1", "Idée A", "3", "100 %", "600 €", "oui"],
        ["2 (ex æquo)", "Idée B", "1", "33 %", "300 €", "non"],
        ["2 (ex æquo)", "Idée C", "1", "33 %", "200 €", "oui"],
    ]
    assert "Idée A (financée)" in response.get_data(as_text=True)


# --- secrecy ----------------------------------------------------------------------


def test_results_and_exports_never_reveal_who_voted(app, world):
    consultation, (a, b, _) = open_vote(world, phase=Phase.RESULTS)
    when = during_vote(consultation)
    zoe = factories.resident_of(
        world.dwellings[1], display_name="Zoé Secrète", email="zoe.secrete@example.fr"
    )
    voting.cast_ballot(world.resident, consultation, [a.id], when)
    voting.cast_ballot(zoe, consultation, [b.id], when)
    voting.record_ballot(
        world.staff,
        consultation,
        Channel.PAPER,
        [a.id],
        when,
        dwelling=world.dwellings[2],
    )
    secrets = [
        zoe.display_name,
        zoe.email,
        world.resident.display_name,
        world.resident.email,
        *(d.reference for d in world.dwellings),
    ]
    staff = user_client(app, world.staff)
    pages = [
        app.test_client().get(url(consultation, "resultats")),
        staff.get(url(consultation, "resultats")),
        staff.get(url(consultation, "export/propositions.csv"), buffered=True),
        staff.get(url(consultation, "export/bulletins.csv"), buffered=True),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in body


def test_the_ballots_export_is_anonymous_with_one_row_per_choice(app, world):
    consultation, (a, b, c) = open_vote(world, MJ, phase=Phase.RESULTS)
    when = during_vote(consultation)
    voting.cast_ballot(world.resident, consultation, {a.id: 0, b.id: 2}, when)
    voting.record_ballot(
        world.staff,
        consultation,
        Channel.MEETING,
        {c.id: 1},
        when,
        dwelling=world.dwellings[1],
    )
    response = user_client(app, world.staff).get(
        url(consultation, "export/bulletins.csv"), buffered=True
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="consultation-{consultation.id}-bulletins.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    header, *rows = csv_rows(response)
    assert header == ["bulletin", "canal", "proposition", "choix"]
    choices = db.session.scalar(
        db.select(db.func.count())
        .select_from(BallotChoice)
        .join(Ballot)
        .where(Ballot.consultation_id == consultation.id)
    )
    assert len(rows) == choices == 6  # every proposal graded on both ballots
    assert sorted(row[1] for row in rows) == ["meeting"] * 3 + ["online"] * 3
    identities = {str(u.id) for u in db.session.scalars(db.select(User))} | {
        str(ballot.id) for ballot in ballots(consultation)
    }
    assert not identities & {row[0] for row in rows}
    assert "@" not in response.get_data(as_text=True)


def test_the_proposals_export_has_results_only_once_they_are_visible(app, world):
    staff = user_client(app, world.staff)
    running, _ = open_vote(world, phase=Phase.VOTING)
    header, *rows = csv_rows(
        staff.get(url(running, "export/propositions.csv"), buffered=True)
    )
    assert "soutiens" not in header and len(rows) == 3

    closed, (a, _, _) = open_vote(world, phase=Phase.RESULTS)
    voting.cast_ballot(world.resident, closed, [a.id], during_vote(closed))
    response = staff.get(url(closed, "export/propositions.csv"), buffered=True)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="consultation-{closed.id}-propositions.csv"'
    )
    header, *rows = csv_rows(response)
    assert header[:2] == ["id", "titre"] and "soutiens" in header
    supports = {row[1]: row[header.index("soutiens")] for row in rows}
    assert supports == {"Idée A": "1", "Idée B": "0", "Idée C": "0"}


# --- publishing the outcome -------------------------------------------------------


def test_staff_publish_the_outcome_starting_from_the_winners(app, world):
    consultation, (a, b, c) = open_vote(world, phase=Phase.RESULTS)
    when = during_vote(consultation)
    voting.cast_ballot(world.resident, consultation, [a.id, b.id], when)
    voting.cast_ballot(
        factories.resident_of(world.dwellings[1]), consultation, [a.id], when
    )
    staff = user_client(app, world.staff)
    page = staff.get(url(consultation, "resultats/publier"))
    assert [checked(page, "selected", p.id) for p in (a, b, c)] == [True, False, False]

    response = staff.post(
        url(consultation, "resultats/publier"),
        data={
            "selected": [a.id, b.id],
            "outcome": "Nous réaliserons **A et B** au printemps.<script>x()</script>",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(consultation, "resultats"))
    assert [p.status for p in (a, b, c)] == [
        ProposalStatus.SELECTED,
        ProposalStatus.SELECTED,
        ProposalStatus.PUBLISHED,
    ]
    results = app.test_client().get(url(consultation, "resultats"))
    body = results.get_data(as_text=True)
    assert "<strong>A et B</strong>" in body and "<script>x()" not in body
    decided = body.split('id="decision"')[1].split("</section>")[0]
    assert "Idée A" in decided and "Idée B" in decided and "Idée C" not in decided

    page = staff.get(url(consultation, "resultats/publier"))  # to correct it
    assert [checked(page, "selected", p.id) for p in (a, b, c)] == [True, True, False]
    assert "Nous réaliserons **A et B** au printemps." in html.unescape(
        page.get_data(as_text=True)
    )


@pytest.mark.parametrize("typed", ["", "   ", "Oui."])
def test_an_outcome_without_explanation_is_refused_next_to_the_field(app, world, typed):
    consultation, (a, _, _) = open_vote(world, phase=Phase.RESULTS)
    response = user_client(app, world.staff).post(
        url(consultation, "resultats/publier"),
        data={"selected": [a.id], "outcome": typed},
    )
    assert response.status_code == 200
    assert "Expliquez en quelques mots ce qui a été décidé." in field_errors(
        response, "outcome"
    )
    db.session.rollback()
    assert db.session.get(Consultation, consultation.id).outcome_published_at is None
    assert db.session.get(Proposal, a.id).status is ProposalStatus.PUBLISHED


# --- CSRF -------------------------------------------------------------------------


def test_a_ballot_needs_its_csrf_token(make_app, world):
    consultation, (a, _, _) = open_vote(world)
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        browser.get(LOGIN).get_data(as_text=True),
    ).group(1)
    browser.post(
        LOGIN,
        data={
            "csrf_token": token,
            "email": world.resident.email,
            "password": factories.PASSWORD,
        },
    )
    response = browser.post(url(consultation, "vote"), data={"choices": [a.id]})
    assert response.status_code == 400
    assert ballots(consultation) == []

    page = browser.get(url(consultation, "vote")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = browser.post(
        url(consultation, "vote"), data={"csrf_token": token, "choices": [a.id]}
    )
    assert response.status_code == 302
    assert len(ballots(consultation)) == 1


# --- query counts -----------------------------------------------------------------


def measure(browser, count_queries, path: str) -> int:
    """Statements run by one GET, starting from an empty session like production."""
    db.session.remove()
    with count_queries() as statements:
        response = browser.get(path)
    assert response.status_code == 200, path
    assert statements, "the listener must see the page's queries"
    return len(statements)


_grown = itertools.count()


def grow(consultation_id: int, proposals: int, ballots_: int) -> None:
    """Add proposals, and paper ballots from new dwellings, to a consultation
    (voting must be open at ``during_vote``)."""
    consultation = db.session.get(Consultation, consultation_id)
    building = db.session.scalars(
        db.select(Place)
        .where(
            Place.landlord_id == consultation.landlord_id, Place.name == "Bâtiment A"
        )
        .order_by(Place.id)
    ).first()
    staff = db.session.scalar(db.select(User).filter_by(email="staff@example.fr"))
    for n in range(proposals):
        factories.proposal(consultation, None, title=f"Idée {n:02}", estimated_cost=50)
    offered = voting.votable_proposals(consultation)
    for n in range(ballots_):
        dwelling = Dwelling(
            landlord_id=consultation.landlord_id,
            place=building,
            reference=f"GROW-{next(_grown)}",
        )
        db.session.add(dwelling)
        db.session.commit()
        picks = offered[n % 3 : n % 3 + 1]
        raw = (
            {p.id: n % 7 for p in picks}
            if consultation.method is MJ
            else [p.id for p in picks]
        )
        voting.record_ballot(
            staff,
            consultation,
            Channel.PAPER,
            raw,
            during_vote(consultation),
            dwelling=dwelling,
        )


@pytest.mark.parametrize("method", list(VotingMethod))
def test_the_results_page_costs_the_same_queries_whatever_the_size(
    client, world, count_queries, method
):
    consultation, _ = open_vote(world, method, live_results=True)
    cid, path = consultation.id, url(consultation, "resultats")
    grow(cid, 0, 5)
    small = measure(client, count_queries, path)
    grow(cid, 27, 55)
    assert measure(client, count_queries, path) == small


@pytest.mark.parametrize("method", [VotingMethod.APPROVAL, MJ])
def test_the_ballot_page_costs_the_same_queries_whatever_the_size(
    client, login, world, count_queries, method
):
    consultation, proposals = open_vote(world, method)
    voting.cast_ballot(
        world.resident,
        consultation,
        raw_choices(method, proposals, VALID[method]),
        utcnow(),
    )
    cid, path = consultation.id, url(consultation, "vote")
    login(world.resident)
    small = measure(client, count_queries, path)
    grow(cid, 27, 20)
    assert measure(client, count_queries, path) == small


def test_the_recording_page_costs_the_same_queries_whatever_the_size(
    client, login, world, count_queries
):
    consultation, _ = open_vote(world)
    cid, path = consultation.id, url(consultation, "bulletins")
    login(world.staff)
    grow(cid, 0, 5)
    small = measure(client, count_queries, path)
    grow(cid, 27, 55)
    assert measure(client, count_queries, path) == small


def test_the_outcome_page_costs_the_same_queries_whatever_the_size(
    client, login, world, count_queries
):
    consultation, _ = open_vote(world)
    cid, path = consultation.id, url(consultation, "resultats/publier")
    grow(cid, 0, 5)
    consultation = db.session.get(Consultation, cid)
    consultation.voting_closes_at = utcnow() - timedelta(minutes=1)  # now closed
    db.session.commit()
    login(world.staff)
    first = measure(client, count_queries, path)  # counts the roll, once
    assert db.session.get(Consultation, cid).eligible_at_close is not None
    small = measure(client, count_queries, path)
    assert small < first
    consultation = db.session.get(Consultation, cid)
    for n in range(27):
        factories.proposal(consultation, None, title=f"Tard {n:02}", support_count=n)
    assert measure(client, count_queries, path) == small
