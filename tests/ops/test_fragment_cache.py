"""Cached fragments in a real Redis: shared by two app instances, never stale
across them, and only an accelerator when Redis goes away."""

from __future__ import annotations

import logging

import pytest

from participation.extensions import db
from participation.models import Consultation, Phase, Proposal, User
from participation.services import proposals
from participation.timeutil import utcnow
from tests import factories
from tests.ops.conftest import keys_with


def body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture
def instances(make_app, redis_url, key_prefix):
    """Two app instances on one database and one Redis (as behind a load
    balancer), with a consultation whose list shows one proposal."""
    config = {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"{key_prefix}:",
    }
    first, second = make_app(**config), make_app(**config)
    with first.app_context():
        world = factories.build_world()
        consultation = factories.consultation(world.building, Phase.IDEAS)
        proposal = factories.proposal(consultation, world.resident, title="Des bancs")
        ids = {
            "consultation": consultation.id,
            "proposal": proposal.id,
            "resident": world.resident.id,
        }
    return first, second, ids


def test_two_instances_share_fragments_and_see_each_others_changes(
    instances, redis_url, key_prefix
):
    first, second, ids = instances
    url = f"/consultations/{ids['consultation']}"
    assert "0 commentaire" in body(first.test_client(), url)
    stored = keys_with(redis_url, key_prefix, "fragment:proposals")
    assert len(stored) == 1
    assert "0 commentaire" in body(second.test_client(), url)
    assert keys_with(redis_url, key_prefix, "fragment:proposals") == stored  # a hit
    with second.app_context():  # a comment posted through the other instance
        proposals.post_comment(
            db.session.get(User, ids["resident"]),
            db.session.get(Proposal, ids["proposal"]),
            "Bonne idée.",
            utcnow(),
        )
    assert "1 commentaire" in body(first.test_client(), url)
    assert len(keys_with(redis_url, key_prefix, "fragment:proposals")) == 2


def test_a_redis_outage_only_costs_rendering(
    make_app, redis_proxy, redis_url, key_prefix, caplog
):
    app = make_app(
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=f"redis://127.0.0.1:{redis_proxy.port}/0",
        CACHE_KEY_PREFIX=f"{key_prefix}:",
    )
    with app.app_context():
        world = factories.build_world()
        consultation = factories.consultation(world.building, Phase.IDEAS)
        factories.proposal(consultation, world.resident, title="Des bancs")
        consultation_id = consultation.id
    url = f"/consultations/{consultation_id}"
    client = app.test_client()
    assert "Des bancs" in body(client, url)
    redis_proxy.close()
    with caplog.at_level(logging.WARNING, logger="participation.fragments"):
        for _ in range(3):
            assert "Des bancs" in body(client, url)
        with app.app_context():  # a change while Redis is away is shown too
            db.session.get(Consultation, consultation_id).title = "Nouveau titre"
            db.session.commit()
        assert "Nouveau titre" in body(client, url)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("fragment cache unavailable" in m for m in messages) == 1
    redis_proxy.open()
    app.extensions["fragments"].down_until = 0.0  # skip the few seconds' wait
    assert "Nouveau titre" in body(client, url)
    assert keys_with(redis_url, key_prefix, "fragment:about")
