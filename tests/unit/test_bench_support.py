"""What the benchmark relies on: its bulk seed, its signed sessions, and the
proposal list whose last page costs what its first does."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from bench.seed import SCALES, seed, session_cookie
from participation.blueprints.voting.views import _csv, chunked
from participation.extensions import db
from participation.models import (
    Ballot,
    Consultation,
    Phase,
    Proposal,
    ProposalStatus,
)
from participation.services import proposals, voting
from participation.timeutil import utcnow
from tests import factories

TINY = SCALES["tiny"]


def _ballots(consultation_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(Ballot.consultation_id == consultation_id)
    )


def test_the_bench_seed_stores_running_totals_equal_to_a_recount(app):
    """Bulk-inserted ballots come with tallies that a full recount confirms."""
    seeded = seed(TINY, utcnow())
    expected = {
        seeded.large: TINY.votes,
        seeded.reference: TINY.votes * TINY.reference_proposals // TINY.proposals,
        seeded.results: TINY.result_ballots,
        seeded.vote: 0,
    }
    for consultation_id, ballots in expected.items():
        consultation = db.session.get(Consultation, consultation_id)
        assert _ballots(consultation_id) == ballots
        assert voting.recount(consultation) == voting.stored_totals(consultation)
    large = db.session.get(Consultation, seeded.large)
    assert sum(total[0] for total in voting.stored_totals(large).values()) == TINY.votes
    assert len(seeded.voter_tokens) == TINY.voters


def test_new_rows_after_the_seed_get_fresh_ids(app):
    """The seed inserts explicit ids: sequences must move past them."""
    seeded = seed(TINY, utcnow())
    consultation = db.session.get(Consultation, seeded.vote)
    extra = factories.proposal(consultation)
    assert extra.id > max(seeded.vote_proposals)


def test_a_bench_session_votes_like_a_logged_in_resident(make_app):
    """The signed session and its CSRF token pass the real checks; without the
    token the ballot is refused and nothing is stored."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        seeded = seed(TINY, utcnow())
        cookie, csrf_token = session_cookie(app, seeded.voter_tokens[0])
        client = app.test_client()
        client.set_cookie("session", cookie, domain=app.config["SERVER_NAME"])
        url = f"/consultations/{seeded.vote}/vote"
        choices = seeded.vote_proposals[:2]

        refused = client.post(url, data={"choices": choices})
        assert refused.status_code == 400
        assert _ballots(seeded.vote) == 0

        response = client.post(url, data={"csrf_token": csrf_token, "choices": choices})
        assert response.status_code == 302
        assert _ballots(seeded.vote) == 1
        consultation = db.session.get(Consultation, seeded.vote)
        totals = voting.stored_totals(consultation)
        assert sorted(totals) == sorted(choices)
        assert voting.recount(consultation) == totals


def _listed_consultation(world) -> Consultation:
    consultation = factories.consultation(world.territory, Phase.RESULTS)
    for n in range(47):
        factories.proposal(
            consultation,
            world.resident,
            support_count=n % 5,  # many ties: the order must break them the same
            status=ProposalStatus.HIDDEN if n % 11 == 0 else ProposalStatus.PUBLISHED,
        )
    return consultation


@pytest.mark.parametrize("sort", proposals.SORTS)
def test_proposal_pages_are_those_of_plain_pagination(app, world, sort):
    """Every page holds the same proposals, in the same order, with the same
    totals, as the plain OFFSET pagination it replaces; past the end is a 404."""
    consultation = _listed_consultation(world)
    query = proposals.proposals_query(consultation, sort=sort, seed=7)
    seen = []
    for page in (1, 2, 3):
        with app.test_request_context(f"/?page={page}"):
            plain = db.paginate(query, per_page=20, max_per_page=20)
            deferred = proposals.paginate(query, 20)
        assert [p.id for p in deferred.items] == [p.id for p in plain.items]
        assert (deferred.total, deferred.pages) == (plain.total, plain.pages) == (42, 3)
        seen += [p.id for p in deferred.items]
    assert len(set(seen)) == 42
    with app.test_request_context("/?page=4"), pytest.raises(NotFound):
        proposals.paginate(query, 20)


def test_the_offset_walks_ids_only(app, world, count_queries):
    """The query that skips the earlier pages selects the id alone, and the page's
    rows come with their author (no query per proposal)."""
    consultation = _listed_consultation(world)
    query = proposals.proposals_query(consultation, sort="support")
    with app.test_request_context("/?page=3"), count_queries() as statements:
        page = proposals.paginate(query, 20)
        names = [p.author.display_name for p in page.items]
    assert len(names) == 2
    offset = [s for s in statements if "OFFSET" in s.upper()]
    assert len(offset) == 1
    selected = offset[0].upper().split("FROM")[0]
    assert "PROPOSAL.ID" in selected
    assert "PROPOSAL.TITLE" not in selected
    assert len(statements) == 3  # ids, rows with authors, count
    assert all(p.status is not ProposalStatus.HIDDEN for p in page.items)
    assert isinstance(page.items[0], Proposal)


def test_the_ballot_export_in_slices_is_the_same_file(app, monkeypatch):
    """Exported slice by slice (large consultations), the anonymous ballots come
    out exactly as from one sort: same rows, same shuffled order, each once."""
    seeded = seed(TINY, utcnow())
    consultation = db.session.get(Consultation, seeded.large)
    whole = list(voting.export_ballots(consultation))
    monkeypatch.setattr(voting, "EXPORT_SLICE", 37)
    sliced = list(voting.export_ballots(consultation))
    assert sliced == whole
    assert len(whole) == TINY.votes + 1
    numbers = [line.split(",")[0] for line in whole[1:]]
    assert len(set(numbers)) == TINY.votes  # one choice per bench ballot
    assert numbers == sorted(numbers, key=int)
    ids = db.session.scalars(
        select(Ballot.id)
        .where(Ballot.consultation_id == seeded.large)
        .order_by(Ballot.id)
    ).all()
    assert numbers != [str(i) for i in ids]  # not the order of voting


def test_csv_lines_leave_in_chunks_of_whole_lines():
    """The header leaves alone and at once; then whole lines, gathered."""
    lines = ["entete\r\n", *(f"{n},ligne\r\n" for n in range(500))]
    chunks = list(chunked(iter(lines), size=100))
    assert chunks[0] == "entete\r\n"
    assert "".join(chunks) == "".join(lines)
    assert all(chunk.endswith("\r\n") for chunk in chunks)
    assert all(len(chunk) < 100 + 20 for chunk in chunks)
    assert 1 < len(chunks) < len(lines) // 5


def test_asking_an_export_its_length_does_not_read_it(app):
    """A hook that logs the response size must not buffer the whole export in
    memory before the first byte is sent (it gets no length instead)."""
    produced = []

    def lines():
        for n in range(1000):
            produced.append(n)
            yield f"{n}\r\n"

    with app.test_request_context():
        response = _csv(lines(), "export.csv")
        assert response.is_streamed
        assert response.calculate_content_length() is None
        assert produced == []
        body = b"".join(response.iter_encoded()).decode("utf-8-sig")
    assert body.splitlines() == [str(n) for n in range(1000)]
    assert len(produced) == 1000
