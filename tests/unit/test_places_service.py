"""The place tree: materialised paths, kinds, names, deletion, audit, permissions."""

from __future__ import annotations

import pytest

from participation.extensions import db
from participation.models import (
    AuditEvent,
    Dwelling,
    OrganisationKind,
    Place,
    PlaceKind,
    descendants_of,
)
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    places,
)
from participation.timeutil import utcnow
from tests import factories


def place_with_id(landlord, parent, place_id: int, name: str) -> Place:
    """A place with a chosen id, to line up ids that share a prefix (1 and 10)."""
    kind = parent.kind.child_kind if parent else PlaceKind.TERRITORY
    place = Place(id=place_id, landlord_id=landlord.id, parent=parent, kind=kind)
    place.name = name
    db.session.add(place)
    db.session.flush()
    places.set_path(place)
    db.session.commit()
    return place


def subtree(place: Place) -> set[int]:
    return set(db.session.scalars(db.select(Place.id).where(descendants_of(place))))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action)))


def test_a_path_is_the_parents_path_plus_the_own_id(world):
    assert world.territory.path == f"/{world.territory.id}/"
    assert world.residence.path == f"{world.territory.path}{world.residence.id}/"
    assert world.entrance.path == f"{world.building.path}{world.entrance.id}/"
    assert world.entrance.ancestor_ids == [
        world.territory.id,
        world.residence.id,
        world.building.id,
    ]


def test_descendants_are_the_subtree_only(world):
    assert subtree(world.residence) == {
        world.residence.id,
        world.building.id,
        world.entrance.id,
    }
    assert subtree(world.entrance) == {world.entrance.id}


def test_descendants_never_include_a_sibling_whose_id_shares_the_prefix(app):
    landlord = factories.organisation()
    base = (db.session.scalar(db.select(db.func.max(Place.id))) or 0) + 1
    one = place_with_id(landlord, None, base, "Un")
    ten = place_with_id(landlord, None, base * 10, "Dix")
    inside_ten = place_with_id(landlord, ten, base * 10 + 1, "Dans dix")
    inside_one = place_with_id(landlord, one, base * 10 + 2, "Dans un")
    assert ten.path.startswith(one.path.rstrip("/"))  # the trap is really set
    assert subtree(one) == {one.id, inside_one.id}
    assert subtree(ten) == {ten.id, inside_ten.id}
    assert not inside_ten.is_within(one)
    assert inside_one.is_within(one)


@pytest.mark.parametrize(
    ("parent", "kind"),
    [
        (None, PlaceKind.TERRITORY),
        ("territory", PlaceKind.RESIDENCE),
        ("residence", PlaceKind.BUILDING),
        ("building", PlaceKind.ENTRANCE),
    ],
)
def test_the_kind_of_a_place_follows_its_parent(world, parent, kind):
    place = places.create_place(
        world.staff,
        name="Nouveau",
        now=utcnow(),
        parent=getattr(world, parent) if parent else None,
        landlord=world.landlord,
    )
    assert db.session.get(Place, place.id).kind is kind
    assert place.landlord_id == world.landlord.id


def test_an_entrance_cannot_contain_places(world):
    before = db.session.scalar(db.select(db.func.count(Place.id)))
    with pytest.raises(InvalidTransition):
        places.create_place(
            world.staff, name="Sous-sol", now=utcnow(), parent=world.entrance
        )
    assert db.session.scalar(db.select(db.func.count(Place.id))) == before


@pytest.mark.parametrize("name", ["Bâtiment A", "bâtiment a", "  BÂTIMENT A  "])
def test_siblings_cannot_share_a_name_whatever_the_case(world, name):
    with pytest.raises(ValidationError) as error:
        places.create_place(
            world.staff, name=name, now=utcnow(), parent=world.residence
        )
    assert "name" in error.value.errors
    count = db.session.scalar(
        db.select(db.func.count(Place.id)).filter_by(parent_id=world.residence.id)
    )
    assert count == 1


def test_sibling_names_compare_accented_capitals_too(world):
    places.create_place(
        world.staff, name="Étoile", now=utcnow(), parent=world.residence
    )
    with pytest.raises(ValidationError):
        places.create_place(
            world.staff, name="ÉTOILE", now=utcnow(), parent=world.residence
        )


def test_territories_of_one_landlord_cannot_share_a_name(world):
    with pytest.raises(ValidationError):
        places.create_place(
            world.staff,
            name=world.territory.name.upper(),
            now=utcnow(),
            landlord=world.landlord,
        )


def test_the_same_name_is_allowed_under_another_parent_or_landlord(world):
    other_residence = places.create_place(
        world.staff, name="Autre résidence", now=utcnow(), parent=world.territory
    )
    twin = places.create_place(
        world.staff, name="Bâtiment A", now=utcnow(), parent=other_residence
    )
    assert twin.parent_id == other_residence.id
    places.create_place(
        world.other_staff,
        name=world.territory.name,
        now=utcnow(),
        landlord=world.other_landlord,
    )


def test_renaming_to_a_siblings_name_is_refused_and_changes_nothing(world):
    sibling = places.create_place(
        world.staff, name="Bâtiment B", now=utcnow(), parent=world.residence
    )
    with pytest.raises(ValidationError):
        places.update_place(
            world.staff, sibling, name="BÂTIMENT A", address="", now=utcnow()
        )
    db.session.rollback()
    assert db.session.get(Place, sibling.id).name == "Bâtiment B"


def test_renaming_a_place_to_its_own_name_in_another_case_is_allowed(world):
    places.update_place(
        world.staff, world.building, name="BÂTIMENT A", address="1 rue", now=utcnow()
    )
    db.session.expire_all()
    assert world.building.name == "BÂTIMENT A"
    assert world.building.address == "1 rue"


def test_creating_a_place_is_audited_with_actor_and_landlord(world):
    now = utcnow()
    place = places.create_place(
        world.staff, name="Entrée 2", now=now, parent=world.building
    )
    [event] = events("place.create")
    assert (event.actor_id, event.landlord_id) == (world.staff.id, world.landlord.id)
    assert (event.object_type, event.object_id) == ("Place", place.id)
    assert event.occurred_at == now


def test_renaming_a_place_is_audited_with_the_previous_name(world):
    places.update_place(
        world.admin, world.building, name="Bâtiment Z", address="", now=utcnow()
    )
    [event] = events("place.update")
    assert event.actor_id == world.admin.id
    assert event.landlord_id == world.landlord.id
    assert event.details["before"]["name"] == "Bâtiment A"


def test_an_empty_place_can_be_deleted_and_the_deletion_is_audited(world):
    entrance_id = world.entrance.id
    places.delete_place(world.staff, world.entrance, utcnow())
    assert db.session.get(Place, entrance_id) is None
    [event] = events("place.delete")
    assert (event.actor_id, event.landlord_id) == (world.staff.id, world.landlord.id)
    assert event.object_id == entrance_id


@pytest.mark.parametrize("level", ["territory", "residence", "building"])
def test_a_place_with_places_or_dwellings_inside_cannot_be_deleted(world, level):
    place = getattr(world, level)
    with pytest.raises(InvalidTransition):
        places.delete_place(world.staff, place, utcnow())
    db.session.rollback()
    assert db.session.get(Place, place.id) is not None
    assert events("place.delete") == []


def test_a_building_holding_only_dwellings_cannot_be_deleted(world):
    places.delete_place(world.staff, world.entrance, utcnow())
    with pytest.raises(InvalidTransition):
        places.delete_place(world.staff, world.building, utcnow())
    count = db.session.scalar(
        db.select(db.func.count(Dwelling.id)).filter_by(place_id=world.building.id)
    )
    assert count == 3


@pytest.mark.parametrize("who", ["other_staff", "partner", "resident"])
def test_only_the_landlords_people_change_its_tree(world, who):
    user = getattr(world, who)
    now = utcnow()
    before = db.session.scalar(db.select(db.func.count(Place.id)))
    with pytest.raises(PermissionDenied):
        places.create_place(user, name="X", now=now, landlord=world.landlord)
    with pytest.raises(PermissionDenied):
        places.create_place(user, name="X", now=now, parent=world.residence)
    with pytest.raises(PermissionDenied):
        places.update_place(user, world.building, name="X", address="", now=now)
    with pytest.raises(PermissionDenied):
        places.delete_place(user, world.entrance, now)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Place.id))) == before
    assert world.building.name == "Bâtiment A"
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0


def test_a_territory_needs_a_landlord_organisation(world):
    with pytest.raises(PermissionDenied):
        places.create_place(world.admin, name="Nulle part", now=utcnow())
    with pytest.raises(PermissionDenied):
        places.create_place(
            world.admin, name="Mairie", now=utcnow(), landlord=world.partner_org
        )
    assert world.partner_org.kind is OrganisationKind.CITY


def test_an_admin_starts_a_tree_for_any_landlord(world):
    place = places.create_place(
        world.admin, name="Les Acacias", now=utcnow(), landlord=world.other_landlord
    )
    assert place.landlord_id == world.other_landlord.id
    assert place.parent_id is None


def test_managed_places_are_scoped_to_the_staffs_landlord(world):
    mine = db.session.scalars(places.managed_places_query(world.staff)).all()
    everything = db.session.scalars(places.managed_places_query(world.admin)).all()
    nothing = db.session.scalars(places.managed_places_query(world.partner)).all()
    assert {p.landlord_id for p in mine} == {world.landlord.id}
    assert len(mine) == 4
    assert len(everything) == 8
    assert nothing == []


def test_the_tree_lists_children_right_after_their_parent_by_name(world):
    places.create_place(world.staff, name="Aaa", now=utcnow(), parent=world.territory)
    rows = places.tree_rows(
        db.session.scalars(places.managed_places_query(world.staff)).all()
    )
    names = [p.name for p in rows]
    assert names == [
        world.territory.name,
        "Aaa",
        "Résidence",
        "Bâtiment A",
        "Entrée 1",
    ]


def test_the_summary_counts_only_what_the_staff_manage(world):
    factories.verification_request(world.newcomer, world.building)
    assert places.summary(world.staff) == {
        "places": 4,
        "dwellings": 3,
        "residents": 1,
        "pending": 1,
    }
    assert places.summary(world.other_staff)["pending"] == 0
    assert places.summary(world.admin)["dwellings"] == 6


def test_dwelling_counts_below_a_place_include_every_level(world):
    db.session.add(
        Dwelling(landlord_id=world.landlord.id, place=world.entrance, reference="E-1")
    )
    db.session.commit()
    assert places.dwelling_count_below(world.territory) == 4
    assert places.dwelling_count_below(world.entrance) == 1
    assert places.dwelling_counts([world.building.id, world.entrance.id]) == {
        world.building.id: 3,
        world.entrance.id: 1,
    }
