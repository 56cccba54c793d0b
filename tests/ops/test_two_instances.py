"""Two real gunicorn instances on one database and one Redis, as behind a load
balancer: a vote cast through one is seen through the other, rate limits are
shared, and the same ballot sent to both at once is stored once.

Runs on PostgreSQL (its own schema) when PARTICIPATION_TEST_DATABASE_URL is set,
else on a shared SQLite file; needs Redis (skipped without it, unless
PARTICIPATION_REQUIRE_REDIS=1).
"""

from __future__ import annotations

import json
import re
import signal
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa

from participation import create_app
from participation.extensions import db
from participation.models import Ballot, Phase
from participation.services import voting
from tests import factories
from tests.conftest import POSTGRES_URL, make_test_config
from tests.ops.conftest import Server, delete_keys

SECRET = "two-instances-test-secret-0123456789abcdef"
CSRF = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirect)


@dataclass
class Answer:
    status: int
    body: str
    cookies: dict[str, str]


class Browser:
    """One person's cookies, sent to whichever instance; a fixed client address
    (X-Forwarded-For, trusted as from a load balancer)."""

    def __init__(self, address: str):
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, base: str, path: str, data: dict | None = None) -> Answer:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data else None
        request = urllib.request.Request(base + path, data=body)  # noqa: S310
        request.add_header("X-Forwarded-For", self.address)
        if self.cookies:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            request.add_header("Cookie", cookie)
        try:
            response = _opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            jar = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
            return Answer(response.status, response.read().decode(), self.cookies)

    def token(self, base: str, path: str) -> str:
        match = CSRF.search(self.request(base, path).body)
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def post(self, base: str, path: str, data: dict) -> Answer:
        return self.request(base, path, {**data, "csrf_token": self.token(base, path)})

    def login(self, base: str, email: str, password: str = factories.PASSWORD) -> None:
        answer = self.post(
            base, "/compte/connexion", {"email": email, "password": password}
        )
        assert answer.status == 302, answer.body[:500]


@dataclass
class Cluster:
    app: object
    one: str
    two: str


@pytest.fixture(scope="module")
def cluster(redis_url, tmp_path_factory) -> Iterator[Cluster]:
    """Two gunicorn instances (1 worker × 4 threads each) sharing everything."""
    folder = tmp_path_factory.mktemp("two-instances")
    schema, prefix = f"ops_{uuid.uuid4().hex[:10]}", f"opstest-{uuid.uuid4().hex[:12]}"
    if POSTGRES_URL:
        url = POSTGRES_URL
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    else:
        url, options = f"sqlite:///{folder / 'shared.db'}", {}
    app = create_app(
        make_test_config(url, options, WTF_CSRF_ENABLED=True),
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        db.create_all()
    env = {
        "PARTICIPATION_DATABASE_URL": url,
        "PARTICIPATION_SQLALCHEMY_ENGINE_OPTIONS": json.dumps(options),
        "PARTICIPATION_SECRET_KEY": SECRET,
        "PARTICIPATION_REDIS_URL": redis_url,
        "PARTICIPATION_RATELIMIT_KEY_PREFIX": prefix,
        "PARTICIPATION_RATELIMIT_LOGIN": "3 per minute",
        "PARTICIPATION_TRUSTED_PROXIES": "1",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
        "LOG_LEVEL": "warning",
    }
    servers = [Server(env, folder / f"gunicorn-{n}.log") for n in (1, 2)]
    try:
        for server in servers:
            server.wait_ready()
        with app.app_context():
            yield Cluster(app, servers[0].url, servers[1].url)
            db.session.remove()
    finally:
        for server in servers:
            server.process.send_signal(signal.SIGINT)
        for server in servers:
            server.stop()
        delete_keys(redis_url, prefix)
        with app.app_context():
            db.engine.dispose()
        if POSTGRES_URL:
            with engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()


@pytest.fixture(scope="module")
def world(cluster) -> factories.World:
    return factories.build_world()


def ballots(consultation) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count(Ballot.id)).filter_by(consultation_id=consultation.id)
    )


def test_a_vote_cast_through_one_instance_is_seen_through_the_other(cluster, world):
    """The session signed by instance 1 works on instance 2, which shows "you
    voted" once instance 1 stored the ballot (and its running tally)."""
    consultation = factories.consultation(
        world.territory, Phase.VOTING, live_results=True
    )
    chosen = factories.proposal(consultation, world.resident)
    vote = f"/consultations/{consultation.id}/vote"
    person = Browser("10.30.0.1")
    person.login(cluster.one, world.resident.email)

    before = person.request(cluster.two, vote).body
    answer = person.post(cluster.one, vote, {"choices": [chosen.id]})

    assert answer.status == 302
    assert "Vous avez voté" not in before
    assert "Vous avez voté" in person.request(cluster.two, vote).body
    assert ballots(consultation) == 1
    db.session.refresh(chosen)
    assert chosen.support_count == 1


def test_a_login_rate_limit_hit_on_one_instance_counts_on_the_other(cluster, world):
    """Three failed logins on instance 1 (the limit), then instance 2 answers 429
    to the same address but not to another one."""
    guesser, other = Browser("10.30.1.1"), Browser("10.30.1.2")
    wrong = {"email": world.resident.email, "password": "pas le bon"}

    first = [
        guesser.post(cluster.one, "/compte/connexion", wrong).status for _ in "abc"
    ]

    assert first == [200, 200, 200]
    assert guesser.post(cluster.two, "/compte/connexion", wrong).status == 429
    assert other.post(cluster.two, "/compte/connexion", wrong).status == 200


ATTEMPTS = 6


def test_the_same_ballot_sent_to_both_instances_at_once_is_stored_once(cluster, world):
    """Six tabs of one household (two people) post at the same instant, half to
    each instance: no server error, one ballot, stored totals equal a recount."""
    consultation = factories.consultation(world.territory, Phase.VOTING)
    first, second = (factories.proposal(consultation, world.resident) for _ in "ab")
    flatmate = factories.resident_of(world.dwellings[0])
    vote = f"/consultations/{consultation.id}/vote"
    tabs = []
    for index in range(ATTEMPTS):
        tab = Browser(f"10.30.2.{index + 1}")
        base = cluster.one if index % 2 else cluster.two
        tab.login(base, (world.resident if index % 3 else flatmate).email)
        tabs.append((tab, base, tab.token(base, vote)))
    ids = first.id, second.id  # read here: the threads have no app context
    barrier = threading.Barrier(ATTEMPTS)
    statuses: list[int] = []

    def submit(index: int) -> None:
        tab, base, token = tabs[index]
        data = {"choices": [ids[index % 2]], "csrf_token": token}
        barrier.wait()
        statuses.append(tab.request(base, vote, data).status)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [302] * ATTEMPTS
    assert ballots(consultation) == 1
    assert voting.stored_totals(consultation) == voting.recount(consultation)
