"""The place dashboard and the home page's working-group panels: who sees them,
what they count, and a fixed number of queries whatever the data."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from participation.extensions import db
from participation.models import (
    Commitment,
    CommitmentStatus,
    Measurement,
    MembershipStatus,
    Objective,
    Organisation,
    OrganisationKind,
    Period,
    Place,
    Role,
    WorkingGroup,
)
from participation.services import dashboard
from participation.services.indicators import Status, assess
from participation.services.places import add_place
from participation.timeutil import local_date, utcnow
from tests import factories
from tests.pages import text


def url(place: Place) -> str:
    return f"/lieux/{place.id}/tableau-de-bord"


def month_end(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first_next - timedelta(days=1)


@pytest.fixture
def today():
    return local_date(utcnow())


@pytest.fixture
def tilleuls(world, today):
    """Three objectives in two groups of the neighbourhood: one on track, one
    off track, one without data; a late commitment; a group elsewhere."""
    group = factories.group(
        world.residence, partners=[world.partner_org], title="Moins d'encombrants"
    )
    start, end = month_end(today, -12), month_end(today, 0)
    on_track = factories.objective(
        group,
        title="Réduire les dépôts",
        baseline_date=start,
        target_date=end,
        source_organisation_id=world.partner_org.id,
    )
    factories.measurement(on_track, month_end(today, -1), 4.5, period=Period.MONTH)
    off_track = factories.objective(
        group, title="Réduire les appels", baseline_date=start, target_date=end
    )
    factories.measurement(off_track, month_end(today, -1), 13.0)
    factories.commitment(
        off_track, world.partner_org, title="Relier le signalement", due_date=start
    )
    factories.commitment(
        off_track,
        world.landlord,
        title="Ouvrir un local",
        due_date=start,
        status=CommitmentStatus.KEPT,
    )
    factories.commitment(
        off_track, None, title="Prévenir", due_date=today + timedelta(days=30)
    )
    second = factories.group(world.building, title="Hall propre")
    factories.objective(
        second, title="Moins de tags", baseline_date=start, target_date=end
    )
    elsewhere = factories.group(world.other_building, title="Ailleurs")
    factories.objective(elsewhere, title="Objectif d'ailleurs")
    return group, second, elsewhere


# Who sees the dashboard


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 200),
        ("admin", 200),
        ("resident", 200),
        ("partner", 200),
        ("other_staff", 403),
        ("other_resident", 403),
        ("newcomer", 403),
    ],
)
def test_staff_residents_and_partners_taking_part_see_the_dashboard(
    client, login, world, tilleuls, who, status
):
    login(getattr(world, who))
    assert client.get(url(world.territory)).status_code == status


def test_a_partner_of_no_group_here_is_refused(client, login, world, tilleuls):
    stranger = factories.user(
        Role.PARTNER, factories.organisation(OrganisationKind.CITY)
    )
    login(stranger)
    assert client.get(url(world.territory)).status_code == 403


def test_a_resident_sees_only_the_places_they_live_in(client, login, world, tilleuls):
    elsewhere = add_place(world.landlord, world.residence, "Bâtiment Z")
    db.session.commit()
    login(world.resident)
    assert client.get(url(world.building)).status_code == 200
    assert client.get(url(elsewhere)).status_code == 403


def test_visitors_log_in_and_unknown_places_are_not_found(client, login, world):
    response = client.get(url(world.territory))
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]
    login(world.staff)
    assert client.get("/lieux/999999/tableau-de-bord").status_code == 404


# What it counts


def test_the_dashboard_counts_objectives_by_status_and_late_commitments(
    client, login, world, tilleuls
):
    login(world.staff)
    page = text(client.get(url(world.territory)))
    assert (
        f"{world.territory.name} : 3 objectifs, 1 en retard, 1 en bonne voie, "
        "1 pas encore de mesure." in page
    )
    assert "1 engagement en retard" in page
    assert "Moins d'encombrants" in page and "Hall propre" in page
    assert "Ailleurs" not in page


def test_a_smaller_place_counts_its_own_groups_only(client, login, world, tilleuls):
    login(world.staff)
    page = text(client.get(url(world.building)))
    assert "Bâtiment A : 1 objectif, 1 pas encore de mesure." in page
    assert "Moins d'encombrants" not in page
    assert "Aucun engagement en retard." in page


def test_the_service_counts_in_the_same_way(world, tilleuls, today):
    board = dashboard.place_dashboard(world.staff, world.territory, today)
    assert board.objectives == 3
    assert board.statuses == {
        Status.OFF_TRACK: 1,
        Status.ON_TRACK: 1,
        Status.NO_DATA: 1,
    }
    assert board.late_commitments == 1
    assert [row.group.title for row in board.groups] == [
        "Hall propre",
        "Moins d'encombrants",
    ]


def test_the_place_page_links_to_its_dashboard(client, login, world):
    login(world.staff)
    page = client.get(f"/lieux/{world.territory.id}").get_data(as_text=True)
    assert f'href="{url(world.territory)}"' in page


# Home-page panels


def test_a_resident_sees_their_groups_and_objectives_on_the_home_page(
    client, login, world, tilleuls
):
    group, second, _elsewhere = tilleuls
    factories.member(group, world.resident)
    login(world.resident)
    page = text(client.get("/"))
    assert "Vos groupes de travail" in page
    assert "Moins d'encombrants" in page and "vous en êtes membre" in page
    assert "Hall propre" in page and "près de chez vous" in page
    assert "Réduire les dépôts en bonne voie" in page
    assert "Réduire les appels en retard" in page
    assert "Ailleurs" not in page
    raw = client.get("/").get_data(as_text=True)
    assert f'href="{url(world.residence)}"' in raw  # the group's place


def test_a_pending_request_shows_on_the_residents_home(client, login, world):
    far = factories.group(world.other_building, title="Groupe lointain")
    factories.member(far, world.resident, status=MembershipStatus.PENDING)
    login(world.resident)
    page = text(client.get("/"))
    assert "Groupe lointain" in page and "demande en attente" in page


def test_a_partner_sees_what_to_report_and_their_commitments(
    client, login, world, tilleuls, today
):
    group, _second, _elsewhere = tilleuls
    span = {
        "source_organisation_id": world.partner_org.id,
        "baseline_date": today - timedelta(days=200),
        "target_date": today + timedelta(days=200),
    }
    due = factories.objective(group, title="Objectif sans mesure", **span)
    stale = factories.objective(group, title="Objectif ancien", **span)
    factories.measurement(stale, today - timedelta(days=45), 9.0)
    login(world.partner)
    page = text(client.get("/"))
    assert "À renseigner" in page
    assert "Saisir une mesure : Objectif sans mesure" in page
    assert "Saisir une mesure : Objectif ancien" in page
    assert (
        "Réduire les dépôts"
        not in page.split("Les engagements")[0].split("À renseigner")[1]
    )  # measured last month: nothing due
    assert "Relier le signalement" in page and "en retard" in page
    assert "Rapporter une action" in page and "Signaler une action" not in page
    assert "Ouvrir un local" not in page  # the landlord's, and kept
    assert f'href="/objectifs/{due.id}/mesures/nouvelle"' in client.get("/").get_data(
        as_text=True
    )


def test_staff_see_what_is_late_in_their_groups_only(client, login, world, tilleuls):
    group, _second, elsewhere = tilleuls
    asking = factories.resident_of(world.dwellings[2], display_name="Fatou Demande")
    factories.member(group, asking, status=MembershipStatus.PENDING)
    factories.member(elsewhere, world.other_resident, status=MembershipStatus.PENDING)
    login(world.staff)
    page = text(client.get("/"))
    assert "Ce qui est en retard" in page
    assert "Réduire les appels en retard" in page
    assert "Réduire les dépôts" not in page  # on track
    assert "Relier le signalement" in page
    assert "Fatou Demande" in page
    assert "Ailleurs" not in page
    assert "Logements" in page  # the issue-3 panel is still there


def test_other_staff_see_nothing_of_another_landlords_groups(
    client, login, world, tilleuls
):
    login(world.other_staff)
    page = text(client.get("/"))
    assert "Aucun objectif en retard ni à surveiller." in page
    assert "Aucun engagement dépassé." in page
    assert "Relier le signalement" not in page


def test_only_objectives_under_way_in_groups_still_joined_are_to_report(
    client, login, world, tilleuls, today
):
    group, _second, _elsewhere = tilleuls
    source = {"source_organisation_id": world.partner_org.id}
    factories.objective(
        group,
        title="Objectif en cours",
        baseline_date=today - timedelta(days=30),
        target_date=today + timedelta(days=30),
        **source,
    )
    factories.objective(
        group,
        title="Objectif du jour",  # its last day still counts
        baseline_date=today - timedelta(days=30),
        target_date=today,
        **source,
    )
    factories.objective(
        group,
        title="Objectif terminé",
        baseline_date=today - timedelta(days=400),
        target_date=today - timedelta(days=1),
        **source,
    )
    factories.objective(
        group,
        title="Objectif à venir",
        baseline_date=today + timedelta(days=1),
        target_date=today + timedelta(days=400),
        **source,
    )
    left = factories.group(world.residence, title="Groupe quitté")
    factories.objective(
        left,
        title="Objectif d'un groupe quitté",
        baseline_date=today - timedelta(days=30),
        target_date=today + timedelta(days=30),
        **source,
    )  # the partner's organisation is its source but no longer takes part
    login(world.partner)
    page = text(client.get("/"))
    panel = page.split("À renseigner")[1].split("Les engagements")[0]
    assert "Saisir une mesure : Objectif en cours" in panel
    assert "Saisir une mesure : Objectif du jour" in panel
    for absent in ["terminé", "à venir", "groupe quitté"]:
        assert absent not in panel, absent
    landing = dashboard.partner_landing(world.partner, utcnow())
    assert "Objectif d'un groupe quitté" not in [
        item.objective.title for item in landing.to_report
    ]


def test_a_partner_reaches_a_group_it_is_not_in_through_its_public_page(
    client, login, world, tilleuls
):
    """The partner takes part in "Moins d'encombrants" only: "Hall propre" is
    listed once published, with links to the showcase (not to pages that would
    answer 403); unpublished, it is not listed at all."""
    group, second, _elsewhere = tilleuls
    objective = db.session.scalars(
        db.select(Objective).filter_by(group_id=second.id)
    ).one()
    login(world.partner)
    page = text(client.get(url(world.territory)))
    assert "Moins d'encombrants" in page and "Hall propre" not in page
    second.published_at = utcnow()
    db.session.commit()
    response = client.get(url(world.territory))
    body = response.get_data(as_text=True)
    assert "Hall propre" in text(response)
    assert f'href="/initiatives/{second.id}"' in body
    assert f'href="/initiatives/{second.id}#objectif-{objective.id}"' in body
    assert f'href="/groupes/{second.id}"' not in body
    assert f'href="/objectifs/{objective.id}"' not in body
    assert f'href="/groupes/{group.id}"' in body  # the group it takes part in
    for link in re.findall(r'href="(/(?:groupes|objectifs|initiatives)/[^"#]+)', body):
        assert client.get(link).status_code == 200, link
    board = dashboard.place_dashboard(world.partner, world.territory, date.today())
    assert {row.group.title: row.can_view for row in board.groups} == {
        "Hall propre": False,
        "Moins d'encombrants": True,
    }


def test_a_resident_pending_far_away_is_not_linked_to_a_closed_group(
    client, login, world
):
    far = factories.group(world.other_building, title="Groupe lointain")
    factories.objective(far, title="Objectif lointain")
    factories.member(far, world.resident, status=MembershipStatus.PENDING)
    login(world.resident)
    body = client.get("/").get_data(as_text=True)
    assert "Groupe lointain" in body and "Objectif lointain" in body
    assert f'href="/groupes/{far.id}"' not in body
    far.published_at = utcnow()
    db.session.commit()
    body = client.get("/").get_data(as_text=True)
    assert f'href="/initiatives/{far.id}"' in body


def test_staff_watch_recent_objectives_only_and_see_how_many_more(
    client, login, world, tilleuls, today
):
    group, _second, _elsewhere = tilleuls
    for days in (30, 89):
        late = factories.objective(
            group,
            title=f"Fini il y a {days} jours",
            baseline_date=today - timedelta(days=400),
            target_date=today - timedelta(days=days),
        )
        factories.measurement(late, today - timedelta(days=days + 10), 13.0)
    long_ago = factories.objective(
        group,
        title="Fini il y a longtemps",
        baseline_date=today - timedelta(days=500),
        target_date=today - timedelta(days=91),
    )
    factories.measurement(long_ago, today - timedelta(days=100), 13.0)
    landing = dashboard.staff_landing(world.staff, utcnow())
    titles = [objective.title for objective, _a in landing.watch]
    assert "Fini il y a 30 jours" in titles and "Fini il y a 89 jours" in titles
    assert "Fini il y a longtemps" not in titles
    assert landing.watch_total == 3  # with "Réduire les appels"
    for i in range(dashboard.PANEL_ROWS):
        behind = factories.objective(
            group,
            title=f"En retard {i}",
            baseline_date=today - timedelta(days=300),
            target_date=today + timedelta(days=60),
        )
        factories.measurement(behind, today - timedelta(days=10), 13.0)
    login(world.staff)
    page = text(client.get("/"))
    assert "et 3 autres" in page
    assert "Fini il y a longtemps" not in page


def test_the_last_measurements_give_the_same_assessment_as_all_of_them(
    world, tilleuls, today
):
    from participation.services import objectives as objective_service

    group, _second, _elsewhere = tilleuls
    start = today - timedelta(days=400)
    moving = factories.objective(
        group, baseline_date=start, target_date=today + timedelta(days=200)
    )
    for i, value in enumerate([14, 15, 13, 16, 12, 11, 12, 10, 9, 9.5, 8]):
        factories.measurement(moving, start + timedelta(days=30 * (i + 1)), value)
    every_point = [
        tuple(row)
        for row in db.session.execute(
            db.select(Measurement.measured_on, Measurement.value)
            .where(Measurement.objective_id == moving.id)
            .order_by(Measurement.measured_on)
        )
    ]
    assert len(every_point) == 11

    assert dashboard.assessments([moving])[moving.id] == assess(
        moving.plan, every_point
    )
    points = objective_service.points_of([moving.id])[moving.id]
    assert len(points) == 6 and points[-1][1] == 8.0


def focusable_regions(body: str) -> None:
    """Every scrollable table wrapper can be reached with the keyboard and is
    named by its table's caption (axe: scrollable-region-focusable)."""
    wrappers = re.findall(r'<div class="table-wrap"[^>]*>', body)
    assert wrappers
    for tag in wrappers:
        assert 'tabindex="0"' in tag and 'role="region"' in tag, tag
        (caption,) = re.findall(r'aria-labelledby="([^"]+)"', tag)
        assert body.count(f'id="{caption}"') == 1, caption
        assert f'<caption id="{caption}"' in body, caption


def test_scrollable_tables_are_keyboard_reachable(client, login, world, tilleuls):
    group, _second, _elsewhere = tilleuls
    commitment = db.session.scalars(
        db.select(Commitment).filter_by(title="Relier le signalement")
    ).one()
    factories.action(commitment, date(2026, 3, 1), quantity=2.0, unit="t")
    factories.member(group, world.resident)
    login(world.staff)
    for address in [
        url(world.territory),
        f"/groupes/{group.id}/engagements",
        f"/groupes/{group.id}/membres",
        f"/engagements/{commitment.id}",
    ]:
        response = client.get(address)
        assert response.status_code == 200, address
        focusable_regions(response.get_data(as_text=True))
    client.post("/compte/deconnexion")
    login(world.partner)
    focusable_regions(client.get("/").get_data(as_text=True))


# Query counts


def grow(ids: dict[str, int], n: int = 15) -> None:
    """More groups, objectives, measurements, commitments and requests in the
    world's landlord's places, for each role's panels and the dashboard."""
    residence = db.session.get(Place, ids["residence"])
    partner_org = db.session.get(Organisation, ids["partner_org"])
    today = local_date(utcnow())
    for i in range(n):
        building = add_place(residence.landlord, residence, f"Bâtiment G{i:02}")
        group = factories.group(building, partners=[partner_org])
        resident = factories.user(Role.RESIDENT)
        factories.member(group, resident, status=MembershipStatus.PENDING)
        for _ in range(2):
            objective = factories.objective(
                group,
                source_organisation_id=partner_org.id,
                baseline_date=today - timedelta(days=200),
                target_date=today + timedelta(days=100),
            )
            factories.measurement(objective, today - timedelta(days=60), 13.5)
            factories.commitment(
                objective, partner_org, due_date=today - timedelta(days=3)
            )
            factories.commitment(objective, None)
    resident = db.session.get(factories.User, ids["resident"])
    for group in db.session.scalars(
        db.select(WorkingGroup).where(WorkingGroup.place_id != residence.id)
    ).all():  # the resident joins every group below the residence too
        if group.landlord_id == residence.landlord_id and group.title != "Hall propre":
            factories.member(group, resident)


def ids_of(world) -> dict[str, int]:
    return {
        "residence": world.residence.id,
        "partner_org": world.partner_org.id,
        "resident": world.resident.id,
    }


def measure(client, count_queries, address: str) -> int:
    db.session.remove()
    with count_queries() as statements:
        response = client.get(address)
    assert response.status_code == 200, address
    assert statements
    return len(statements)


@pytest.mark.parametrize("who", ["resident", "partner", "staff", "admin"])
@pytest.mark.parametrize("page", ["home", "dashboard"])
def test_panels_and_dashboard_cost_the_same_queries_whatever_the_size(
    client, login, world, tilleuls, count_queries, who, page
):
    group, _second, _elsewhere = tilleuls
    factories.member(group, world.resident)
    address = "/" if page == "home" else url(world.territory)
    ids = ids_of(world)
    login(getattr(world, who))
    small = measure(client, count_queries, address)
    grow(ids)
    assert measure(client, count_queries, address) == small
