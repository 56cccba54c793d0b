"""Model rules that hold on both databases: ids, time zones, uniqueness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from participation.extensions import db
from participation.models import (
    AuditEvent,
    Dwelling,
    InvitationCode,
    OrganisationKind,
    Place,
    PlaceKind,
    Role,
    User,
    VerificationStatus,
    descendants_of,
)
from participation.models.invitation import (
    ALPHABET,
    hash_code,
    new_code,
    normalise_code,
)
from participation.models.state import InvalidTransition
from participation.services.places import add_place
from tests import factories


def test_place_kinds_follow_the_tree_order():
    assert PlaceKind.TERRITORY.child_kind is PlaceKind.RESIDENCE
    assert PlaceKind.RESIDENCE.child_kind is PlaceKind.BUILDING
    assert PlaceKind.BUILDING.child_kind is PlaceKind.ENTRANCE
    assert PlaceKind.ENTRANCE.child_kind is None
    assert [k for k in PlaceKind if k.holds_dwellings] == [
        PlaceKind.BUILDING,
        PlaceKind.ENTRANCE,
    ]


def test_materialised_path_gives_ancestors_depth_and_descendants(app):
    landlord = factories.organisation()
    territory, residence, building, entrance, _ = factories.tree(landlord)
    assert entrance.path == (
        f"/{territory.id}/{residence.id}/{building.id}/{entrance.id}/"
    )
    assert entrance.ancestor_ids == [territory.id, residence.id, building.id]
    assert [territory.depth, entrance.depth] == [1, 4]
    assert entrance.is_within(residence) and not residence.is_within(entrance)
    below = db.session.scalars(
        db.select(Place.id).where(descendants_of(residence)).order_by(Place.id)
    ).all()
    assert below == [residence.id, building.id, entrance.id]


def test_descendants_never_include_a_place_whose_id_shares_a_prefix(app):
    """/1/ must not match /10/ or /11/: the path ends with a separator."""
    landlord = factories.organisation()
    places = [add_place(landlord, None, f"Quartier {i}") for i in range(12)]
    db.session.commit()
    first = places[0]
    matched = db.session.scalars(db.select(Place).where(descendants_of(first))).all()
    assert matched == [first]


def test_emails_are_stored_lower_case_and_unique_whatever_the_case(app):
    factories.user(email="Marie.Curie@Exemple.FR")
    assert db.session.scalar(db.select(User.email).filter_by(role=Role.RESIDENT)) == (
        "marie.curie@exemple.fr"
    )
    with pytest.raises(IntegrityError):
        factories.user(email="MARIE.CURIE@exemple.fr ")
    db.session.rollback()


def test_dwelling_reference_is_unique_per_landlord_only(app):
    first, second = factories.organisation(), factories.organisation()
    _, _, building, _, homes = factories.tree(first, dwellings=1)
    _, _, other_building, _, _ = factories.tree(second, dwellings=0)
    db.session.add(
        Dwelling(
            landlord_id=second.id, place=other_building, reference=homes[0].reference
        )
    )
    db.session.commit()
    db.session.add(
        Dwelling(landlord_id=first.id, place=building, reference=homes[0].reference)
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_datetimes_come_back_aware_and_in_utc(app):
    """SQLite drops time zones, PostgreSQL converts them: both give aware UTC."""
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 29, 2, 30, tzinfo=paris)
    user = factories.user(created_at=moment)
    db.session.expire_all()
    stored = db.session.get(User, user.id).created_at
    assert stored.tzinfo is not None
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)


def test_deleting_an_actor_keeps_their_audit_events(app):
    """ON DELETE SET NULL: the trail survives the account."""
    actor = factories.user(Role.ADMIN)
    event = AuditEvent(
        occurred_at=datetime.now(UTC),
        actor_id=actor.id,
        action="test.action",
        object_type="User",
        object_id=actor.id,
    )
    db.session.add(event)
    db.session.commit()
    db.session.delete(actor)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).actor_id is None


def test_an_organisation_knows_whether_it_is_a_landlord(app):
    assert factories.organisation().is_landlord
    assert not factories.organisation(OrganisationKind.CITY).is_landlord


def test_new_codes_are_readable_and_random():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)


def test_codes_are_compared_without_case_spaces_or_dashes():
    assert normalise_code(" k7qf-m2xa 9hrt ") == "K7QFM2XA9HRT"
    assert hash_code("k7qf m2xa 9hrt") == hash_code("K7QF-M2XA-9HRT")
    assert len(hash_code("K7QF-M2XA-9HRT")) == 64


def test_a_code_is_usable_once_and_before_it_expires():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    code = InvitationCode(expires_at=now + timedelta(days=1))
    assert code.is_usable(now)
    assert not code.is_usable(now + timedelta(days=2))
    code.used_at = now
    assert not code.is_usable(now)


def test_a_request_is_decided_once_and_a_residency_ends_once(app):
    """The models refuse illegal moves themselves (InvalidTransition)."""
    landlord = factories.organisation()
    _, _, building, _, homes = factories.tree(landlord, dwellings=1)
    staff = factories.user(Role.STAFF, landlord)
    request = factories.verification_request(factories.user(), building)
    now = datetime.now(UTC)
    request.decide(VerificationStatus.REFUSED, staff, now, note="Inconnu")
    with pytest.raises(InvalidTransition):
        request.decide(VerificationStatus.APPROVED, staff, now, dwelling=homes[0])
    assert (request.status, request.dwelling) == (VerificationStatus.REFUSED, None)
    residency = factories.resident_of(homes[0]).residencies[0]
    residency.end(now)
    with pytest.raises(InvalidTransition):
        residency.end(now + timedelta(days=1))
    assert residency.ended_at == now
