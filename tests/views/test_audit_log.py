"""The audit log page: staff read their landlord's events, admins all; filters,
pagination and a constant query count; events can never be edited or deleted."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from participation.extensions import db
from participation.models import AuditEvent, Organisation, Place, Role
from participation.models.audit import AuditEventImmutable
from participation.services import audit
from participation.timeutil import utcnow
from tests import factories
from tests.pages import count, text

URL = "/journal/"


def event(actor, action, obj, when, landlord=None, **details) -> AuditEvent:
    recorded = audit.record(
        actor,
        action,
        obj,
        when,
        landlord_id=landlord.id if landlord is not None else None,
        **details,
    )
    db.session.commit()
    return recorded


@pytest.fixture
def trail(world):
    """One event of each landlord and one of the platform, a day apart."""
    now = utcnow()
    return {
        "mine": event(
            world.staff,
            "place.update",
            world.building,
            now - timedelta(days=2),
            world.landlord,
            name="Bâtiment A",
        ),
        "theirs": event(
            world.other_staff,
            "place.create",
            world.other_building,
            now - timedelta(days=1),
            world.other_landlord,
            name="Bâtiment secret",
        ),
        "platform": event(world.admin, "user.create", world.partner, now, role="x"),
    }


def rows(response) -> list[str]:
    """The table's body rows, as text."""
    page = response.get_data(as_text=True)
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(text_of(row).split()) for row in body.split("</tr>")[:-1]]


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


# Who reads what


def test_staff_read_their_landlords_events_only(client, login, world, trail):
    login(world.staff)
    response = client.get(URL)

    assert response.status_code == 200
    [row] = rows(response)
    assert "Lieu modifié" in row and "Bâtiment A" in row
    assert "Bâtiment secret" not in response.get_data(as_text=True)


def test_admins_read_every_event_newest_first(client, login, world, trail):
    login(world.admin)
    response = client.get(URL)

    found = rows(response)
    assert len(found) == 3
    assert "Compte créé" in found[0]
    assert "Lieu créé" in found[1] and "Autre Bailleur" in found[1]
    assert "Lieu modifié" in found[2] and "Habitat Test" in found[2]


@pytest.mark.parametrize("role", ["resident", "partner", "newcomer"])
def test_residents_and_partners_are_refused(client, login, world, trail, role):
    login(getattr(world, role))

    assert client.get(URL).status_code == 403


def test_visitors_are_sent_to_the_login_page(client, trail):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_staff_navigation_links_the_log_and_residents_do_not_see_it(
    client, login, world
):
    login(world.staff)
    assert f'href="{URL}"' in client.get("/").get_data(as_text=True)
    client.post("/compte/deconnexion")
    login(world.resident)
    assert f'href="{URL}"' not in client.get("/").get_data(as_text=True)


# Filters


def test_filter_by_action(client, login, world, trail):
    login(world.admin)

    found = rows(client.get(URL, query_string={"action": "place.create"}))

    assert len(found) == 1 and "Lieu créé" in found[0]


def test_filter_by_actor_name_or_email(client, login, world, trail):
    login(world.admin)
    world.other_staff.display_name = "Gaëlle Martin"
    db.session.commit()

    by_name = rows(client.get(URL, query_string={"actor": "GAËLLE"}))
    by_email = rows(client.get(URL, query_string={"actor": "admin@example"}))

    assert len(by_name) == 1 and "Lieu créé" in by_name[0]
    assert len(by_email) == 1 and "Compte créé" in by_email[0]


def test_filter_by_object_type(client, login, world, trail):
    login(world.admin)

    found = rows(client.get(URL, query_string={"object_type": "User"}))

    assert len(found) == 1 and "Compte n°" in found[0]


def test_dates_are_paris_calendar_days_both_included(client, login, world):
    # 23:30 UTC on 31 March is already 1 April in Paris (UTC+2).
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    event(world.staff, "place.update", world.building, late, world.landlord)
    event(
        world.staff,
        "dwelling.update",
        world.dwellings[0],
        late - timedelta(days=1),
        world.landlord,
    )
    login(world.staff)

    april = rows(client.get(URL, query_string={"date_from": "2026-04-01"}))
    march = rows(client.get(URL, query_string={"date_to": "2026-03-31"}))
    both = rows(
        client.get(
            URL, query_string={"date_from": "2026-03-31", "date_to": "2026-04-01"}
        )
    )

    assert len(april) == 1 and "Lieu modifié" in april[0]
    assert len(march) == 1 and "Logement modifié" in march[0]
    assert len(both) == 2


def test_a_bad_date_is_explained_and_ignored(client, login, world, trail):
    login(world.admin)

    response = client.get(URL, query_string={"date_from": "31/02/2026"})

    assert response.status_code == 200
    assert "Date invalide" in text(response)
    assert len(rows(response)) == 3


def test_no_match_says_so(client, login, world, trail):
    login(world.admin)

    response = client.get(URL, query_string={"action": "nothing.happened"})

    assert rows(response) == ["Aucun événement ne correspond."]


def test_unknown_actions_are_shown_raw_and_details_are_escaped(client, login, world):
    event(
        world.staff,
        "robot.did_something",
        world.building,
        utcnow(),
        world.landlord,
        note="<script>alert(1)</script>",
    )
    login(world.staff)

    page = client.get(URL).get_data(as_text=True)

    assert "robot.did_something" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Pagination and cost


def ids_of(world) -> dict[str, int]:
    """Ids to grow the log with after the session forgot the world's objects."""
    return {
        "landlord": world.landlord.id,
        "other_landlord": world.other_landlord.id,
        "building": world.building.id,
    }


def grow(ids: dict[str, int], n: int) -> None:
    """``n`` events a minute apart, for each landlord and the platform in turn."""
    start = utcnow() - timedelta(days=30)
    landlord = db.session.get(Organisation, ids["landlord"])
    building = db.session.get(Place, ids["building"])
    landlords = (ids["landlord"], ids["other_landlord"], None)
    for i in range(n):
        actor = factories.user(Role.STAFF, landlord)
        audit.record(
            actor,
            "place.update",
            building,
            start + timedelta(minutes=i),
            landlord_id=landlords[i % 3],
            step=i,
        )
    db.session.commit()


def test_pages_hold_page_size_events_newest_first(app, client, login, world):
    app.config["PAGE_SIZE"] = 4
    grow(ids_of(world), 12)  # 4 of them for the world's landlord
    oldest = utcnow() - timedelta(days=31)
    event(world.staff, "dwelling.update", world.dwellings[0], oldest, world.landlord)
    login(world.staff)

    first = rows(client.get(URL))
    second = client.get(URL, query_string={"page": 2})

    assert len(first) == 4
    assert [row.split("step : ")[1] for row in first] == ["9", "6", "3", "0"]
    assert "Logement modifié" in rows(second)[0]
    assert "Page 2 sur 2" in text(second)
    assert client.get(URL, query_string={"page": 3}).status_code == 404


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_the_log_costs_the_same_queries_whatever_its_size(
    app, client, login, world, count_queries, role
):
    app.config["PAGE_SIZE"] = 10
    ids = ids_of(world)
    grow(ids, 3)
    login(getattr(world, role))

    def measure() -> int:
        db.session.remove()
        with count_queries() as statements:
            response = client.get(URL, query_string={"page": 1})
        assert response.status_code == 200
        return len(statements)

    small = measure()
    grow(ids, 60)
    assert len(rows(client.get(URL))) == 10
    assert measure() == small


# Read-only


def test_no_route_of_the_log_changes_anything(app, client, login, world, trail):
    methods = {
        method
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("audit.")
        for method in rule.methods
    }
    assert methods <= {"GET", "HEAD", "OPTIONS"}
    login(world.admin)
    for method in (client.post, client.put, client.delete, client.patch):
        assert method(URL).status_code == 405
    assert count(AuditEvent) == 3


def test_an_event_cannot_be_edited(world, trail):
    recorded = trail["mine"]
    recorded.action = "place.delete"

    with pytest.raises(AuditEventImmutable):
        db.session.commit()

    db.session.rollback()
    assert db.session.get(AuditEvent, recorded.id).action == "place.update"


def test_an_event_cannot_be_deleted(world, trail):
    db.session.delete(trail["mine"])

    with pytest.raises(AuditEventImmutable):
        db.session.commit()

    db.session.rollback()
    assert count(AuditEvent) == 3


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(AuditEvent).values(action="x"),
        sa.delete(AuditEvent),
        AuditEvent.__table__.update().values(action="x"),
        AuditEvent.__table__.delete(),
    ],
    ids=["orm update", "orm delete", "core update", "core delete"],
)
def test_bulk_statements_through_the_session_are_refused(world, trail, statement):
    with pytest.raises(AuditEventImmutable):
        db.session.execute(statement)

    db.session.rollback()
    assert count(AuditEvent) == 3
    assert count(AuditEvent, AuditEvent.action == "x") == 0


def test_new_events_are_still_recorded(world, trail):
    event(world.staff, "place.update", world.building, utcnow(), world.landlord)

    assert count(AuditEvent) == 4
