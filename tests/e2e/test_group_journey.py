"""Working groups in a real browser: the waste service reports last month's
measurement (the demo already has it, so the form leads to a correction, which
keeps the history) and an action, a resident member sees the chart move, a
visitor reads the published initiative and its open data, and staff go round the
group's pages. Every page is scanned with axe (WCAG 2.1 A/AA) and, at 360 px,
must not scroll sideways."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
from babel.dates import format_date

from participation.services.demo import DOMAIN, RESIDENTS, STAFF
from participation.timeutil import PARIS
from tests.e2e.test_journey import DESKTOP, PHONE, log_in, log_out, visit

pytestmark = pytest.mark.e2e

GROUP = "Moins d'encombrants aux Tilleuls"
OBJECTIVE = "Réduire les dépôts d'encombrants"
COMMITMENT = "Collecte sur rendez-vous le premier samedi de chaque mois"
ACTION = "Collecte exceptionnelle avant l'hiver, au pied du bâtiment C."
PARTNER = f"dechets@{DOMAIN}"
#: A resident member of the group (3, 4, 6, 9 and 11 are, in the demo).
MEMBER = f"habitant3@{DOMAIN}"
#: Everybody's name in the demo: none may appear on the public showcase.
PEOPLE = [*RESIDENTS, *(name.split(" (")[0] for _, name, _, _ in STAFF)]


def today() -> date:
    """Today in France, the day the app dates measurements and actions with."""
    return datetime.now(PARIS).date()


def last_month() -> date:
    """The last finished month, as the app stores it (its last day). The demo has
    a value for every month up to it, and takes no value for an unfinished month
    nor, once a series is monthly, for a day."""
    return today().replace(day=1) - timedelta(days=1)


def month_label(day: date) -> str:
    """ "novembre 2026", as the pages write a month."""
    return format_date(day, "MMMM y", locale="fr")


def flash(page, text: str) -> None:
    page.locator(".flash, [role=status], [role=alert]").filter(
        has_text=text
    ).first.wait_for()


def open_link(page, name: str, heading: str | re.Pattern | None = None) -> None:
    """Follow the first link of the main content named ``name``; wait for the
    heading of the page it leads to (``heading``, by default ``name``)."""
    page.get_by_role("main").get_by_role("link", name=name, exact=True).first.click()
    page.get_by_role("heading", level=1, name=heading or name).wait_for()


def correct_last_month(page, check, value: str, reason: str) -> None:
    """On the objective page: correct last month's value to ``value``; ``check``
    scans the correction page and the objective page it leads back to."""
    label = f"Corriger la valeur de {month_label(last_month())}"
    page.get_by_role("link", name=label).click()
    page.get_by_role("heading", level=1, name=label).wait_for()
    check("correction")
    assert "Valeur actuelle : 5 signalements." in page.get_by_role("main").inner_text()
    page.get_by_label("Valeur corrigée").fill(value)
    page.get_by_label("Raison de la correction").fill(reason)
    page.get_by_role("button", name="Enregistrer la correction").click()
    flash(page, "Correction enregistrée ; l'historique garde l'ancienne valeur.")
    page.get_by_role("heading", level=1, name=OBJECTIVE).wait_for()
    check("objective-corrected")


def chart_state(page) -> dict:
    """What the objective page says about the indicator: the chart's points and
    text alternative, the data table (opened), the progress and the status."""
    details = page.locator("details.line-chart-data")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    rows = page.locator("table.line-chart-table tr.line-chart-row-measurement")
    rows.first.wait_for()
    last = rows.last
    return {
        "points": page.locator("svg.line-chart circle.line-chart-point").count(),
        "line": page.locator("svg.line-chart polyline").get_attribute("points"),
        "desc": page.locator("svg.line-chart desc").text_content(),
        "rows": rows.count(),
        "last_date": last.locator("time").get_attribute("datetime"),
        "last_value": last.locator("td").nth(1).inner_text().strip(),
        "progress": page.locator("#avancement .progress-label").inner_text(),
        "status": page.locator("#avancement .status-badge").inner_text().strip(),
    }


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_partner_reports_a_measurement_and_an_action(
    page, live_server, axe_check, screenshot, viewport
):
    """The waste service finds its group from its home page, reports last
    month's count of bulky-waste reports (already there: the form sends it to the
    correction, which keeps the history), then an action for one of its
    commitments."""
    page.set_viewport_size(viewport)

    def check(name: str) -> None:
        visit(page, axe_check, screenshot, f"partner-{name}")

    log_in(page, live_server, PARTNER)
    page.get_by_role("heading", name="Les engagements de votre organisation").wait_for()
    check("home")
    open_link(page, GROUP)
    check("group")
    open_link(page, OBJECTIVE)
    check("objective")

    month = month_label(last_month())
    page.get_by_role("link", name="Saisir une mesure").click()
    page.get_by_role("heading", level=1, name="Saisir une mesure").wait_for()
    check("measurement-new")
    page.get_by_label("Mois", exact=True).fill(f"{last_month():%Y-%m}")
    page.get_by_label("Valeur", exact=True).fill("4,5")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    page.get_by_role("alert").first.wait_for()
    taken = f"Une valeur existe déjà pour {month} : corrigez-la"
    assert taken in page.get_by_role("main").inner_text()
    check("measurement-taken")
    page.get_by_role("link", name="Annuler").click()
    page.get_by_role("heading", level=1, name=OBJECTIVE).wait_for()
    correct_last_month(page, check, "4,5", "Chiffre définitif du service")
    newest = page.locator("table.measurements tbody tr").first
    assert newest.locator("th time").get_attribute("datetime") == (
        f"{last_month():%Y-%m}"
    )
    assert newest.locator("th").inner_text().strip() == month
    assert newest.locator("td").first.inner_text().strip() == "4,5"
    assert "corrigé (1 fois)" in newest.inner_text()
    history = newest.locator("details.measurement-history").text_content()
    assert "5 → 4,5. Raison : Chiffre définitif du service" in history

    # An action for one of the waste service's own commitments.
    open_link(page, COMMITMENT)
    check("commitment")
    page.get_by_role("link", name="Rapporter une action").click()
    page.get_by_role("heading", level=1, name="Rapporter une action").wait_for()
    check("action-new")
    page.get_by_label("Date", exact=True).fill(today().isoformat())
    page.get_by_label("Ce qui a été fait").fill(ACTION)
    page.get_by_label("Quantité").fill("3,2")
    page.get_by_label("Unité").fill("t")
    page.get_by_role("button", name="Enregistrer l'action").click()
    flash(page, "L'action est enregistrée ; le groupe est prévenu.")
    page.get_by_role("heading", level=1, name=COMMITMENT).wait_for()
    check("commitment-acted")
    done = page.locator("ol.commitment-timeline > li").first
    assert ACTION in done.inner_text()
    assert "3,2 t" in done.inner_text()
    assert done.locator("time").get_attribute("datetime") == today().isoformat()

    # The objective's timeline shows it too, newest first.
    open_link(page, OBJECTIVE)
    check("objective-acted")
    timeline = page.locator("#actions-menees ol.commitment-timeline > li")
    newest = timeline.filter(has_text=ACTION)
    assert newest.count() == 1
    assert "3,2 t" in newest.inner_text()
    assert "Métropole Seine-Ouest — collecte des déchets" in newest.inner_text()
    assert ACTION in timeline.first.inner_text()
    row = page.locator("table.measurements tbody tr").first
    assert row.locator("td").first.inner_text().strip() == "4,5"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_resident_sees_the_chart_move(
    page, live_server, axe_check, screenshot, viewport
):
    """A resident member reads the chart; the waste service corrects last
    month's value; the resident's chart, table, progress and status follow it."""
    page.set_viewport_size(viewport)

    def check(name: str) -> None:
        visit(page, axe_check, screenshot, f"member-{name}")

    log_in(page, live_server, MEMBER)
    page.get_by_role("heading", name="Vos groupes de travail").wait_for()
    check("home")
    open_link(page, OBJECTIVE)
    objective_url = page.url.split("#")[0]
    before = chart_state(page)
    check("objective")
    # The demo: twelve monthly values, from 14 down to 5 last month.
    assert before["points"] == before["rows"] == 12
    assert before["last_date"] == f"{last_month():%Y-%m}"
    assert before["last_value"] == "5"
    month = month_label(last_month())
    assert f"Dernière valeur : 5 signalements en {month}." in before["desc"]
    assert before["progress"].startswith("90 % du chemin parcouru : 5 signalements")
    assert before["status"] != "atteint"
    assert page.get_by_role("link", name="Saisir une mesure").count() == 0
    log_out(page)

    log_in(page, live_server, PARTNER)
    page.goto(objective_url)
    check("partner-objective")
    correct_last_month(page, check, "3", "Chiffre définitif : sous la cible")
    log_out(page)

    log_in(page, live_server, MEMBER)
    home_line = (
        page.get_by_role("main")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=OBJECTIVE, exact=True))
    )
    assert "atteint" in home_line.last.inner_text()
    assert "100 % du chemin parcouru" in home_line.last.inner_text()
    check("home-after")
    open_link(page, OBJECTIVE)
    after = chart_state(page)
    check("objective-after")
    assert after["points"] == after["rows"] == 12
    assert after["line"] != before["line"]  # the last point went down
    assert after["last_date"] == f"{last_month():%Y-%m}"
    assert after["last_value"] == "3"
    assert f"Dernière valeur : 3 signalements en {month}." in after["desc"]
    assert "12 mesures en tout" in after["desc"]
    assert after["progress"].startswith("100 % du chemin parcouru : 3 signalements")
    assert after["status"] == "atteint"
    explanation = page.locator("#avancement .objective-explanation").inner_text()
    assert f"3 signalements en {month}" in explanation
    newest = page.locator("table.measurements tbody tr").first
    assert newest.locator("td").first.inner_text().strip() == "3"
    assert "corrigé (1 fois)" in newest.inner_text()

    # The group page's progress text tells the same.
    page.get_by_role("navigation", name="Fil d'Ariane").get_by_role(
        "link", name=GROUP
    ).click()
    page.get_by_role("heading", level=1, name=GROUP).wait_for()
    check("group-after")
    card = page.locator("ul.group-objectives > li").filter(has_text=OBJECTIVE)
    assert "dernière valeur : 3 signalements" in card.inner_text()
    assert "atteint" in card.inner_text()


def assert_anonymous(text: str) -> None:
    named = [person for person in PEOPLE if person in text]
    assert not named, f"personal data on the showcase: {named}"
    assert DOMAIN not in text


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_visitor_reads_the_published_initiative(
    page, live_server, axe_check, screenshot, viewport
):
    """Without an account: the showcase, the initiative with its charts and
    commitments, its open data (no personal data anywhere), and a 404 for an
    initiative that does not exist or is no longer published."""
    page.set_viewport_size(viewport)

    def check(name: str) -> None:
        visit(page, axe_check, screenshot, f"visitor-{name}")

    page.goto(live_server("/"))
    check("home")
    page.get_by_role("link", name="Découvrir les initiatives").click()
    page.get_by_role("heading", level=1, name="Initiatives").wait_for()
    check("showcase")
    assert "1 initiative publiée" in page.get_by_role("main").inner_text()
    open_link(page, GROUP)
    initiative_url = page.url.split("#")[0]
    check("initiative")

    main = page.get_by_role("main")
    objectives = page.locator("article.showcase-objective")
    assert objectives.count() == 2
    reports = objectives.filter(has=page.get_by_role("heading", name=OBJECTIVE))
    assert reports.locator("svg.line-chart[role=img]").count() == 1
    assert (
        reports.locator("svg.line-chart desc")
        .text_content()
        .startswith("Dernière valeur : 5 signalements")
    )
    assert page.locator("svg.line-chart[role=img]").count() == 2
    reports.locator("details.line-chart-data summary").click()
    assert reports.locator("tr.line-chart-row-measurement").count() == 12
    commitments = reports.locator("table caption")
    assert "Métropole Seine-Ouest — collecte des déchets" in (
        commitments.all_inner_texts()
    )
    assert reports.get_by_role("rowheader", name=COMMITMENT).count() == 1
    assert "2,9 t" in reports.locator("ol.showcase-timeline").inner_text()
    check("initiative-table")
    assert_anonymous(main.inner_text())
    assert page.get_by_role("link", name="Se connecter").first.is_visible()

    # Open data: both files answer, say what the page says, name nobody.
    csv_href = main.get_by_role(
        "link", name="Télécharger les mesures et les actions (CSV)"
    ).get_attribute("href")
    json_href = main.get_by_role(
        "link", name="Télécharger toute l'initiative (JSON)"
    ).get_attribute("href")
    csv_file = page.request.get(live_server(csv_href))
    assert csv_file.status == 200
    assert csv_file.headers["content-type"].startswith("text/csv")
    text = csv_file.body().decode("utf-8-sig")
    assert text.startswith("type,objectif_id,objectif,")
    # Ids differ between databases (PostgreSQL sequences are not reset).
    assert re.search(rf"^mesure,\d+,{re.escape(OBJECTIVE)},", text, re.M)
    assert re.search(rf"^action,\d+,{re.escape(OBJECTIVE)},", text, re.M)
    assert COMMITMENT in text
    assert_anonymous(text)
    json_file = page.request.get(live_server(json_href))
    assert json_file.status == 200
    assert json_file.headers["content-type"].startswith("application/json")
    data = json_file.json()
    assert data["initiative"]["title"] == GROUP
    assert [o["title"] for o in data["initiative"]["objectives"]][0] == OBJECTIVE
    assert_anonymous(json.dumps(data, ensure_ascii=False))

    # An initiative that does not exist: 404, page and files alike.
    response = page.goto(live_server("/initiatives/987654321"))
    assert response.status == 404
    check("initiative-unknown")
    for suffix in (".csv", ".json"):
        assert (
            page.request.get(live_server(f"/initiatives/987654321{suffix}")).status
            == 404
        )

    # Staff take the initiative off the showcase: it is gone for visitors.
    log_in(page, live_server, f"equipe@{DOMAIN}")
    page.goto(initiative_url)
    check("initiative-staff")
    page.get_by_role("link", name="Revenir à la page du groupe").click()
    page.get_by_role("heading", level=1, name=GROUP).wait_for()
    check("group-published")
    page.get_by_role("button", name="Retirer de la vitrine").click()
    page.get_by_role("button", name="Publier l'initiative").wait_for()
    check("group-unpublished")
    log_out(page)
    response = page.goto(initiative_url)
    assert response.status == 404
    check("initiative-unpublished")
    assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
    for suffix in (".csv", ".json"):
        assert page.request.get(initiative_url + suffix).status == 404
    page.goto(live_server("/initiatives/"))
    assert "Aucune initiative n'est publiée" in page.get_by_role("main").inner_text()
    check("showcase-empty")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_go_round_the_groups_pages(
    page, live_server, axe_check, screenshot, viewport
):
    """The landlord's team: the groups, the group, its members, a meeting with
    its show-of-hands vote, the commitments scorecard and the place's dashboard."""
    page.set_viewport_size(viewport)

    def check(name: str) -> None:
        visit(page, axe_check, screenshot, f"staff-{name}")

    log_in(page, live_server, f"equipe@{DOMAIN}")
    page.get_by_role("heading", name="Ce qui est en retard").wait_for()
    check("home")
    nav = page.get_by_role("navigation", name="Menu principal")
    nav.get_by_role("link", name="Groupes de travail").click()
    page.get_by_role("heading", level=1, name="Groupes de travail").wait_for()
    check("groups")
    open_link(page, GROUP)
    check("group")
    group_url = page.url.split("#")[0]
    assert page.get_by_role("heading", name="Vitrine publique").is_visible()

    page.get_by_role("link", name="Gérer les membres").click()
    page.get_by_role("heading", level=1, name=f"Membres de « {GROUP} »").wait_for()
    check("members")
    assert page.get_by_role("heading", name="Demandes en attente").is_visible()
    assert RESIDENTS[11] in page.get_by_role("main").inner_text()  # habitant12

    page.goto(group_url)
    check("group-again")
    # The oldest meeting (the list is newest first) voted on the objective.
    page.locator("main a[href*='/reunions/']").filter(
        has=page.locator("time")
    ).last.click()
    page.get_by_role("heading", level=1, name=re.compile("^Réunion du")).wait_for()
    check("meeting")
    votes = page.locator("table.hand-votes")
    assert "Se fixer pour objectif 4 signalements" in votes.inner_text()
    assert "14" in votes.inner_text()

    page.goto(group_url)
    check("group-again")
    page.get_by_role("link", name="Les engagements de chacun").click()
    page.get_by_role("heading", level=1, name=f"Engagements : {GROUP}").wait_for()
    check("scorecard")
    assert page.locator("table.commitment-scorecard").count() >= 1
    assert page.get_by_role("heading", level=2, name="Ville de Bellerive").is_visible()

    nav.get_by_role("link", name="Lieux").click()
    page.get_by_role("heading", level=1, name="Lieux").wait_for()
    check("places")
    open_link(
        page, "Quartier des Tilleuls", heading=re.compile("Quartier des Tilleuls")
    )
    check("place")
    page.get_by_role("link", name="Tableau de bord des objectifs").click()
    page.get_by_role(
        "heading", level=1, name="Tableau de bord : Quartier des Tilleuls"
    ).wait_for()
    check("dashboard")
    headline = page.locator(".dashboard-headline").inner_text()
    assert headline.startswith("Quartier des Tilleuls : 2 objectifs")
    assert page.get_by_role("link", name=GROUP).count() >= 1
