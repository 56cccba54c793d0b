"""List pages issue the same number of SQL queries with 3 rows or with 60."""

from __future__ import annotations

import pytest

from participation.extensions import db
from participation.models import (
    Dwelling,
    Organisation,
    OrganisationKind,
    Place,
    Residency,
    Role,
    VerificationMethod,
)
from participation.services.places import add_place
from participation.timeutil import utcnow
from tests import factories

MORE = 60


def grow(ids: dict[str, int]) -> None:
    """Add many places, dwellings, residents, requests and accounts everywhere.

    Objects are reloaded by id: measuring empties the session.
    """
    landlord = db.session.get(Organisation, ids["landlord"])
    residence = db.session.get(Place, ids["residence"])
    partner_org = db.session.get(Organisation, ids["partner_org"])
    for n in range(MORE):
        building = add_place(landlord, residence, f"Bâtiment {n:02}")
        dwelling = Dwelling(
            landlord_id=landlord.id, place=building, reference=f"G-{n:03}"
        )
        db.session.add(dwelling)
        db.session.commit()
        factories.resident_of(dwelling)
        newcomer = factories.user(Role.RESIDENT)
        factories.verification_request(newcomer, building)
        factories.user(Role.PARTNER, partner_org)
    for n in range(5):  # more landlords, each with its own staff and tree
        landlord = factories.organisation(OrganisationKind.LANDLORD)
        factories.user(Role.STAFF, landlord)
        _, _, building, _, homes = factories.tree(landlord, f"Autre {n}")
        factories.resident_of(homes[0])
        factories.verification_request(factories.user(Role.RESIDENT), building)


def ids_of(world) -> dict[str, int]:
    names = ["landlord", "partner_org", "residence", "building", "other_building"]
    ids = {name: getattr(world, name).id for name in names}
    ids["resident"] = world.resident.id
    ids["other_landlord"] = world.other_landlord.id
    return ids


def measure(client, count_queries, url: str) -> int:
    """Statements run by one GET, starting from an empty session like production."""
    db.session.remove()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    assert statements, "the listener must see the page's queries"
    return len(statements)


PAGES = {
    "places.index": lambda w: "/lieux/",
    "places.detail": lambda w: f"/lieux/{w.residence.id}",
    "dwellings.index": lambda w: "/logements/",
    "dwellings.index by place": lambda w: f"/logements/?place_id={w.territory.id}",
    "residents.index": lambda w: "/habitants/",
    "main.index": lambda w: "/",
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["staff", "admin"])
def test_back_office_lists_cost_the_same_queries_whatever_the_data_size(
    client, login, world, count_queries, role, page
):
    factories.verification_request(world.newcomer, world.building)
    url, ids = PAGES[page](world), ids_of(world)
    login(getattr(world, role))
    small = measure(client, count_queries, url)
    grow(ids)
    assert measure(client, count_queries, url) == small


def test_the_account_list_costs_the_same_queries_whatever_the_data_size(
    client, login, world, count_queries
):
    ids = ids_of(world)
    login(world.admin)
    small = measure(client, count_queries, "/utilisateurs/")
    grow(ids)
    assert measure(client, count_queries, "/utilisateurs/") == small


def test_the_organisation_list_costs_the_same_queries_whatever_the_data_size(
    client, login, world, count_queries
):
    ids = ids_of(world)
    login(world.admin)
    small = measure(client, count_queries, "/organisations/")
    grow(ids)
    assert measure(client, count_queries, "/organisations/") == small


def test_the_residents_home_costs_the_same_queries_whatever_the_data_size(
    client, login, world, count_queries
):
    ids = ids_of(world)
    login(world.resident)
    small = measure(client, count_queries, "/")
    grow(ids)
    assert measure(client, count_queries, "/") == small


def test_the_residents_home_costs_the_same_queries_for_several_dwellings(
    client, login, world, count_queries
):
    ids = ids_of(world)
    login(world.resident)
    small = measure(client, count_queries, "/")
    for landlord, place in [
        ("landlord", "building"),
        ("other_landlord", "other_building"),
    ]:
        dwelling = Dwelling(
            landlord_id=ids[landlord], place_id=ids[place], reference="SECOND"
        )
        db.session.add(dwelling)
        db.session.flush()
        db.session.add(
            Residency(
                user_id=ids["resident"],
                dwelling_id=dwelling.id,
                method=VerificationMethod.INVITATION_CODE,
                verified_at=utcnow(),
            )
        )
        db.session.commit()
    assert measure(client, count_queries, "/") == small
