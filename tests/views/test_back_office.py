"""The staff and admin back office, through the real app and database: places,
dwellings, residents, organisations and accounts; who may open what; bad input."""

from __future__ import annotations

import email
import email.policy
import html
import io
import re
from pathlib import Path

import pytest

from participation.extensions import db
from participation.models import (
    AuditEvent,
    Dwelling,
    InvitationCode,
    Organisation,
    OrganisationKind,
    Place,
    PlaceKind,
    Residency,
    Role,
    User,
    VerificationMethod,
    VerificationRequest,
    VerificationStatus,
)
from participation.services.places import add_place
from tests import factories

LOGIN = "/compte/connexion"


@pytest.fixture
def pending(world) -> VerificationRequest:
    """The newcomer asks to be recognised in the landlord's building."""
    return factories.verification_request(world.newcomer, world.building)


# --- helpers ----------------------------------------------------------------------


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_errors(response, field: str) -> str:
    """The error list shown next to a field (empty when there is none)."""
    page = response.get_data(as_text=True)
    found = re.search(
        rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', page, re.S
    )
    return html.unescape(found.group(1)) if found else ""


def count(model, *where) -> int:
    """Rows committed to the database (uncommitted changes are discarded first)."""
    db.session.rollback()
    return db.session.scalar(
        db.select(db.func.count()).select_from(model).where(*where)
    )


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id))
    )


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "outbox"
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def user_client(app, user):
    """A separate browser logged in as ``user``."""
    browser = app.test_client()
    response = browser.post(
        LOGIN, data={"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    return browser


def csv_upload(content: str | bytes, name: str = "logements.csv"):
    data = content.encode() if isinstance(content, str) else content
    return (io.BytesIO(data), name)


# --- who may open the back office -------------------------------------------------

ROLES = ["anonymous", "resident", "partner", "staff", "other_staff", "admin"]

BACK_OFFICE_PAGES = {
    "places.index": lambda w, r: "/lieux/",
    "places.detail": lambda w, r: f"/lieux/{w.building.id}",
    "places.create": lambda w, r: "/lieux/nouveau",
    "places.create child": lambda w, r: f"/lieux/nouveau?parent_id={w.residence.id}",
    "places.edit": lambda w, r: f"/lieux/{w.building.id}/modifier",
    "dwellings.index": lambda w, r: "/logements/",
    "dwellings.create": lambda w, r: "/logements/nouveau",
    "dwellings.edit": lambda w, r: f"/logements/{w.dwellings[1].id}/modifier",
    "dwellings.import_csv": lambda w, r: "/logements/import",
    "residents.index": lambda w, r: "/habitants/",
    "residents.review": lambda w, r: f"/habitants/demandes/{r.id}",
}

ORGANISATION_PAGES = {
    "organisations.index": lambda w: "/organisations/",
    "organisations.create": lambda w: "/organisations/nouvelle",
}

ADMIN_PAGES = {
    "organisations.edit partner": lambda w, r: (
        f"/organisations/{w.partner_org.id}/modifier"
    ),
    "organisations.edit landlord": lambda w, r: (
        f"/organisations/{w.landlord.id}/modifier"
    ),
    "users.index": lambda w, r: "/utilisateurs/",
    "users.create": lambda w, r: "/utilisateurs/nouveau",
    "users.edit": lambda w, r: f"/utilisateurs/{w.staff.id}/modifier",
}


def open_as(client, login, world, role: str, url: str):
    if role != "anonymous":
        login(getattr(world, role))
    return client.get(url)


@pytest.mark.parametrize("page", BACK_OFFICE_PAGES)
@pytest.mark.parametrize("role", ["anonymous", "resident", "partner", "staff", "admin"])
def test_back_office_pages_are_for_the_landlords_staff_and_admins(
    client, login, world, pending, role, page
):
    url = BACK_OFFICE_PAGES[page](world, pending)
    response = open_as(client, login, world, role, url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.location.startswith(LOGIN)
    elif role in ("staff", "admin"):
        assert response.status_code == 200, page
    else:
        assert response.status_code == 403
        assert "Accès refusé" in text(response)


@pytest.mark.parametrize("page", ORGANISATION_PAGES)
@pytest.mark.parametrize("role", ["anonymous", "resident", "partner", "staff", "admin"])
def test_partner_organisations_are_managed_by_staff_and_admins(
    client, login, world, role, page
):
    response = open_as(client, login, world, role, ORGANISATION_PAGES[page](world))
    if role == "anonymous":
        assert response.status_code == 302
        assert response.location.startswith(LOGIN)
    else:
        assert response.status_code == (200 if role in ("staff", "admin") else 403)


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["anonymous", "resident", "partner", "staff", "admin"])
def test_landlords_and_account_pages_are_for_admins_only(
    client, login, world, role, page
):
    response = open_as(client, login, world, role, ADMIN_PAGES[page](world, None))
    if role == "anonymous":
        assert response.status_code == 302
        assert response.location.startswith(LOGIN)
    else:
        assert response.status_code == (200 if role == "admin" else 403)


OBJECT_REQUESTS = {
    "places.detail": ("get", lambda w, r: f"/lieux/{w.building.id}", {}),
    "places.edit": ("get", lambda w, r: f"/lieux/{w.building.id}/modifier", {}),
    "places.edit POST": (
        "post",
        lambda w, r: f"/lieux/{w.building.id}/modifier",
        {"name": "Piraté", "address": ""},
    ),
    "places.create child": (
        "get",
        lambda w, r: f"/lieux/nouveau?parent_id={w.residence.id}",
        {},
    ),
    "places.create child POST": (
        "post",
        lambda w, r: f"/lieux/nouveau?parent_id={w.residence.id}",
        {"name": "Intrus", "address": ""},
    ),
    "places.delete": ("post", lambda w, r: f"/lieux/{w.entrance.id}/supprimer", {}),
    "places.letters": (
        "post",
        lambda w, r: f"/lieux/{w.building.id}/courriers",
        {"only_vacant": "y"},
    ),
    "dwellings.index": (
        "get",
        lambda w, r: f"/logements/?place_id={w.building.id}",
        {},
    ),
    "dwellings.edit": (
        "get",
        lambda w, r: f"/logements/{w.dwellings[1].id}/modifier",
        {},
    ),
    "dwellings.edit POST": (
        "post",
        lambda w, r: f"/logements/{w.dwellings[1].id}/modifier",
        {"reference": "PIRATE", "label": "", "place": "0"},
    ),
    "residents.index": (
        "get",
        lambda w, r: f"/habitants/?place_id={w.territory.id}",
        {},
    ),
    "residents.review": ("get", lambda w, r: f"/habitants/demandes/{r.id}", {}),
    "residents.approve": (
        "post",
        lambda w, r: f"/habitants/demandes/{r.id}/accepter",
        {"dwelling": "0"},
    ),
    "residents.refuse": (
        "post",
        lambda w, r: f"/habitants/demandes/{r.id}/refuser",
        {"reason": "Non."},
    ),
    "residents.end_residency": (
        "post",
        lambda w, r: f"/habitants/residences/{w.resident.residencies[0].id}/depart",
        {},
    ),
}


@pytest.mark.parametrize("action", OBJECT_REQUESTS)
def test_staff_of_another_landlord_get_403_on_every_object_and_change_nothing(
    client, login, world, pending, action
):
    method, url, data = OBJECT_REQUESTS[action]
    target = url(world, pending)
    if data:
        data = {
            k: (str(world.other_building.id) if v == "0" else v)
            for k, v in data.items()
        }
    login(world.other_staff)
    response = getattr(client, method)(target, data=data)
    assert response.status_code == 403
    assert audit_actions() == []
    assert count(Place, Place.id == world.entrance.id) == 1
    assert count(InvitationCode) == 0
    assert db.session.get(Place, world.building.id).name == "Bâtiment A"
    assert db.session.get(Dwelling, world.dwellings[1].id).reference.startswith("REF-")
    assert db.session.get(VerificationRequest, pending.id).is_pending
    assert count(Residency, Residency.ended_at.is_not(None)) == 0


@pytest.mark.parametrize("role", ["resident", "partner"])
def test_people_outside_the_back_office_cannot_post_to_it(
    client, login, world, pending, role
):
    login(getattr(world, role))
    for method, url, data in OBJECT_REQUESTS.values():
        if method == "post":
            assert client.post(url(world, pending), data=data).status_code == 403
    assert audit_actions() == []
    assert db.session.get(VerificationRequest, pending.id).is_pending


def test_anonymous_posts_are_sent_to_the_login_page(client, world, pending):
    response = client.post(f"/lieux/{world.entrance.id}/supprimer")
    assert response.status_code == 302
    assert response.location.startswith(LOGIN)
    assert count(Place, Place.id == world.entrance.id) == 1


# --- places -----------------------------------------------------------------------


def test_the_tree_shows_the_staffs_own_places_only(client, login, world):
    login(world.staff)
    page = text(client.get("/lieux/"))
    for place in (world.territory, world.residence, world.building, world.entrance):
        assert f'/lieux/{place.id}"' in page
    assert f'/lieux/{world.other_building.id}"' not in page
    assert "Ailleurs" not in page


def test_admins_see_every_tree_with_its_landlord(client, login, world):
    login(world.admin)
    page = text(client.get("/lieux/"))
    assert f'/lieux/{world.other_building.id}"' in page
    assert "Autre Bailleur" in page and "Habitat Test" in page


def test_a_place_page_shows_its_contents_and_dwelling_total(client, login, world):
    login(world.staff)
    response = client.get(f"/lieux/{world.residence.id}")
    page = text(response)
    assert "<h1>Résidence" in page
    assert "Bâtiment A" in page and "3 logements" in page
    assert f'/lieux/{world.territory.id}"' in page  # breadcrumb
    assert "<dd>3</dd>" in page


def test_an_unknown_place_is_a_404(client, login, world):
    login(world.admin)
    assert client.get("/lieux/999999").status_code == 404


def test_an_admin_starts_a_tree_for_the_landlord_they_choose(client, login, world):
    login(world.admin)
    form = text(client.get("/lieux/nouveau"))
    assert "Autre Bailleur" in form and "Habitat Test" in form
    assert "Ville Test" not in form  # not a landlord
    response = client.post(
        "/lieux/nouveau",
        data={
            "name": "Les Acacias",
            "address": "1 rue des Acacias",
            "landlord": world.other_landlord.id,
        },
    )
    place = db.session.scalars(db.select(Place).filter_by(name="Les Acacias")).one()
    assert response.status_code == 302
    assert response.location.endswith(f"/lieux/{place.id}")
    assert place.landlord_id == world.other_landlord.id
    assert place.kind is PlaceKind.TERRITORY
    assert place.address == "1 rue des Acacias"
    assert audit_actions() == ["place.create"]


def test_staff_start_a_tree_for_their_own_landlord_only(client, login, world):
    login(world.staff)
    form = text(client.get("/lieux/nouveau"))
    assert "Autre Bailleur" not in form
    response = client.post(
        "/lieux/nouveau",
        data={"name": "Intrus", "address": "", "landlord": world.other_landlord.id},
    )
    assert response.status_code == 200
    assert field_errors(response, "landlord")
    assert count(Place, Place.name == "Intrus") == 0
    client.post(
        "/lieux/nouveau",
        data={"name": "Les Lilas", "address": "", "landlord": world.landlord.id},
    )
    place = db.session.scalars(db.select(Place).filter_by(name="Les Lilas")).one()
    assert place.landlord_id == world.landlord.id


def test_a_child_place_gets_the_next_kind_and_its_parent(client, login, world):
    login(world.staff)
    response = client.post(
        f"/lieux/nouveau?parent_id={world.residence.id}",
        data={"name": "Bâtiment B", "address": "3 rue Haute"},
    )
    assert response.status_code == 302
    place = db.session.scalars(db.select(Place).filter_by(name="Bâtiment B")).one()
    assert (place.kind, place.parent_id) == (PlaceKind.BUILDING, world.residence.id)
    assert place.path == f"{world.residence.path}{place.id}/"


def test_optional_fields_left_out_of_a_post_are_saved_empty(client, login, world):
    login(world.staff)
    response = client.post(
        f"/lieux/nouveau?parent_id={world.residence.id}", data={"name": "Sans adresse"}
    )
    assert response.status_code == 302
    place = db.session.scalars(db.select(Place).filter_by(name="Sans adresse")).one()
    assert place.address == ""
    response = client.post(
        "/logements/nouveau", data={"reference": "NU-1", "place": place.id}
    )
    assert response.status_code == 302
    dwelling = db.session.scalars(db.select(Dwelling).filter_by(reference="NU-1"))
    assert dwelling.one().label == ""


def test_nothing_can_be_added_inside_an_entrance(client, login, world):
    login(world.staff)
    url = f"/lieux/nouveau?parent_id={world.entrance.id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"name": "Cave"}).status_code == 404
    assert count(Place, Place.name == "Cave") == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Indiquez un nom."),
        ({"name": "x" * 121}, "120 caractères au maximum."),
        ({"name": "BÂTIMENT a"}, "Un lieu porte déjà ce nom à cet endroit."),
    ],
)
def test_a_bad_place_name_is_explained_next_to_the_field(
    client, login, world, data, message
):
    login(world.staff)
    before = count(Place)
    response = client.post(f"/lieux/nouveau?parent_id={world.residence.id}", data=data)
    assert response.status_code == 200
    assert message in field_errors(response, "name")
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert count(Place) == before


def test_a_place_is_renamed_and_readdressed(client, login, world):
    login(world.staff)
    assert 'value="Bâtiment A"' in text(
        client.get(f"/lieux/{world.building.id}/modifier")
    )
    response = client.post(
        f"/lieux/{world.building.id}/modifier",
        data={"name": "Bâtiment Alpha", "address": "2 allée des Tilleuls"},
    )
    assert response.status_code == 302
    place = db.session.get(Place, world.building.id)
    db.session.refresh(place)
    assert (place.name, place.address) == ("Bâtiment Alpha", "2 allée des Tilleuls")
    assert audit_actions() == ["place.update"]


def test_renaming_a_place_like_its_sibling_is_refused(client, login, world):
    login(world.staff)
    client.post(
        f"/lieux/nouveau?parent_id={world.residence.id}", data={"name": "Bâtiment B"}
    )
    response = client.post(
        f"/lieux/{world.building.id}/modifier", data={"name": "bâtiment b"}
    )
    assert "Un lieu porte déjà ce nom" in field_errors(response, "name")
    assert db.session.get(Place, world.building.id).name == "Bâtiment A"


def test_an_empty_place_is_deleted_and_the_parent_shown(client, login, world):
    login(world.staff)
    entrance_id, building_id = world.entrance.id, world.building.id
    response = client.post(f"/lieux/{entrance_id}/supprimer")
    assert response.status_code == 302
    assert response.location.endswith(f"/lieux/{building_id}")
    assert count(Place, Place.id == entrance_id) == 0
    assert audit_actions() == ["place.delete"]


def test_deleting_an_empty_territory_leads_back_to_the_tree(client, login, world):
    login(world.staff)
    client.post(
        "/lieux/nouveau",
        data={"name": "Vide", "address": "", "landlord": world.landlord.id},
    )
    empty = db.session.scalars(db.select(Place).filter_by(name="Vide")).one()
    response = client.post(f"/lieux/{empty.id}/supprimer")
    assert response.location.endswith("/lieux/")
    assert count(Place, Place.name == "Vide") == 0


@pytest.mark.parametrize("level", ["territory", "building"])
def test_a_place_that_is_not_empty_is_kept_with_an_explanation(
    client, login, world, level
):
    login(world.staff)
    place = getattr(world, level)
    response = client.post(f"/lieux/{place.id}/supprimer", follow_redirects=True)
    assert "Ce lieu n'est pas vide" in text(response)
    assert count(Place, Place.id == place.id) == 1
    assert audit_actions() == []


def test_the_delete_button_appears_only_on_empty_places(client, login, world):
    login(world.staff)
    assert "/supprimer" not in text(client.get(f"/lieux/{world.building.id}"))
    assert "/supprimer" in text(client.get(f"/lieux/{world.entrance.id}"))


# --- invitation letters -----------------------------------------------------------

CODE = re.compile(r'class="code-display">([A-Z0-9-]+)<')


def print_letters(client, place, only_vacant: bool = True, replace: bool = False):
    # An unticked box is not sent; the (disabled) CSRF token still is.
    data = {"csrf_token": ""}
    if only_vacant:
        data["only_vacant"] = "y"
    if replace:
        data["replace_valid"] = "y"
    return client.post(f"/lieux/{place.id}/courriers", data=data)


def test_letters_are_printed_once_with_a_code_and_a_qr_code_each(client, login, world):
    login(world.staff)
    response = print_letters(client, world.building, only_vacant=False)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = CODE.findall(page)
    assert len(codes) == 3 == len(set(codes))
    assert page.count('<article class="letter"') == 3
    assert page.count('<svg role="img"') == 3
    assert page.count('class="qr-code"') == 3
    assert "http://faireavec.test/compte/inscription" in page
    for dwelling in world.dwellings:
        assert f"Logement {dwelling.reference}" in text(response)
    stored = db.session.scalars(db.select(InvitationCode)).all()
    assert {c.dwelling_id for c in stored} == {d.id for d in world.dwellings}
    assert not {c.code_hash for c in stored} & set(codes)  # stored hashed only
    assert audit_actions() == ["invitation.issue"]


def test_letters_skip_occupied_dwellings_when_asked(client, login, world):
    login(world.staff)
    response = print_letters(client, world.territory, only_vacant=True)
    assert len(CODE.findall(response.get_data(as_text=True))) == 2
    assert f"Logement {world.dwellings[0].reference}" not in text(response)
    issued = set(db.session.scalars(db.select(InvitationCode.dwelling_id)))
    assert issued == {world.dwellings[1].id, world.dwellings[2].id}


def test_no_letter_is_printed_for_a_place_without_vacant_dwellings(
    client, login, world
):
    login(world.staff)
    response = print_letters(client, world.entrance)
    assert response.status_code == 302
    assert count(InvitationCode) == 0


def test_each_printed_code_registers_its_household(app, client, login, world):
    login(world.staff)
    page = print_letters(client, world.building).get_data(as_text=True)
    codes = CODE.findall(page)
    client.post("/compte/deconnexion")
    vacant = [world.dwellings[1], world.dwellings[2]]
    for number, (code, dwelling) in enumerate(zip(codes, vacant, strict=True)):
        browser = app.test_client()
        response = browser.post(
            "/compte/inscription",
            data={
                "display_name": f"Voisin {number}",
                "email": f"voisin{number}@example.fr",
                "password": factories.PASSWORD,
                "password_confirm": factories.PASSWORD,
                "code": code.lower().replace("-", " "),
            },
        )
        assert response.status_code == 302
        user = db.session.scalars(
            db.select(User).filter_by(email=f"voisin{number}@example.fr")
        ).one()
        [residency] = user.residencies
        assert residency.dwelling_id == dwelling.id
        assert residency.method is VerificationMethod.INVITATION_CODE
    assert count(InvitationCode, InvitationCode.used_at.is_(None)) == 0


def test_printing_again_keeps_delivered_letters_working(app, client, login, world):
    """A second click (or a resend) issues nothing and explains how to reprint."""
    login(world.staff)
    first = CODE.findall(print_letters(client, world.building).get_data(as_text=True))
    again = print_letters(client, world.building)
    assert again.status_code == 302
    page = text(client.get(again.location))
    assert "ont déjà un code valable" in page
    assert CODE.findall(page) == []
    assert register_resident(app, first[0]).status_code == 302


def register_resident(app, code: str):
    return app.test_client().post(
        "/compte/inscription",
        data={
            "display_name": "Trop tard",
            "email": "tard@example.fr",
            "password": factories.PASSWORD,
            "password_confirm": factories.PASSWORD,
            "code": code,
        },
    )


def test_reprinting_on_request_replaces_the_previous_codes(app, client, login, world):
    login(world.staff)
    first = CODE.findall(print_letters(client, world.building).get_data(as_text=True))
    second = CODE.findall(
        print_letters(client, world.building, replace=True).get_data(as_text=True)
    )
    assert count(InvitationCode) == 2
    assert not set(first) & set(second)
    response = register_resident(app, first[0])
    assert response.status_code == 200
    assert "pas valable" in field_errors(response, "code")
    assert count(User, User.email == "tard@example.fr") == 0


# --- dwellings --------------------------------------------------------------------


def test_the_dwelling_list_is_scoped_to_the_staffs_landlord(client, login, world):
    login(world.staff)
    page = text(client.get("/logements/"))
    for dwelling in world.dwellings:
        assert dwelling.reference in page
    for dwelling in world.other_dwellings:
        assert f"{dwelling.reference}<" not in page
    assert "3 logements" in page


def test_the_dwelling_list_filters_by_place(client, login, world):
    login(world.staff)
    db.session.add(
        Dwelling(landlord_id=world.landlord.id, place=world.entrance, reference="ENT-1")
    )
    db.session.commit()
    assert "4 logements" in text(
        client.get(f"/logements/?place_id={world.territory.id}")
    )
    page = text(client.get(f"/logements/?place_id={world.entrance.id}"))
    assert "1 logement" in page and "ENT-1" in page
    assert world.dwellings[0].reference + "<" not in page


def test_the_dwelling_list_searches_references(client, login, world):
    login(world.staff)
    wanted = world.dwellings[1].reference
    page = text(client.get(f"/logements/?q={wanted.lower()}"))
    assert "1 logement" in page
    assert f"{wanted}<" in page
    assert f"{world.dwellings[2].reference}<" not in page


def test_the_dwelling_list_shows_occupancy_and_codes(client, login, world):
    login(world.staff)
    print_letters(client, world.building)
    page = text(client.get("/logements/"))
    assert page.count("valable jusqu'au") == 2
    assert page.count("<td>oui</td>") == 1


def test_the_dwelling_list_is_paginated_by_fifty(client, login, world):
    db.session.add_all(
        Dwelling(
            landlord_id=world.landlord.id, place=world.building, reference=f"P-{n:03}"
        )
        for n in range(55)
    )
    db.session.commit()
    login(world.staff)
    first = text(client.get("/logements/"))
    assert "58 logements" in first
    assert "Page 1 sur 2" in first
    assert first.count("/modifier") == 50
    second = text(client.get("/logements/?page=2"))
    assert second.count("/modifier") == 8
    assert "Page 2 sur 2" in second


def test_a_dwelling_is_added_to_a_building(client, login, world):
    login(world.staff)
    response = client.post(
        "/logements/nouveau",
        data={
            "reference": " NEW-1 ",
            "label": "T3, 2e étage",
            "place": world.building.id,
        },
    )
    assert response.status_code == 302
    dwelling = db.session.scalars(
        db.select(Dwelling).filter_by(reference="NEW-1")
    ).one()
    assert (dwelling.place_id, dwelling.label) == (world.building.id, "T3, 2e étage")
    assert dwelling.landlord_id == world.landlord.id
    assert audit_actions() == ["dwelling.create"]


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        ("reference", {"reference": ""}, "Indiquez la référence du logement."),
        ("reference", {"reference": "R" * 65}, "64 caractères au maximum."),
        ("reference", {"reference": "DUP"}, "Un logement a déjà la référence DUP."),
        ("label", {"reference": "OK", "label": "L" * 121}, "120 caractères"),
        (
            "place",
            {"reference": "OK", "place": "territory"},
            "N'est pas un choix valide.",
        ),
        (
            "place",
            {"reference": "OK", "place": "other_building"},
            "N'est pas un choix valide.",
        ),
    ],
)
def test_a_bad_dwelling_is_explained_next_to_the_field(
    client, login, world, field, data, message
):
    world.dwellings[2].reference = "DUP"
    db.session.commit()
    login(world.staff)
    data = {"label": "", "place": "building", **data}
    data["place"] = getattr(world, data["place"]).id
    before = count(Dwelling)
    response = client.post("/logements/nouveau", data=data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert count(Dwelling) == before


def test_a_dwelling_is_edited_and_moved_to_an_entrance(client, login, world):
    login(world.staff)
    dwelling = world.dwellings[1]
    response = client.post(
        f"/logements/{dwelling.id}/modifier",
        data={"reference": "B-201", "label": "T2", "place": world.entrance.id},
    )
    assert response.status_code == 302
    db.session.refresh(dwelling)
    assert (dwelling.reference, dwelling.place_id) == ("B-201", world.entrance.id)
    assert audit_actions() == ["dwelling.update"]


def test_a_dwelling_cannot_take_another_dwellings_reference(client, login, world):
    login(world.staff)
    taken = world.dwellings[0].reference
    dwelling = world.dwellings[1]
    response = client.post(
        f"/logements/{dwelling.id}/modifier",
        data={"reference": taken, "label": "", "place": world.building.id},
    )
    assert f"Un logement a déjà la référence {taken}." in field_errors(
        response, "reference"
    )
    db.session.rollback()
    assert db.session.get(Dwelling, dwelling.id).reference != taken


def test_the_import_page_explains_the_columns(client, login, world):
    login(world.staff)
    page = text(client.get("/logements/import"))
    assert "reference, territory, residence, building, entrance" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_good_file_imports_dwellings_and_places(client, login, world):
    login(world.staff)
    content = (
        "reference;territory;residence;building;entrance\n"
        "IMP-1;Les Érables;Résidence du Parc;Bâtiment C;\n"
        "IMP-2;Les Érables;Résidence du Parc;Bâtiment C;Entrée 2\n"
    ).encode("cp1252")
    response = client.post(
        "/logements/import",
        data={"landlord": world.landlord.id, "file": csv_upload(content)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "2 logements et 4 lieux importés." in text(response)
    assert count(Dwelling, Dwelling.reference.in_(["IMP-1", "IMP-2"])) == 2
    assert count(Place, Place.name == "Les Érables") == 1


def test_a_bad_file_shows_each_faulty_line_and_imports_nothing(client, login, world):
    login(world.staff)
    content = "reference,territory,residence,building\nOK-1,T,R,B\n,T,R,B\nOK-1,T,R,B\n"
    before = (count(Place), count(Dwelling))
    response = client.post(
        "/logements/import",
        data={"landlord": world.landlord.id, "file": csv_upload(content)},
        content_type="multipart/form-data",
    )
    page = text(response)
    assert response.status_code == 422
    assert "Ligne 3 : la colonne « reference » est vide." in page
    assert "Ligne 4 : la référence OK-1 est déjà à la ligne 2." in page
    assert "Le fichier contient 2 erreurs : rien n'a été importé." in field_errors(
        response, "file"
    )
    assert (count(Place), count(Dwelling)) == before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Choisissez un fichier CSV."),
        (("a;b", "logements.xlsx"), "Le fichier doit être au format CSV (.csv)."),
    ],
)
def test_an_import_without_a_csv_file_is_explained(
    client, login, world, upload, message
):
    login(world.staff)
    data = {"landlord": world.landlord.id}
    if upload:
        data["file"] = csv_upload(*upload)
    response = client.post(
        "/logements/import", data=data, content_type="multipart/form-data"
    )
    assert message in field_errors(response, "file")
    assert audit_actions() == []


def test_staff_cannot_import_for_another_landlord(client, login, world):
    login(world.staff)
    assert "Autre Bailleur" not in text(client.get("/logements/import"))
    before = count(Dwelling)
    response = client.post(
        "/logements/import",
        data={
            "landlord": world.other_landlord.id,
            "file": csv_upload("reference,territory,residence,building\nX,T,R,B\n"),
        },
        content_type="multipart/form-data",
    )
    assert field_errors(response, "landlord")
    assert count(Dwelling) == before


# --- residents --------------------------------------------------------------------


def test_pending_requests_of_the_landlord_are_listed(client, login, world, pending):
    stranger = factories.user(Role.RESIDENT, display_name="Inconnue Ailleurs")
    factories.verification_request(stranger, world.other_building)
    login(world.staff)
    page = text(client.get("/habitants/"))
    assert world.newcomer.display_name in page
    assert f"/habitants/demandes/{pending.id}" in page
    assert "Inconnue Ailleurs" not in page
    assert world.resident.email in page  # verified residents below
    assert world.other_resident.email not in page


def test_the_review_page_offers_the_dwellings_of_the_place(
    client, login, world, pending
):
    login(world.staff)
    page = text(client.get(f"/habitants/demandes/{pending.id}"))
    for dwelling in world.dwellings:
        assert f'value="{dwelling.id}"' in page
    for dwelling in world.other_dwellings:
        assert f">{dwelling.reference}<" not in page
    assert "2e étage" in page


def test_approving_verifies_the_resident_audits_and_mails_them(
    app, client, login, world, pending
):
    login(world.staff)
    response = client.post(
        f"/habitants/demandes/{pending.id}/accepter",
        data={"dwelling": world.dwellings[1].id},
    )
    assert response.status_code == 302
    db.session.rollback()
    residency = db.session.scalars(
        db.select(Residency).filter_by(user_id=world.newcomer.id)
    ).one()
    assert residency.dwelling_id == world.dwellings[1].id
    assert residency.method is VerificationMethod.STAFF_APPROVAL
    assert residency.verified_by_id == world.staff.id
    request = db.session.get(VerificationRequest, pending.id)
    assert request.status is VerificationStatus.APPROVED
    assert (request.decided_by_id, request.dwelling_id) == (
        world.staff.id,
        world.dwellings[1].id,
    )
    event = db.session.scalars(
        db.select(AuditEvent).filter_by(action="verification.approved")
    ).one()
    assert (event.actor_id, event.landlord_id) == (world.staff.id, world.landlord.id)
    [message] = outbox(app)
    assert message["To"] == world.newcomer.email
    assert message["Subject"] == "Votre logement est confirmé"
    assert world.dwellings[1].reference in body(message)


@pytest.mark.parametrize("choice", ["none", "other_landlord"])
def test_approving_needs_a_dwelling_of_the_place(
    app, client, login, world, pending, choice
):
    login(world.staff)
    dwelling = 0 if choice == "none" else world.other_dwellings[1].id
    response = client.post(
        f"/habitants/demandes/{pending.id}/accepter", data={"dwelling": dwelling}
    )
    assert response.status_code == 422
    assert field_errors(response, "dwelling")
    assert count(Residency, Residency.user_id == world.newcomer.id) == 0
    assert db.session.get(VerificationRequest, pending.id).is_pending
    assert outbox(app) == []


def test_refusing_needs_a_reason(app, client, login, world, pending):
    login(world.staff)
    response = client.post(
        f"/habitants/demandes/{pending.id}/refuser", data={"reason": "  "}
    )
    assert response.status_code == 422
    assert "Indiquez la raison du refus." in field_errors(response, "reason")
    assert db.session.get(VerificationRequest, pending.id).is_pending
    assert outbox(app) == []


def test_refusing_records_the_reason_and_mails_it(app, client, login, world, pending):
    login(world.staff)
    response = client.post(
        f"/habitants/demandes/{pending.id}/refuser",
        data={"reason": "Aucun logement à ce nom."},
    )
    assert response.status_code == 302
    db.session.rollback()
    request = db.session.get(VerificationRequest, pending.id)
    assert request.status is VerificationStatus.REFUSED
    assert request.decision_note == "Aucun logement à ce nom."
    assert audit_actions() == ["verification.refused"]
    [message] = outbox(app)
    assert message["To"] == world.newcomer.email
    assert "Aucun logement à ce nom." in body(message)
    assert count(Residency, Residency.user_id == world.newcomer.id) == 0


@pytest.mark.parametrize("second", ["accepter", "refuser"])
def test_a_request_is_decided_only_once(app, client, login, world, pending, second):
    login(world.staff)
    client.post(
        f"/habitants/demandes/{pending.id}/refuser", data={"reason": "Inconnu."}
    )
    response = client.post(
        f"/habitants/demandes/{pending.id}/{second}",
        data={"dwelling": world.dwellings[1].id, "reason": "Encore."},
    )
    assert response.status_code == 302
    page = client.get(f"/habitants/demandes/{pending.id}")
    html = page.get_data(as_text=True)
    assert "Cette demande a déjà été traitée." in html
    assert "Inconnu." in html and "refusée" in html
    assert 'name="dwelling"' not in html  # no decision form any more
    request = db.session.get(VerificationRequest, pending.id)
    assert (request.status, request.decision_note) == (
        VerificationStatus.REFUSED,
        "Inconnu.",
    )
    assert count(Residency, Residency.user_id == world.newcomer.id) == 0
    assert len(outbox(app)) == 1


def test_a_departure_ends_the_residency_once(client, login, world):
    login(world.staff)
    residency = world.resident.residencies[0]
    url = f"/habitants/residences/{residency.id}/depart"
    assert client.post(url).status_code == 302
    db.session.rollback()
    ended_at = db.session.get(Residency, residency.id).ended_at
    assert ended_at is not None
    page = text(client.post(url, follow_redirects=True))
    assert "Ce départ est déjà enregistré." in page
    assert db.session.get(Residency, residency.id).ended_at == ended_at
    assert audit_actions() == ["residency.end"]
    assert world.resident.email not in page.split("Habitants vérifiés")[1]


# --- organisations ----------------------------------------------------------------


def test_admins_list_organisations_with_their_accounts(client, login, world):
    login(world.admin)
    page = text(client.get("/organisations/"))
    for name in ("Habitat Test", "Ville Test", "Autre Bailleur"):
        assert name in page


def test_an_admin_creates_an_organisation(client, login, world):
    login(world.admin)
    response = client.post(
        "/organisations/nouvelle",
        data={"name": " Régie de quartier ", "kind": "association"},
    )
    assert response.status_code == 302
    organisation = db.session.scalars(
        db.select(Organisation).filter_by(name="Régie de quartier")
    ).one()
    assert organisation.kind is OrganisationKind.ASSOCIATION
    assert audit_actions() == ["organisation.create"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "ville test", "kind": "city"}, "name", "Une organisation porte"),
        ({"name": "", "kind": "city"}, "name", "Indiquez le nom de l'organisation."),
        ({"name": "N" * 121, "kind": "city"}, "name", "120 caractères au maximum."),
        ({"name": "Nouvelle", "kind": "martian"}, "kind", "N'est pas un choix valide."),
    ],
)
def test_a_bad_organisation_is_explained_and_not_saved(
    client, login, world, data, field, message
):
    login(world.admin)
    before = count(Organisation)
    response = client.post("/organisations/nouvelle", data=data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert count(Organisation) == before


def test_an_admin_renames_an_organisation(client, login, world):
    login(world.admin)
    response = client.post(
        f"/organisations/{world.partner_org.id}/modifier",
        data={"name": "Ville de Test", "kind": "city"},
    )
    assert response.status_code == 302
    db.session.refresh(world.partner_org)
    assert world.partner_org.name == "Ville de Test"


def test_renaming_an_organisation_like_another_is_refused(client, login, world):
    login(world.admin)
    response = client.post(
        f"/organisations/{world.partner_org.id}/modifier",
        data={"name": "HABITAT TEST", "kind": "city"},
    )
    assert "Une organisation porte déjà ce nom." in field_errors(response, "name")
    db.session.rollback()
    assert db.session.get(Organisation, world.partner_org.id).name == "Ville Test"


def test_a_landlord_with_places_stays_a_landlord(client, login, world):
    login(world.admin)
    response = client.post(
        f"/organisations/{world.landlord.id}/modifier",
        data={"name": "Habitat Test", "kind": "city"},
    )
    assert response.status_code == 200
    assert "il doit rester un bailleur" in field_errors(response, "kind")
    db.session.rollback()
    assert db.session.get(Organisation, world.landlord.id).is_landlord


def test_a_landlord_without_places_may_change_kind(client, login, world):
    empty = factories.organisation(name="Bailleur vide")
    login(world.admin)
    client.post(
        f"/organisations/{empty.id}/modifier",
        data={"name": "Bailleur vide", "kind": "other"},
    )
    db.session.rollback()
    assert db.session.get(Organisation, empty.id).kind is OrganisationKind.OTHER


def test_staff_add_a_local_partner(client, login, world):
    login(world.staff)
    response = client.post(
        "/organisations/nouvelle",
        data={"name": "Régie de quartier", "kind": "association"},
    )
    assert response.status_code == 302
    partner = db.session.scalars(
        db.select(Organisation).filter_by(name="Régie de quartier")
    ).one()
    assert partner.kind is OrganisationKind.ASSOCIATION
    assert audit_actions() == ["organisation.create"]


def test_staff_neither_create_a_landlord_nor_edit_an_organisation(client, login, world):
    login(world.staff)
    before = count(Organisation)
    page = text(client.get("/organisations/nouvelle"))
    assert 'value="landlord"' not in page
    response = client.post(
        "/organisations/nouvelle", data={"name": "Pirate", "kind": "landlord"}
    )
    assert response.status_code == 200
    assert "pas un choix valide" in field_errors(response, "kind")
    edit = client.post(
        f"/organisations/{world.partner_org.id}/modifier",
        data={"name": "Renommée", "kind": "landlord"},
    )
    assert edit.status_code == 403
    assert count(Organisation) == before
    assert db.session.get(Organisation, world.partner_org.id).kind is (
        OrganisationKind.CITY
    )
    assert audit_actions() == []


# --- accounts ---------------------------------------------------------------------


def new_account(**values) -> dict:
    return {
        "email": "nouvelle@example.fr",
        "display_name": "Nouvelle Personne",
        "role": "staff",
        "organisation": 0,
        "active": "y",
        **values,
    }


def test_admins_list_and_filter_accounts(client, login, world):
    login(world.admin)
    page = text(client.get("/utilisateurs/?role=staff"))
    assert world.staff.email in page and world.other_staff.email in page
    assert world.resident.email not in page
    page = text(client.get("/utilisateurs/?q=PARTNER"))
    assert world.partner.email in page and world.staff.email not in page
    assert f"/utilisateurs/{world.admin.id}/modifier" not in text(
        client.get("/utilisateurs/")
    )


def test_an_admin_creates_staff_who_get_a_working_link(app, client, login, world):
    login(world.admin)
    response = client.post(
        "/utilisateurs/nouveau",
        data=new_account(email="Nouvelle@Example.fr", organisation=world.landlord.id),
    )
    assert response.status_code == 302
    user = db.session.scalars(
        db.select(User).filter_by(email="nouvelle@example.fr")
    ).one()
    assert (user.role, user.organisation_id) == (Role.STAFF, world.landlord.id)
    assert audit_actions() == ["user.create"]
    [message] = outbox(app)
    assert message["To"] == "nouvelle@example.fr"
    link = re.search(r"http://faireavec\.test(/compte/mot-de-passe/\S+)", body(message))
    assert link
    client.post("/compte/deconnexion")
    assert client.get(link.group(1)).status_code == 200


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({}, "organisation", "Un membre d'équipe ou un partenaire a une organisation."),
        ({"organisation": "partner_org"}, "organisation", "appartient à un bailleur"),
        ({"role": "partner"}, "organisation", "a une organisation"),
        ({"email": "staff@example.fr", "organisation": "landlord"}, "email", "existe"),
        ({"email": "pas-une-adresse"}, "email", "pas valide"),
        ({"display_name": ""}, "display_name", "Indiquez un nom."),
        ({"role": "emperor"}, "role", "N'est pas un choix valide."),
    ],
)
def test_a_bad_account_is_explained_and_nothing_is_saved(
    app, client, login, world, values, field, message
):
    if isinstance(values.get("organisation"), str):
        values["organisation"] = getattr(world, values["organisation"]).id
    login(world.admin)
    before = count(User)
    response = client.post("/utilisateurs/nouveau", data=new_account(**values))
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert count(User) == before
    assert outbox(app) == []


def test_residents_and_admins_need_no_organisation(client, login, world):
    login(world.admin)
    client.post(
        "/utilisateurs/nouveau",
        data=new_account(role="resident", organisation=world.landlord.id),
    )
    user = db.session.scalars(
        db.select(User).filter_by(email="nouvelle@example.fr")
    ).one()
    assert (user.role, user.organisation_id) == (Role.RESIDENT, None)


def test_an_admin_changes_a_role(client, login, world):
    login(world.admin)
    response = client.post(
        f"/utilisateurs/{world.staff.id}/modifier",
        data={
            "display_name": "Ex-équipe",
            "role": "partner",
            "organisation": world.partner_org.id,
            "active": "y",
        },
    )
    assert response.status_code == 302
    db.session.rollback()
    user = db.session.get(User, world.staff.id)
    assert (user.role, user.organisation_id) == (Role.PARTNER, world.partner_org.id)
    event = db.session.scalars(
        db.select(AuditEvent).filter_by(action="user.update")
    ).one()
    assert event.details["before"]["role"] == "staff"
    assert event.details["after"]["role"] == "partner"
    # Names are personal data: the never-edited audit trail does not keep them.
    assert "display_name" not in event.details["before"]
    assert "display_name" not in event.details["after"]
    assert event.details["renamed"] is True  # "Ex-équipe"


def test_a_role_change_without_fitting_organisation_is_refused(client, login, world):
    login(world.admin)
    response = client.post(
        f"/utilisateurs/{world.partner.id}/modifier",
        data={
            "display_name": world.partner.display_name,
            "role": "staff",
            "organisation": world.partner_org.id,
            "active": "y",
        },
    )
    assert "appartient à un bailleur" in field_errors(response, "organisation")
    db.session.rollback()
    assert db.session.get(User, world.partner.id).role is Role.PARTNER


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_admin_cannot_edit_their_own_account(client, login, world, method):
    login(world.admin)
    response = getattr(client, method)(
        f"/utilisateurs/{world.admin.id}/modifier",
        data={"display_name": "Moi", "role": "resident", "organisation": 0},
    )
    assert response.status_code == 403
    db.session.rollback()
    assert db.session.get(User, world.admin.id).role is Role.ADMIN


def test_deactivating_an_account_logs_its_owner_out(app, client, login, world):
    staff_browser = user_client(app, world.staff)
    assert staff_browser.get("/lieux/").status_code == 200
    login(world.admin)
    response = client.post(
        f"/utilisateurs/{world.staff.id}/modifier",
        data={
            "display_name": world.staff.display_name,
            "role": "staff",
            "organisation": world.landlord.id,
        },
    )
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(User, world.staff.id).active is False
    response = staff_browser.get("/lieux/")
    assert response.status_code == 302
    assert response.location.startswith(LOGIN)
    again = staff_browser.post(
        LOGIN, data={"email": world.staff.email, "password": factories.PASSWORD}
    )
    assert again.status_code == 200  # an inactive account cannot log back in


def test_pending_requests_are_paginated_oldest_first(app, client, login, world):
    """Requests page separately from residents (``?demandes=2``), 50 at a time."""
    people = [factories.user(email=f"attente{i:02d}@example.fr") for i in range(52)]
    for person in people:
        factories.verification_request(person, world.building)
    login(world.staff)
    first = text(client.get("/habitants/"))
    assert "52 demandes en attente" in first
    assert "attente00@example.fr" in first and "attente51@example.fr" not in first
    assert "demandes=2" in first
    second = text(client.get("/habitants/?demandes=2"))
    assert "attente51@example.fr" in second and "attente00@example.fr" not in second


def test_a_place_named_in_a_verification_request_is_kept(app, client, login, world):
    """Deleting it would break the request's history: refused with a message."""
    factories.verification_request(world.newcomer, world.entrance)
    login(world.staff)
    entrance_id = world.entrance.id
    response = client.post(f"/lieux/{entrance_id}/supprimer", follow_redirects=True)
    assert "demande de vérification" in text(response)
    assert count(Place, Place.id == entrance_id) == 1


def test_the_place_filter_also_narrows_the_pending_requests(client, login, world):
    elsewhere = add_place(world.landlord, world.territory, "Résidence Sud")
    db.session.commit()
    factories.verification_request(world.newcomer, world.building)
    factories.verification_request(factories.user(email="sud@example.fr"), elsewhere)
    login(world.staff)
    page = text(client.get(f"/habitants/?place_id={world.residence.id}"))
    assert world.newcomer.email in page
    assert "sud@example.fr" not in page
