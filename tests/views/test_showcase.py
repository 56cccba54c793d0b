"""The showcase through the real app: visitors read published initiatives and
download their data; only the landlord's staff publish; nothing personal shows."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest

from participation.extensions import db
from participation.models import (
    AuditEvent,
    CommitmentStatus,
    GroupPartner,
    Objective,
    OrganisationKind,
    Period,
    Role,
    WorkingGroup,
)
from participation.services import objectives
from participation.timeutil import utcnow
from tests import factories
from tests.pages import fresh, text

SUMMARY = "Un an d'efforts : deux fois moins de dépôts d'encombrants."
PEOPLE = ["Nadia Secret", "nadia@secret.fr", "Aïcha Secret", "aicha@secret.fr"]


def publish(group: WorkingGroup, days_ago: int = 1) -> WorkingGroup:
    group.published_at = utcnow() - timedelta(days=days_ago)
    group.showcase_summary = SUMMARY
    group.showcase_summary_html = f"<p>{SUMMARY}</p>"
    db.session.commit()
    return group


@pytest.fixture
def group(world):
    """A group with people, an objective with measurements, commitments and an
    action — not published."""
    waste = factories.organisation(OrganisationKind.WASTE_SERVICE, name="Métropole")
    item = factories.group(
        world.territory,
        partners=[world.partner_org, waste],
        title="Moins d'encombrants aux Tilleuls",
    )
    reporter = factories.user(
        Role.PARTNER, waste, display_name="Nadia Secret", email="nadia@secret.fr"
    )
    neighbour = factories.resident_of(
        world.dwellings[1], display_name="Aïcha Secret", email="aicha@secret.fr"
    )
    factories.member(item, reporter)
    factories.member(item, neighbour)
    factories.member(item, world.staff, facilitator=True)
    objective = factories.objective(
        item, title="Réduire les dépôts", source_organisation_id=waste.id
    )
    for month, value in [(1, 13.0), (2, 11.0)]:
        factories.measurement(
            objective,
            date(2026, month + 1, 1) - timedelta(days=1),
            value,
            period=Period.MONTH,
            organisation_id=waste.id,
            reported_by=reporter,
        )
    commitment = factories.commitment(
        objective,
        waste,
        title="Collecte mensuelle",
        status=CommitmentStatus.IN_PROGRESS,
        created_by=reporter,
    )
    factories.action(
        commitment,
        date(2026, 2, 7),
        quantity=3.2,
        unit="t",
        reported_by=reporter,
        description="@SUM(1+1) collecte solidaire",
    )
    factories.commitment(objective, None, title="Prévenir les voisins")
    return item


# Visitors


def test_visitors_see_published_initiatives_only_newest_first(client, world, group):
    other = publish(
        factories.group(world.other_building, title="Jardins d'Ailleurs"), days_ago=5
    )
    factories.objective(other)
    factories.group(world.territory, title="Groupe discret")
    publish(group)
    page = text(client.get("/initiatives/"))
    assert "2 initiatives publiées" in page
    assert page.index("Moins d'encombrants") < page.index("Jardins d'Ailleurs")
    assert "Groupe discret" not in page
    assert "1 objectif : 1 en bonne voie" in page
    assert "1 objectif : 1 pas encore de mesure" in page


def test_status_counts_agree_with_their_number(client, world, group):
    publish(group)
    for title in ("Moins de tags", "Moins de dépôts"):
        done = factories.objective(group, title=title)
        factories.measurement(done, date(2026, 3, 1), 4.0)  # the target: met
    page = text(client.get("/initiatives/"))
    assert "3 objectifs : 1 en bonne voie, 2 atteints" in page


def test_the_list_filters_by_landlord(client, world, group):
    publish(group)
    publish(factories.group(world.other_building, title="Jardins d'Ailleurs"))
    page = text(client.get(f"/initiatives/?bailleur={world.other_landlord.id}"))
    assert "Jardins d'Ailleurs" in page
    assert "Moins d'encombrants" not in page
    everything = text(client.get("/initiatives/?bailleur=999999"))
    assert "Jardins d'Ailleurs" in everything and "Moins d'encombrants" in everything


def test_the_header_links_to_the_initiatives_for_everyone(client, world):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/initiatives/"' in page


def test_a_visitor_reads_the_whole_initiative_without_anyones_name(
    client, world, group
):
    publish(group)
    response = client.get(f"/initiatives/{group.id}")
    assert response.status_code == 200
    page = text(response)
    for expected in [
        "Moins d'encombrants aux Tilleuls",
        SUMMARY,
        "Réduire les dépôts",
        "Collecte mensuelle",
        "Les habitants",
        "Prévenir les voisins",
        "Métropole",
        "3,2 t",
        "en bonne voie",
        "Partager",
        "Licence Ouverte / Etalab 2.0",
    ]:
        assert expected in page, expected
    body = response.get_data(as_text=True)
    assert f'value="http://faireavec.test/initiatives/{group.id}"' in body
    assert 'role="img"' in body and "<caption>" in body
    for person in [*PEOPLE, "staff@example.fr", "resident@example.fr"]:
        assert person not in body


@pytest.mark.parametrize("suffix", ["", ".csv", ".json"])
@pytest.mark.parametrize(
    "who", [None, "resident", "partner", "other_staff", "newcomer"]
)
def test_an_unpublished_or_unknown_initiative_is_not_found(
    client, login, world, group, suffix, who
):
    factories.member(group, world.partner)
    if who:
        login(getattr(world, who))  # a member, a resident of the place, a partner…
    assert client.get(f"/initiatives/{group.id}{suffix}").status_code == 404
    assert client.get(f"/initiatives/999999{suffix}").status_code == 404


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_staff_preview_the_public_page_before_publishing(
    client, login, world, group, who
):
    login(getattr(world, who))
    response = client.get(f"/initiatives/{group.id}")
    assert response.status_code == 200
    page = text(response)
    assert "Aperçu — non publié" in page
    for expected in [
        "Moins d'encombrants aux Tilleuls",
        "Réduire les dépôts",
        "Collecte mensuelle",
    ]:
        assert expected in page
    assert "Publiée le" not in page
    body = response.get_data(as_text=True)
    assert f'href="/groupes/{group.id}#vitrine-publique"' in body
    assert f"/initiatives/{group.id}.csv" not in body  # the files come once published
    for person in PEOPLE:
        assert person not in body
    # The open-data files stay unpublished, for staff too.
    assert client.get(f"/initiatives/{group.id}.csv").status_code == 404
    assert client.get(f"/initiatives/{group.id}.json").status_code == 404
    assert client.get("/initiatives/999999").status_code == 404
    publish(group)
    assert "Aperçu — non publié" not in text(client.get(f"/initiatives/{group.id}"))


def test_the_csv_export_is_excel_friendly_and_formula_safe(client, world, group):
    publish(group)
    response = client.get(f"/initiatives/{group.id}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="initiative-{group.id}.csv"'
    )
    data = response.get_data(as_text=True)
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data[1:])))
    assert rows[0][:3] == ["type", "objectif_id", "objectif"]
    assert [row[0] for row in rows[1:]] == ["mesure", "mesure", "action"]
    assert rows[3][11] == "'@SUM(1+1) collecte solidaire"
    for person in PEOPLE:
        assert person not in data


def test_the_csv_credits_each_measurement_to_whoever_entered_it(client, world, group):
    """The staff enter a value for the waste service's indicator: the landlord is
    credited for it, not the objective's data source."""
    objective = db.session.scalars(
        db.select(Objective).filter_by(group_id=group.id)
    ).one()
    objectives.record_measurement(
        world.staff, objective, date(2026, 3, 15), Period.MONTH, 10.0, "", utcnow()
    )
    publish(group)
    data = client.get(f"/initiatives/{group.id}.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(data[1:])))
    measured = [(r["date"], r["organisation"]) for r in rows if r["type"] == "mesure"]
    assert measured == [
        ("2026-01-31", "Métropole"),
        ("2026-02-28", "Métropole"),
        ("2026-03-31", "Habitat Test"),
    ]
    exported = json.loads(client.get(f"/initiatives/{group.id}.json").data)
    (item,) = exported["initiative"]["objectives"]
    assert item["measurements"][-1]["organisation"] == "Habitat Test"
    assert item["data_source"] == "Métropole"
    page = text(client.get(f"/initiatives/{group.id}"))
    assert "Mesures saisies par Métropole, Habitat Test" in page


def test_the_json_export_parses_with_the_expected_keys(client, world, group):
    publish(group)
    response = client.get(f"/initiatives/{group.id}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert 'filename="initiative-' in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert {"schema", "version", "licence", "url", "initiative"} <= set(data)
    objective = data["initiative"]["objectives"][0]
    assert objective["measurements"][-1] == {
        "date": "2026-02-28",
        "period": "month",
        "value": 11.0,
        "corrected": False,
        "organisation": "Métropole",
    }
    assert objective["actions"][0]["organisation"] == "Métropole"
    raw = response.get_data(as_text=True)
    for person in PEOPLE:
        assert person not in raw


# Publishing


def test_staff_publish_from_the_group_page_and_land_on_the_public_page(
    client, login, world, group
):
    login(world.staff)
    panel = text(client.get(f"/groupes/{group.id}"))
    assert "Vitrine publique" in panel and "Publier l'initiative" in panel
    response = client.post(
        f"/groupes/{group.id}/publier", data={"summary": SUMMARY, "reviewed": "y"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/initiatives/{group.id}"
    assert fresh(group).published_at is not None
    assert "L'initiative est publiée" in text(client.get(response.headers["Location"]))
    panel = text(client.get(f"/groupes/{group.id}"))
    assert (
        "Mettre à jour le résumé public" in panel and "Retirer de la vitrine" in panel
    )


@pytest.mark.parametrize("who", ["resident", "partner", "other_staff", "newcomer"])
def test_others_may_not_publish_or_unpublish(client, login, world, group, who):
    factories.member(group, world.partner)
    login(getattr(world, who))
    assert (
        client.post(
            f"/groupes/{group.id}/publier", data={"summary": SUMMARY}
        ).status_code
        == 403
    )
    publish(group)
    assert client.post(f"/groupes/{group.id}/depublier").status_code == 403
    assert fresh(group).published_at is not None
    assert "Vitrine publique" not in text(client.get(f"/groupes/{group.id}"))


def test_visitors_are_sent_to_log_in(client, world, group):
    response = client.post(f"/groupes/{group.id}/publier", data={"summary": SUMMARY})
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]
    assert fresh(group).published_at is None


def test_the_panel_says_what_becomes_public_and_links_to_the_preview(
    client, login, world, group
):
    login(world.staff)
    response = client.get(f"/groupes/{group.id}")
    panel = text(response).split("Vitrine publique", 1)[1]
    for expected in [
        "le résumé ci-dessous",
        "la charte du groupe",
        "les organisations partenaires et leur rôle",
        "les objectifs, leurs jalons et leurs mesures",
        "les engagements et les actions, tels qu'ils ont été rédigés",
        "Ne sont jamais publiés : les noms, les adresses e-mail et les comptes",
        "J'ai relu ces textes : ils ne contiennent aucune donnée personnelle "
        "(nom, adresse, téléphone…)",
        "Voir l'aperçu de la page publique",
    ]:
        assert expected in panel, expected
    assert "Jamais de donnée personnelle" not in panel
    body = response.get_data(as_text=True)
    assert f'href="/initiatives/{group.id}"' in body
    assert 'type="checkbox" id="reviewed" name="reviewed"' in body
    assert '<label for="reviewed">' in body


@pytest.mark.parametrize("published", [False, True])
def test_publishing_without_ticking_the_review_box_is_refused(
    client, login, world, group, published
):
    if published:
        publish(group)
    login(world.staff)
    response = client.post(
        f"/groupes/{group.id}/publier",
        data={"summary": "Un nouveau résumé qui n'a pas été relu."},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="reviewed-errors"' in page
    assert 'aria-invalid="true" aria-describedby="reviewed-errors"' in page
    assert "confirmer que vous avez relu les textes" in text(response)
    assert ">Un nouveau résumé qui n&#39;a pas été relu.</textarea>" in page
    group = fresh(group)
    assert (group.published_at is not None) is published
    assert group.showcase_summary == (SUMMARY if published else "")
    assert db.session.scalars(db.select(AuditEvent.action)).all() == []


def test_a_short_summary_is_refused_next_to_the_field(client, login, world, group):
    login(world.staff)
    response = client.post(
        f"/groupes/{group.id}/publier", data={"summary": "Bref", "reviewed": "y"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="summary-errors"' in page
    assert "au moins 20 caractères" in text(response)
    assert ">Bref</textarea>" in page
    assert fresh(group).published_at is None


def test_a_group_without_objective_is_not_published(client, login, world):
    empty = factories.group(world.territory)
    login(world.staff)
    response = client.post(
        f"/groupes/{empty.id}/publier", data={"summary": SUMMARY, "reviewed": "y"}
    )
    assert response.status_code == 422
    assert "au moins un objectif" in text(response)
    assert fresh(empty).published_at is None


def test_staff_unpublish_and_the_page_disappears(client, login, world, group):
    publish(group)
    login(world.staff)
    response = client.post(f"/groupes/{group.id}/depublier")
    assert response.headers["Location"] == f"/groupes/{group.id}"
    assert "n'est plus publique" in text(client.get(response.headers["Location"]))
    assert fresh(group).published_at is None
    assert "Aperçu — non publié" in text(client.get(f"/initiatives/{group.id}"))
    assert client.get(f"/initiatives/{group.id}.csv").status_code == 404
    again = client.post(f"/groupes/{group.id}/depublier", follow_redirects=True)
    assert "n'est pas publiée" in text(again)
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions.count("group.unpublish") == 1
    client.post("/compte/deconnexion")
    assert client.get(f"/initiatives/{group.id}").status_code == 404


def test_publishing_needs_the_csrf_token(world_csrf):
    client, group = world_csrf
    response = client.post(f"/groupes/{group.id}/publier", data={"summary": SUMMARY})
    assert response.status_code == 400
    assert fresh(group).published_at is None


@pytest.fixture
def world_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = factories.build_world()
        group = factories.group(world.territory)
        factories.objective(group)
        client = app.test_client()
        page = client.get("/compte/connexion").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post(
            "/compte/connexion",
            data={
                "email": world.staff.email,
                "password": factories.PASSWORD,
                "csrf_token": token,
            },
        )
        yield client, group


# Query counts


def measure(client, count_queries, url: str) -> int:
    db.session.remove()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    assert statements
    return len(statements)


def grow(group_id: int, n: int = 12) -> None:
    """More partners, members, objectives, measurements, commitments, actions,
    meetings; and more published groups."""
    group = db.session.get(WorkingGroup, group_id)
    place = group.place
    for i in range(n):
        org = factories.organisation(OrganisationKind.ASSOCIATION)
        group.partners.append(GroupPartner(organisation=org, role="aide"))
        db.session.commit()
        factories.member(group, factories.user(Role.RESIDENT))
        objective = factories.objective(group, source_organisation_id=org.id)
        for month in range(1, 6):
            factories.measurement(objective, date(2026, month, 10), 14.0 - month)
        commitment = factories.commitment(objective, org)
        factories.action(commitment, date(2026, 3, 1), quantity=1.5, unit="t")
        factories.commitment(objective, None)
        factories.meeting(group, utcnow() - timedelta(days=i + 1))
        other = publish(factories.group(place, title=f"Autre {i}"), days_ago=i + 2)
        factories.objective(other)


@pytest.mark.parametrize("page", ["detail", "index", "csv", "json"])
def test_showcase_pages_cost_the_same_queries_whatever_the_size(
    client, world, group, count_queries, page
):
    publish(group)
    url = {
        "detail": f"/initiatives/{group.id}",
        "index": "/initiatives/",
        "csv": f"/initiatives/{group.id}.csv",
        "json": f"/initiatives/{group.id}.json",
    }[page]
    group_id = group.id
    small = measure(client, count_queries, url)
    grow(group_id)
    assert measure(client, count_queries, url) == small
