"""Cached fragments (proposal list, consultation facts, count) are never stale:
every change they show moves the consultation's revision, in the same
transaction, and the pages show it at once."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from participation import fragments
from participation.extensions import cache, db
from participation.models import (
    Commitment,
    CommitmentStatus,
    Consultation,
    Milestone,
    Objective,
    Organisation,
    Phase,
    Place,
    Proposal,
    ProposalStatus,
    User,
)
from participation.services import accounts, consultations, proposals, voting
from participation.timeutil import utcnow
from tests import factories


def revision(consultation_id: int, model=Consultation) -> int:
    """The stored revision of a consultation (or an objective), read afresh."""
    db.session.expire_all()
    return db.session.scalar(select(model.revision).where(model.id == consultation_id))


@pytest.fixture
def ideas(world):
    """A consultation collecting ideas, with one proposal by the resident."""
    consultation = factories.consultation(world.building, Phase.IDEAS)
    proposal = factories.proposal(consultation, world.resident, title="Des bancs")
    return consultation, proposal


def test_each_change_the_list_shows_moves_the_revision(app, world, ideas):
    consultation, proposal = ideas
    other = factories.consultation(world.building, Phase.IDEAS)
    now = utcnow()

    def edit_title():
        proposal.title = "Des bancs et des tables"
        db.session.commit()

    def answer():
        proposal.status = ProposalStatus.UNDER_STUDY
        db.session.commit()

    def rename_place():
        db.session.get(Place, world.building.id).name = "Bâtiment des Lilas"
        db.session.commit()

    def new_proposal():
        factories.proposal(consultation, world.resident)

    changes = {
        "new proposal": new_proposal,
        "proposal edited": edit_title,
        "proposal answered": answer,
        "comment": lambda: proposals.post_comment(
            world.resident, proposal, "Bonne idée.", now
        ),
        "author renamed": lambda: accounts.update_profile(
            world.resident, display_name="Awa D.", language="fr"
        ),
        "place renamed": rename_place,
        "consultation edited": lambda: (
            setattr(consultation, "summary", "Autre chose"),
            db.session.commit(),
        ),
        "phase closed": lambda: consultations.close_phase(
            world.staff, consultation, utcnow()
        ),
    }
    for label, change in changes.items():
        before, untouched = revision(consultation.id), revision(other.id)
        change()
        assert revision(consultation.id) == before + 1, label
        if label != "place renamed":  # both consultations are in that building
            assert revision(other.id) == untouched, label


def test_hiding_a_comment_moves_the_revision(app, world, ideas):
    _, proposal = ideas
    comment = proposals.post_comment(world.resident, proposal, "Hors sujet", utcnow())
    before = revision(proposal.consultation_id)
    proposals.hide_comment(world.staff, comment, "Hors sujet.", utcnow())
    assert revision(proposal.consultation_id) == before + 1


def test_ballots_move_the_revision_when_cast_changed_or_deleted(app, world):
    consultation = factories.consultation(world.building, Phase.VOTING)
    a = factories.proposal(consultation, world.resident)
    b = factories.proposal(consultation, world.resident)
    consultation_id = consultation.id
    steps = [
        lambda: voting.cast_ballot(world.resident, consultation, [a.id], utcnow()),
        lambda: voting.cast_ballot(world.resident, consultation, [b.id], utcnow()),
    ]
    for step in steps:
        before = revision(consultation_id)
        step()
        assert revision(consultation_id) == before + 1
    before = revision(consultation_id)
    ballot = voting.ballot_state(world.resident, consultation).ballot
    voting.delete_ballot(ballot)
    db.session.commit()
    assert revision(consultation_id) == before + 1


def test_nothing_moves_for_unrelated_changes_or_rolled_back_ones(app, world, ideas):
    consultation, proposal = ideas
    before = revision(consultation.id)
    stranger = db.session.get(User, world.newcomer.id)  # wrote no proposal
    stranger.display_name = "Quelqu'un"
    db.session.commit()
    proposal.title = "Jamais enregistré"
    db.session.flush()
    db.session.rollback()
    assert revision(consultation.id) == before


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.get_data(as_text=True)
    # Fragments are inserted as HTML, never escaped into text.
    assert not re.search(r"&lt;/?(section|p|ul|li|div|table|h2|a)\b", text), url
    return text


def test_the_list_shows_each_change_at_once(app, client, login, world, ideas):
    consultation, proposal = ideas
    url = f"/consultations/{consultation.id}"
    login(world.staff)
    assert "0 commentaire" in page(client, url)
    assert "0 commentaire" in page(client, url)  # served from the cache
    proposals.post_comment(world.resident, proposal, "Bonne idée.", utcnow())
    assert "1 commentaire" in page(client, url)
    accounts.update_profile(world.resident, display_name="Awa D.", language="fr")
    assert "Par Awa D." in page(client, url)
    db.session.get(Consultation, consultation.id).body_html = "<p>Nouveau texte.</p>"
    db.session.commit()
    assert "Nouveau texte." in page(client, url)


def test_a_cached_page_costs_fewer_queries_and_is_the_same(
    app, client, login, world, ideas, count_queries
):
    consultation, _ = ideas
    for n in range(3):
        factories.proposal(consultation, world.resident, title=f"Idée {n}")
    url = f"/consultations/{consultation.id}?tri=recent"
    login(world.resident)
    db.session.remove()
    with count_queries() as cold:
        first = page(client, url)
    db.session.remove()
    with count_queries(warm=True) as warm:
        second = page(client, url)
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert token.sub("", second) == token.sub("", first)  # tokens are timestamped
    # The list's count, ids and rows (with authors and places) are not read again.
    assert len(warm) <= len(cold) - 3


def test_each_language_has_its_own_fragments(app, client, world, ideas):
    consultation, _ = ideas
    url = f"/consultations/{consultation.id}"
    assert "Calendrier" in page(client, url)
    with client.session_transaction() as session:
        session["language"] = "en"
    english = page(client, url)
    assert "Calendrier" not in english
    assert 'lang="en"' in english


@pytest.fixture
def closed(world):
    """An approval vote that closed half a day ago, with one ballot."""
    past = utcnow() - timedelta(days=1)
    consultation = factories.consultation(world.building, Phase.VOTING, now=past)
    first = factories.proposal(consultation, world.resident, title="Des bancs")
    factories.proposal(consultation, world.resident, title="Un composteur")
    voting.cast_ballot(world.resident, consultation, [first.id], past)
    assert consultation.phase(utcnow()) is Phase.RESULTS
    return consultation, first


def test_the_count_is_cached_once_voting_closed_and_follows_changes(
    app, client, login, world, closed, count_queries
):
    consultation, first = closed
    consultation_id, first_id, staff_id = consultation.id, first.id, world.staff.id
    url = f"/consultations/{consultation.id}/resultats"
    login(world.staff)
    page(client, url)  # stores the roll (moves the revision): not cached
    db.session.remove()
    with count_queries(warm=True) as cold:
        stored = page(client, url)
    db.session.remove()
    with count_queries(warm=True) as warm:
        assert page(client, url) == stored
    assert len(warm) < len(cold)
    assert "Des bancs" in stored
    proposal = db.session.get(Proposal, first_id)
    proposal.title = "Des bancs à l'ombre"
    db.session.commit()
    assert "Des bancs à l&#39;ombre" in page(client, url)
    consultations.publish_outcome(
        db.session.get(User, staff_id),
        db.session.get(Consultation, consultation_id),
        [proposal],
        "Les bancs seront posés en mai.",
        utcnow(),
    )
    assert "Les bancs seront posés en mai." in page(client, url)


def test_while_voting_runs_the_count_is_never_cached(
    app, client, login, world, count_queries
):
    consultation = factories.consultation(
        world.building, Phase.VOTING, live_results=True
    )
    proposal = factories.proposal(consultation, world.resident, title="Des bancs")
    ids = consultation.id, proposal.id, world.resident.id
    url = f"/consultations/{consultation.id}/resultats"
    login(world.staff)
    page(client, url)
    db.session.remove()
    with count_queries(warm=True) as second:
        page(client, url)
    db.session.remove()
    with count_queries() as cold:
        page(client, url)
    assert len(second) == len(cold)
    voter, consultation = (
        db.session.get(User, ids[2]),
        db.session.get(Consultation, ids[0]),
    )
    voting.cast_ballot(voter, consultation, [ids[1]], utcnow())
    assert "1 votant" in page(client, url)


def test_a_failing_cache_only_costs_rendering(make_app, caplog):
    """Redis gone (nothing listens on port 1): pages are served, one warning."""
    app = make_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        world = factories.build_world()
        consultation = factories.consultation(world.building, Phase.IDEAS)
        factories.proposal(consultation, world.resident, title="Des bancs")
        url = f"/consultations/{consultation.id}"
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="participation.fragments"):
        for _ in range(3):
            assert "Des bancs" in page(client, url)
    warnings = [r for r in caplog.records if r.name == "participation.fragments"]
    assert len(warnings) == 1
    assert "fragment cache unavailable" in warnings[0].getMessage()


def test_a_new_release_never_reads_the_previous_ones_fragments(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("<p>{{ title }}</p>")
    before = fragments.release_fingerprint([templates])
    assert fragments.release_fingerprint([templates]) == before
    (templates / "page.html").write_text("<p>{{ title|upper }}</p>")
    assert fragments.release_fingerprint([templates]) != before


def test_the_key_holds_what_the_fragment_depends_on(app, world, ideas):
    consultation, _ = ideas
    with app.test_request_context():
        base = fragments.key("proposals", consultation, ("recent", 1))
        assert fragments.key("proposals", consultation, ("recent", 1)) == base
        assert fragments.key("proposals", consultation, ("recent", 2)) != base
        consultation.revision += 1
        assert fragments.key("proposals", consultation, ("recent", 1)) != base
    db.session.rollback()
    cache.clear()


# --- objectives ----------------------------------------------------------------------


def objective_revision(objective_id: int) -> int:
    return revision(objective_id, Objective)


@pytest.fixture
def tracked(world):
    """An objective with the city as data source and party, and a twin."""
    group = factories.group(world.building, title="Encombrants")
    objective = factories.objective(group, source_organisation=world.partner_org)
    twin = factories.objective(group, title="Autre objectif")
    commitment = factories.commitment(objective, world.partner_org, title="Collectes")
    return objective, twin, commitment


def test_each_change_the_objective_page_shows_moves_its_revision(app, world, tracked):
    objective, twin, commitment = tracked
    ids = objective.id, twin.id

    def rename_city():
        db.session.get(Organisation, world.partner_org.id).name = "Ville de Lyon"
        db.session.commit()

    def edit_commitment():
        commitment.status = CommitmentStatus.IN_PROGRESS
        db.session.commit()

    changes = {
        "measurement": lambda: factories.measurement(objective, date(2026, 2, 1), 12),
        "milestone": lambda: (
            db.session.add(
                Milestone(objective=objective, due_date=date(2026, 6, 1), value=9)
            ),
            db.session.commit(),
        ),
        "commitment": lambda: factories.commitment(objective, None, title="Trier"),
        "commitment edited": edit_commitment,
        "action": lambda: factories.action(commitment, date(2026, 2, 3)),
        "objective edited": lambda: (
            setattr(objective, "title", "Moins d'encombrants"),
            db.session.commit(),
        ),
        "organisation renamed": rename_city,
    }
    for label, change in changes.items():
        before, untouched = objective_revision(ids[0]), objective_revision(ids[1])
        change()
        assert objective_revision(ids[0]) == before + 1, label
        assert objective_revision(ids[1]) == untouched, label


def test_the_objective_page_shows_each_change_at_once(
    app, client, login, world, tracked, count_queries
):
    objective, _, commitment = tracked
    objective_id, commitment_id = objective.id, commitment.id
    url = f"/objectifs/{objective.id}"
    login(world.staff)
    assert "Aucune action rapportée" in page(client, url)
    db.session.remove()
    with count_queries() as cold:
        page(client, url)
    db.session.remove()
    with count_queries(warm=True) as warm:
        page(client, url)
    assert len(warm) < len(cold)  # neither the chart's values nor the commitments
    commitment = db.session.get(Commitment, commitment_id)
    factories.action(
        commitment, date(2026, 2, 3), description_html="<p>Collecte du 3</p>"
    )
    assert "Collecte du 3" in page(client, url)
    objective = db.session.get(Objective, objective_id)
    factories.measurement(objective, date(2026, 2, 1), 3)
    assert "Atteint : 3 signalements" in " ".join(page(client, url).split())


def test_readers_who_may_correct_different_values_get_their_own_table(
    app, client, login, world, tracked
):
    """The measurements table is keyed by the values the reader may correct: a
    member who may correct none never gets the staff's links from the cache."""
    objective, _, _ = tracked
    factories.measurement(objective, date(2026, 2, 1), 12)
    factories.member(objective.group, world.resident)
    url = f"/objectifs/{objective.id}"
    login(world.staff)
    assert "Corriger" in page(client, url)
    other = app.test_client()
    response = other.post(
        "/compte/connexion",
        data={"email": world.resident.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    resident = page(other, url)
    assert "Corriger" not in resident
    assert "12" in resident


def test_a_partner_gets_links_for_their_own_values_only_whoever_came_first(app, world):
    """Staff, then the source partner, then a second partner organisation's
    account read the same table: each sees the links their rights give."""
    group = factories.group(
        world.building, title="Encombrants", partners=[world.partner_org]
    )
    objective = factories.objective(group, source_organisation=world.partner_org)
    factories.measurement(
        objective, date(2026, 2, 1), 12, organisation_id=world.partner_org.id
    )
    factories.measurement(objective, date(2026, 2, 2), 11)  # typed by the staff
    url = f"/objectifs/{objective.id}"
    expected = {world.staff: 2, world.partner: 1, world.admin: 2}
    for user, links in expected.items():
        client = app.test_client()
        response = client.post(
            "/compte/connexion",
            data={"email": user.email, "password": factories.PASSWORD},
        )
        assert response.status_code == 302
        assert page(client, url).count("/corriger") == links, user
