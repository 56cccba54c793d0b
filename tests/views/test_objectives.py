"""Objective pages through the real app: the page tells the truth about the
measurements (percent, status, projection, chart); who sees and who reports;
bad input refused with French messages and nothing saved; CSV import with
line-numbered errors; correction history; CSRF; query counts."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime

import pytest

from participation.blueprints.objectives import views
from participation.extensions import db
from participation.models import (
    AuditEvent,
    Measurement,
    MeasurementRevision,
    Milestone,
    Objective,
    Organisation,
    OrganisationKind,
    Period,
    Role,
)
from participation.services.indicators import Direction
from tests import factories
from tests.pages import count, field_errors, text

#: 10 April 2026 in Paris: March is over, April is not.
NOW = datetime(2026, 4, 10, 10, 0, tzinfo=UTC)
JAN, FEB, MAR = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)
LOGIN = "/compte/connexion"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The objective pages read the time once, through ``utcnow``."""
    monkeypatch.setattr(views, "utcnow", lambda: NOW)


@pytest.fixture
def setting(world):
    """The bulky-waste objective (14 → 4 over 2026) of a group where the city
    (partner_org, the data source) and an association take part."""
    association = factories.organisation(OrganisationKind.ASSOCIATION, name="Asso")
    group = factories.group(world.territory, partners=[world.partner_org, association])
    factories.member(group, world.resident)
    objective = factories.objective(
        group,
        title="Moins d'encombrants",
        source_organisation=world.partner_org,
    )
    world.extra.update(
        group=group,
        objective=objective,
        association=association,
        volunteer=factories.user(Role.PARTNER, association, email="asso@example.fr"),
        stranger=factories.user(
            Role.PARTNER,
            factories.organisation(OrganisationKind.OTHER, name="Ailleurs"),
            email="stranger@example.fr",
        ),
    )
    return world


# --- helpers ----------------------------------------------------------------------


def chart_svg(response) -> str:
    """The line chart's SVG (not the legend's swatches)."""
    body = response.get_data(as_text=True)
    return re.search(r'<svg class="chart line-chart".*?</svg>', body, re.S).group(0)


def switch(client, login, user):
    """Log out whoever is logged in, then log ``user`` in."""
    client.post("/compte/deconnexion")
    login(user)


def person(world, who: str):
    return world.extra[who] if who in world.extra else getattr(world, who)


def detail_url(objective) -> str:
    return f"/objectifs/{objective.id}"


def report_url(objective) -> str:
    return f"/objectifs/{objective.id}/mesures/nouvelle"


def import_url(objective) -> str:
    return f"/objectifs/{objective.id}/mesures/import"


def monthly(objective, *points):
    for day, value in points:
        factories.measurement(objective, day, value, period=Period.MONTH)


# --- the page tells the truth ---------------------------------------------------------


def test_a_decrease_on_track(client, login, setting):
    """(14 − 11) / 10 = 30 %; the trajectory is at 14 − 10 × 89/365 = 11.56 on
    31 March; the least-squares trend reaches 4 on 23 October 2026."""
    objective = setting.extra["objective"]
    monthly(objective, (JAN, 13), (FEB, 12), (MAR, 11))
    login(setting.resident)
    response = client.get(detail_url(objective))
    assert response.status_code == 200
    page = text(response)
    assert "En bonne voie" in page
    assert (
        "En bonne voie : 11 signalements en mars 2026, quand la trajectoire "
        "prévoyait 11,56 à cette date." in page
    )
    assert "Au rythme actuel, la cible serait atteinte vers octobre 2026." in page
    assert (
        "30 % du chemin parcouru : 11 signalements (valeur de départ 14, cible 4)"
        in page
    )
    body = response.get_data(as_text=True)
    assert 'class="progress-fill" x="0" y="0" width="30"' in body
    # The chart: an image with a text alternative that states the same truth.
    svg = chart_svg(response)
    assert 'role="img"' in svg
    desc = html.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1))
    assert desc.startswith("Dernière valeur : 11 signalements en mars 2026.")
    assert "Valeur de départ : 14 signalements le 1 janvier 2026" in desc
    assert "cible : 4 signalements le 1 janvier 2027" in desc
    assert "Statut : en bonne voie." in desc and "3 mesures en tout." in desc
    assert svg.count('class="line-chart-point"') == 3
    assert 'class="line-chart-trajectory"' in svg
    # ... and a data table with a caption and row headers.
    assert '<caption id="courbe-donnees">Données du graphique' in body
    assert '<th scope="row"><time datetime="2026-03">mars 2026</time></th>' in body
    # The measurements, newest first, with their source.
    rows = re.findall(r'<tr id="mesure-\d+">(.*?)</tr>', body, re.S)
    assert [re.search(r"<td>([^<]*)</td>", row).group(1) for row in rows] == [
        "11",
        "12",
        "13",
    ]


def test_a_decrease_off_track_projected_after_its_date(client, login, setting):
    """14 → 4 by 1 July 2026: on 31 March the trajectory is at 9.08; 11 is late,
    and the trend reaches 4 only in October."""
    objective = factories.objective(
        setting.extra["group"],
        target_date=date(2026, 7, 1),
        source_organisation=setting.partner_org,
    )
    monthly(objective, (JAN, 13), (FEB, 12), (MAR, 11))
    login(setting.staff)
    page = text(client.get(detail_url(objective)))
    assert (
        "En retard : 11 signalements en mars 2026 alors que la trajectoire "
        "prévoyait 9,08 à cette date." in page
    )
    assert "la cible serait atteinte vers octobre 2026." in page
    assert "C'est après l'échéance prévue (1 juillet 2026)." in page
    assert "30 % du chemin parcouru" in page


def test_an_increase_with_a_single_measurement(client, login, setting):
    """2 → 6 t over 2026 (364 days); 2.6 t on 1 March, when the trajectory is at
    2.65: to watch, 15 %, no projection from one point."""
    objective = factories.objective(
        setting.extra["group"],
        direction=Direction.INCREASE,
        indicator="Tonnes collectées",
        unit="tonnes",
        baseline_value=2.0,
        target_value=6.0,
        target_date=date(2026, 12, 31),
    )
    factories.measurement(objective, date(2026, 3, 1), 2.6)
    login(setting.resident)
    page = text(client.get(detail_url(objective)))
    assert (
        "À surveiller : 2,6 tonnes le 1 mars 2026 alors que la trajectoire "
        "prévoyait 2,65 à cette date." in page
    )
    assert "15 % du chemin parcouru : 2,6 tonnes (valeur de départ 2, cible 6)" in page
    assert "Il faut au moins deux mesures pour estimer" in page


def test_a_met_target_and_a_trend_going_the_wrong_way(client, login, setting):
    objective = setting.extra["objective"]
    monthly(objective, (JAN, 9), (FEB, 3))
    login(setting.resident)
    page = text(client.get(detail_url(objective)))
    assert "Atteint : 3 signalements en février 2026, pour une cible de 4." in page
    assert "100 % du chemin parcouru" in page
    assert "Au rythme actuel" not in page

    rising = factories.objective(setting.extra["group"])
    monthly(rising, (JAN, 15), (FEB, 16))
    page = text(client.get(detail_url(rising)))
    assert "En retard" in page
    assert "La tendance actuelle ne mène pas à la cible." in page
    assert "0 % du chemin parcouru : 16 signalements" in page  # −20 %, clamped


def test_a_months_point_sits_above_its_months_label(client, login, setting):
    """March's value (stored on 31 March) is drawn at the middle of March, at the
    "mars" label, between the marks of 1 March and 1 April; not at April's."""
    objective = setting.extra["objective"]
    monthly(objective, (JAN, 13), (FEB, 12), (MAR, 11))
    login(setting.resident)
    svg = chart_svg(client.get(detail_url(objective)))
    points = [
        float(x)
        for x in re.findall(r'<circle class="line-chart-point" cx="([\d.]+)"', svg)
    ]
    labels = {
        label: float(x)
        for x, label in re.findall(
            r'<text class="line-chart-tick" x="([\d.]+)" y="2\d\d(?:\.0)?" '
            r'text-anchor="middle">([^<]+)</text>',
            svg,
        )
    }
    marks = sorted(
        float(x)
        for x in re.findall(
            r'<line class="line-chart-axis" x1="([\d.]+)" x2="\1" y1="200', svg
        )
    )
    january, _february, march = points
    assert labels["janv."] == january and labels["mars"] == march
    assert "avr." not in labels  # every other month is labelled
    below = max(m for m in marks if m < march)
    above = min(m for m in marks if m > march)
    # The marks around it are a month apart (1 March, 1 April), the point in
    # the middle: 15 days after one, 16 days before the other.
    day = (above - below) / 31
    assert (march - below, above - march) == pytest.approx(
        (15 * day, 16 * day), abs=0.05
    )
    assert below - january == pytest.approx(44 * day, abs=0.05)  # 16 Jan to 1 Mar


def test_a_far_target_date_saved_before_the_checks_still_draws(client, login, setting):
    objective = factories.objective(
        setting.extra["group"],
        target_date=date(9999, 12, 31),
        source_organisation=setting.partner_org,
    )
    monthly(objective, (MAR, 11))
    login(setting.resident)
    response = client.get(detail_url(objective))
    assert response.status_code == 200
    x_labels = re.findall(r'y="220" text-anchor="middle">([^<]+)<', chart_svg(response))
    assert x_labels == ["2500", "5000", "7500"]


def test_the_scrolling_tables_can_be_reached_with_the_keyboard(client, login, setting):
    """axe scrollable-region-focusable: each sideways-scrolling wrapper is
    focusable and named by its table's caption."""
    objective = setting.extra["objective"]
    monthly(objective, (MAR, 11))
    login(setting.resident)
    body = client.get(detail_url(objective)).get_data(as_text=True)
    for caption_id in ("courbe-donnees", "mesures-tableau"):
        assert (
            f'<div class="table-wrap" tabindex="0" role="region" '
            f'aria-labelledby="{caption_id}">' in body
        )
        assert body.count(f'id="{caption_id}"') == 1
        assert f'<caption id="{caption_id}">' in body


def test_the_chart_table_without_an_id_is_named_by_its_caption(app, setting):
    from flask import render_template_string

    from participation.services.objectives import chart_geometry

    chart = chart_geometry(setting.extra["objective"].plan, [])
    with app.test_request_context():
        body = render_template_string(
            '{% from "_macros/linechart.html" import line_chart_table %}'
            '{{ line_chart_table(chart, "Données « A »") }}',
            chart=chart,
        )
    assert (
        '<div class="table-wrap" tabindex="0" role="region" '
        'aria-label="Données « A »">' in body
    )
    assert "<caption>Données « A »</caption>" in body


def test_no_measurement_yet(client, login, setting):
    login(setting.resident)
    response = client.get(detail_url(setting.extra["objective"]))
    page = text(response)
    assert "Pas encore de mesure : l'avancement sera calculé dès la première" in page
    assert "Aucune mesure pour l'instant." in page
    assert "du chemin parcouru" not in page
    assert 'class="line-chart-point"' not in chart_svg(response)
    assert 'class="line-chart-trajectory"' in chart_svg(response)


def test_milestones_and_commitments_are_on_the_page(client, login, setting):
    objective = setting.extra["objective"]
    objective.milestones.append(milestone())
    db.session.commit()
    factories.commitment(objective, setting.partner_org, title="Collecte mensuelle")
    login(setting.resident)
    response = client.get(detail_url(objective))
    page = text(response)
    assert "30 juin 2026 : 9 signalements — Mi-parcours" in page
    assert 'class="line-chart-milestone"' in response.get_data(as_text=True)
    assert "Engagements de chacun" in page and "Collecte mensuelle" in page


def milestone() -> Milestone:
    return Milestone(due_date=date(2026, 6, 30), value=9.0, label="Mi-parcours")


# --- who sees, who reports ------------------------------------------------------------

VIEWERS = {
    "resident": 200,
    "partner": 200,
    "volunteer": 200,  # a partner of another organisation taking part
    "staff": 200,
    "admin": 200,
    "other_resident": 403,
    "other_staff": 403,
    "stranger": 403,  # a partner whose organisation is not in the group
    "newcomer": 403,
}


@pytest.mark.parametrize(("who", "status"), VIEWERS.items())
def test_who_sees_the_objective(client, login, setting, who, status):
    login(person(setting, who))
    assert client.get(detail_url(setting.extra["objective"])).status_code == status


REPORTERS = {
    "partner": 200,  # the data source's partner
    "staff": 200,
    "admin": 200,
    "volunteer": 403,
    "stranger": 403,
    "resident": 403,
    "other_resident": 403,
    "other_staff": 403,
}


@pytest.mark.parametrize(("who", "status"), REPORTERS.items())
def test_who_reports_measurements(client, login, setting, who, status):
    objective = setting.extra["objective"]
    login(person(setting, who))
    assert client.get(report_url(objective)).status_code == status
    assert client.get(import_url(objective)).status_code == status
    response = client.post(
        report_url(objective),
        data={"period": "month", "month": "2026-03", "value": "9"},
    )
    assert response.status_code == (302 if status == 200 else 403)
    assert count(Measurement) == (1 if status == 200 else 0)


def test_the_page_offers_only_allowed_buttons(client, login, setting):
    objective = setting.extra["objective"]
    factories.measurement(
        objective, MAR, 11, period=Period.MONTH, organisation_id=setting.partner_org.id
    )
    report = report_url(objective)
    login(setting.resident)
    body = client.get(detail_url(objective)).get_data(as_text=True)
    assert report not in body and "/corriger" not in body and "/modifier" not in body
    switch(client, login, setting.partner)
    body = client.get(detail_url(objective)).get_data(as_text=True)
    assert report in body and "/corriger" in body and "/modifier" not in body
    switch(client, login, setting.staff)
    body = client.get(detail_url(objective)).get_data(as_text=True)
    assert f"/objectifs/{objective.id}/modifier" in body


def test_anonymous_visitors_are_sent_to_log_in_and_unknown_ids_are_404(
    client, login, setting
):
    objective = setting.extra["objective"]
    for url in (detail_url(objective), report_url(objective), import_url(objective)):
        response = client.get(url)
        assert response.status_code == 302 and LOGIN in response.location
    login(setting.staff)
    assert client.get("/objectifs/999999").status_code == 404
    assert client.get("/objectifs/999999/mesures/nouvelle").status_code == 404
    assert client.get("/mesures/999999/corriger").status_code == 404
    assert client.get("/groupes/999999/objectifs/nouveau").status_code == 404


# --- reporting a value ----------------------------------------------------------------


def test_a_partner_reports_a_month_with_a_decimal_comma(client, login, setting):
    objective = setting.extra["objective"]
    login(setting.partner)
    response = client.post(
        report_url(objective),
        data={
            "period": "month",
            "month": "2026-03",
            "value": "11,5",
            "note": "Service",
        },
        follow_redirects=True,
    )
    assert "Mesure enregistrée" in text(response)
    measurement = db.session.scalars(db.select(Measurement)).one()
    assert (measurement.measured_on, measurement.period, measurement.value) == (
        MAR,
        Period.MONTH,
        11.5,
    )
    assert measurement.organisation_id == setting.partner_org.id
    assert "11,5" in text(response)


def test_a_month_typed_by_hand_then_a_day_is_refused(client, login, setting):
    """Once an indicator has monthly values, the form offers only a month, and
    a day (a stale form, a crafted post) is refused: no series mixes both."""
    objective = setting.extra["objective"]
    login(setting.staff)
    page = client.get(report_url(objective)).get_data(as_text=True)
    assert 'name="period" type="radio" value="day"' in page  # both, at first
    response = client.post(
        report_url(objective),
        data={"period": "month", "month": "02/2026", "value": "12", "day": "nonsense"},
    )
    assert response.status_code == 302
    page = client.get(report_url(objective)).get_data(as_text=True)
    assert 'type="radio"' not in page
    assert '<input type="hidden" name="period" value="month">' in page
    assert "Cet indicateur est suivi par mois" in text(
        client.get(report_url(objective))
    )
    assert 'name="day"' not in page and 'name="month"' in page
    response = client.post(
        report_url(objective),
        data={"period": "day", "day": "15/03/2026", "value": "1", "month": "x"},
    )
    assert response.status_code == 422
    assert field_errors(response, "period") == (
        "Cet indicateur est suivi par mois : indiquez un mois."
    )
    assert 'aria-describedby="month-hint period-errors"' in response.get_data(
        as_text=True
    )
    rows = db.session.execute(
        db.select(Measurement.measured_on, Measurement.period)
    ).all()
    assert rows == [(FEB, Period.MONTH)]
    # Without a period, the one in use is taken.
    response = client.post(
        report_url(objective), data={"month": "2026-03", "value": "11"}
    )
    assert response.status_code == 302
    assert count(Measurement, Measurement.period == Period.MONTH) == 2


def test_an_indicator_followed_by_day_offers_a_day(client, login, setting):
    objective = setting.extra["objective"]
    factories.measurement(objective, date(2026, 3, 15), 11, period=Period.DAY)
    login(setting.partner)
    page = client.get(report_url(objective)).get_data(as_text=True)
    assert '<input type="hidden" name="period" value="day">' in page
    assert 'name="day"' in page and 'name="month"' not in page
    response = client.post(
        report_url(objective),
        data={"period": "month", "month": "2026-03", "value": "12"},
    )
    assert response.status_code == 422
    assert "Cet indicateur est suivi par jour : indiquez un jour." in field_errors(
        response, "period"
    )
    response = client.post(
        report_url(objective),
        data={"period": "day", "day": "2026-03-20", "value": "10"},
    )
    assert response.status_code == 302
    assert count(Measurement) == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"month": "2026-03", "value": "abc"}, "value", "Indiquez un nombre"),
        ({"month": "2026-03", "value": "1e400"}, "value", "Valeur absurde"),
        ({"month": "2026-03", "value": "-2"}, "value", "ne peut pas être négative"),
        ({"month": "2026-03", "value": ""}, "value", "Indiquez une valeur."),
        ({"month": "mars", "value": "3"}, "month", "AAAA-MM"),
        ({"month": "", "value": "3"}, "month", "Indiquez le mois ou la date"),
        ({"month": "2026-04", "value": "3"}, "month", "n'est pas terminé"),
        ({"month": "2025-12", "value": "3"}, "month", "avant le départ"),
        (
            {"period": "day", "day": "2026-04-11", "value": "3"},
            "day",
            "dans le futur",
        ),
        (
            {"period": "day", "day": "2025-12-31", "value": "3"},
            "day",
            "avant le départ de l'objectif (1 janvier 2026)",
        ),
        (
            {"period": "day", "day": "31/02/2026", "value": "3"},
            "day",
            "Indiquez une date",
        ),
    ],
)
def test_bad_values_are_refused_next_to_their_field(
    client, login, setting, data, field, message
):
    login(setting.partner)
    response = client.post(
        report_url(setting.extra["objective"]), data={"period": "month", **data}
    )
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert count(Measurement) == 0


def test_a_value_after_the_target_date_is_refused(client, login, setting):
    objective = factories.objective(
        setting.extra["group"],
        target_date=date(2026, 3, 1),
        source_organisation=setting.partner_org,
    )
    login(setting.partner)
    response = client.post(
        report_url(objective),
        data={"period": "day", "day": "2026-03-15", "value": "5"},
    )
    assert response.status_code == 422
    assert "après l'échéance de l'objectif (1 mars 2026)" in field_errors(
        response, "day"
    )


def test_a_second_value_for_the_same_month_is_refused(client, login, setting):
    objective = setting.extra["objective"]
    monthly(objective, (MAR, 11))
    login(setting.partner)
    response = client.post(
        report_url(objective),
        data={"period": "month", "month": "2026-03", "value": "9"},
    )
    assert response.status_code == 422
    assert "Une valeur existe déjà pour mars 2026 : corrigez-la" in field_errors(
        response, "month"
    )
    assert db.session.scalars(db.select(Measurement.value)).all() == [11]


def test_a_post_without_its_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = factories.build_world()
        group = factories.group(world.territory, partners=[world.partner_org])
        objective = factories.objective(group, source_organisation=world.partner_org)
        client = app.test_client()
        page = client.get(LOGIN).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
        client.post(
            LOGIN,
            data={
                "email": world.staff.email,
                "password": factories.PASSWORD,
                "csrf_token": token.group(1),
            },
        )
        data = {"period": "month", "month": "2026-03", "value": "9"}
        assert client.post(report_url(objective), data=data).status_code == 400
        assert client.post(f"/objectifs/{objective.id}/modifier").status_code == 400
        assert count(Measurement) == 0


# --- CSV import -----------------------------------------------------------------------


def upload(client, objective, content: str | bytes, name: str = "mesures.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        import_url(objective),
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_file_with_errors_on_lines_3_and_5_imports_nothing(client, login, setting):
    objective = setting.extra["objective"]
    login(setting.partner)
    response = upload(
        client,
        objective,
        "date;valeur;note\n2026-01;13;\n2026-02;abc;\n2026-03;11;\n2026-05;10;\n",
    )
    assert response.status_code == 422
    page = text(response)
    assert "Le fichier contient 2 erreurs : rien n'a été importé." in page
    assert "Ligne 3 : valeur « abc » illisible" in page
    assert "Ligne 5 : Le mois de mai 2026 n'est pas terminé" in page
    assert "Ligne 2" not in page and "Ligne 4" not in page
    assert count(Measurement) == 0


def test_a_file_of_days_for_a_monthly_indicator_imports_nothing(client, login, setting):
    objective = setting.extra["objective"]
    monthly(objective, (MAR, 12))
    login(setting.partner)
    response = upload(client, objective, "date;valeur\n2026-03-15;1\n")
    assert response.status_code == 422
    assert "Ligne 2 : Cet indicateur est suivi par mois : indiquez un mois." in text(
        response
    )
    assert count(Measurement) == 1


def test_the_import_page_follows_the_period_in_use(client, login, setting):
    objective = setting.extra["objective"]
    factories.measurement(objective, date(2026, 3, 15), 11, period=Period.DAY)
    login(setting.staff)
    page = text(client.get(import_url(objective)))
    assert "cet indicateur est suivi par jour" in page
    assert "2026-01-01;14; 2026-01-08;14;" in page
    response = client.get(import_url(objective) + "?modele=csv")
    assert response.data.decode("utf-8-sig").startswith(
        "date;valeur;note\n2026-01-01;14;\n2026-01-08;14;"
    )


def test_an_excel_file_is_imported(client, login, setting):
    objective = setting.extra["objective"]
    login(setting.partner)
    response = upload(
        client,
        objective,
        "\ufeffdate;valeur;note\r\n2026-01;13;\r\n2026-02;12,5;Neige\r\n".encode(),
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/objectifs/{objective.id}#mesures")
    page = text(client.get(response.location))
    assert "2 mesures importées." in page
    assert count(Measurement) == 2


def test_the_import_page_explains_the_format_and_offers_a_template(
    client, login, setting
):
    objective = setting.extra["objective"]
    login(setting.staff)
    page = text(client.get(import_url(objective)))
    assert "date;valeur;note" in page and "2026-01;14;" in page
    response = client.get(import_url(objective) + "?modele=csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.decode("utf-8-sig").startswith("date;valeur;note\n2026-01;14;")


def test_an_import_without_a_file_or_with_another_format(client, login, setting):
    objective = setting.extra["objective"]
    login(setting.staff)
    response = client.post(import_url(objective), data={})
    assert response.status_code == 422
    assert "Choisissez un fichier CSV." in text(response)
    response = upload(client, objective, "x", name="mesures.xlsx")
    assert "au format CSV" in text(response)


# --- corrections ----------------------------------------------------------------------


def test_a_correction_is_kept_in_the_history(client, login, setting):
    objective = setting.extra["objective"]
    measurement = factories.measurement(
        objective, MAR, 11, period=Period.MONTH, organisation_id=setting.partner_org.id
    )
    url = f"/mesures/{measurement.id}/corriger"
    login(setting.partner)
    page = text(client.get(url))
    assert "Corriger la valeur de mars 2026" in page
    assert "Cette valeur n'a jamais été corrigée." in page
    response = client.post(url, data={"value": "12", "note": "", "reason": ""})
    assert response.status_code == 422
    assert "Expliquez la correction" in field_errors(response, "reason")
    response = client.post(url, data={"value": "11", "note": "", "reason": "Rien"})
    assert "Rien n'a changé" in field_errors(response, "value")
    assert count(MeasurementRevision) == 0

    response = client.post(
        url, data={"value": "12,5", "note": "Définitif", "reason": "Chiffre définitif"}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"#mesure-{measurement.id}")
    page = text(client.get(url))
    assert "Chiffre définitif" in page and "11" in page and "12,5" in page
    assert setting.partner.display_name in page
    switch(client, login, setting.resident)
    page = text(client.get(detail_url(objective)))
    assert "corrigé (1 fois)" in page
    assert ": 11 → 12,5. Raison : Chiffre définitif" in page
    assert [e.action for e in db.session.scalars(db.select(AuditEvent))].count(
        "measurement.correct"
    ) == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner", 200),
        ("staff", 200),
        ("volunteer", 403),
        ("resident", 403),
        ("other_staff", 403),
    ],
)
def test_who_corrects(client, login, setting, who, status):
    measurement = factories.measurement(
        setting.extra["objective"],
        MAR,
        11,
        period=Period.MONTH,
        organisation_id=setting.partner_org.id,
    )
    login(person(setting, who))
    url = f"/mesures/{measurement.id}/corriger"
    assert client.get(url).status_code == status
    response = client.post(url, data={"value": "3", "reason": "Erreur de saisie"})
    assert response.status_code == (302 if status == 200 else 403)


# --- the objective form ---------------------------------------------------------------

FORM = {
    "title": "Plus de tri sélectif",
    "description": "Mieux trier.",
    "indicator": "Part des déchets triés",
    "unit": "%",
    "direction": "increase",
    "baseline_value": "20",
    "baseline_date": "2026-01-01",
    "target_value": "35,5",
    "target_date": "31/12/2026",
    "milestones-0-due_date": "2026-06-30",
    "milestones-0-value": "27",
    "milestones-0-label": "Mi-parcours",
    "milestones-1-due_date": "",
    "milestones-1-value": "",
    "milestones-1-label": "",
}


def test_staff_create_an_objective(client, login, setting):
    group = setting.extra["group"]
    login(setting.staff)
    page = client.get(f"/groupes/{group.id}/objectifs/nouveau")
    assert page.status_code == 200
    assert "Ville Test" in text(page) and "Asso" in text(page)
    response = client.post(
        f"/groupes/{group.id}/objectifs/nouveau",
        data={**FORM, "source_organisation_id": str(setting.extra["association"].id)},
    )
    assert response.status_code == 302
    objective = db.session.scalars(
        db.select(Objective).filter_by(title="Plus de tri sélectif")
    ).one()
    assert response.location.endswith(f"/objectifs/{objective.id}")
    assert (objective.direction, objective.target_value) == (Direction.INCREASE, 35.5)
    assert objective.target_date == date(2026, 12, 31)
    assert [(m.due_date, m.value) for m in objective.milestones] == [
        (date(2026, 6, 30), 27.0)
    ]


def test_a_bad_objective_is_refused_field_by_field(client, login, setting):
    group = setting.extra["group"]
    login(setting.staff)
    before = count(Objective)
    response = client.post(
        f"/groupes/{group.id}/objectifs/nouveau",
        data={
            **FORM,
            "target_value": "10",
            "target_date": "2025-06-01",
            "milestones-0-due_date": "2027-06-30",
            "source_organisation_id": str(setting.other_landlord.id),
        },
    )
    assert response.status_code == 422
    assert "la cible est plus haute" in field_errors(response, "target_value")
    assert "vient après la date de départ" in field_errors(response, "target_date")
    assert "partenaire du groupe" in field_errors(response, "source_organisation_id")
    assert "Jalon 1 : sa date doit être entre" in field_errors(response, "milestones")
    assert count(Objective) == before
    response = client.post(
        f"/groupes/{group.id}/objectifs/nouveau",
        data={**FORM, "baseline_value": "abc", "source_organisation_id": "1"},
    )
    assert "Indiquez un nombre" in field_errors(response, "baseline_value")


def test_a_double_click_creates_one_objective(client, login, setting):
    group = setting.extra["group"]
    login(setting.staff)
    data = {**FORM, "source_organisation_id": str(setting.partner_org.id)}
    first = client.post(f"/groupes/{group.id}/objectifs/nouveau", data=data)
    second = client.post(f"/groupes/{group.id}/objectifs/nouveau", data=data)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert count(Objective, Objective.title == "Plus de tri sélectif") == 1


def test_a_target_date_in_year_9999_is_refused_not_a_crash(client, login, setting):
    group = setting.extra["group"]
    login(setting.staff)
    response = client.post(
        f"/groupes/{group.id}/objectifs/nouveau",
        data={
            **FORM,
            "baseline_date": "1900-01-01",
            "target_date": "9999-12-31",
            "milestones-0-due_date": "5000-06-30",
            "source_organisation_id": str(setting.partner_org.id),
        },
    )
    assert response.status_code == 422
    bounds = "entre le 10 avril 2006 et le 10 avril 2046."
    assert f"La date cible doit être comprise {bounds}" in field_errors(
        response, "target_date"
    )
    assert f"La date de départ doit être comprise {bounds}" in field_errors(
        response, "baseline_date"
    )
    assert f"Jalon 1 : sa date doit être comprise {bounds}" in field_errors(
        response, "milestones"
    )
    assert count(Objective, Objective.title == "Plus de tri sélectif") == 0
    objective = setting.extra["objective"]
    response = client.post(
        f"/objectifs/{objective.id}/modifier",
        data={
            **FORM,
            "target_date": "9999-12-31",
            "source_organisation_id": str(setting.partner_org.id),
        },
    )
    assert response.status_code == 422
    assert "La date cible doit être comprise" in field_errors(response, "target_date")


@pytest.mark.parametrize("who", ["resident", "partner", "volunteer", "other_staff"])
def test_only_staff_create_and_edit_objectives(client, login, setting, who):
    group, objective = setting.extra["group"], setting.extra["objective"]
    login(person(setting, who))
    assert client.get(f"/groupes/{group.id}/objectifs/nouveau").status_code == 403
    assert client.get(f"/objectifs/{objective.id}/modifier").status_code == 403
    response = client.post(
        f"/objectifs/{objective.id}/modifier",
        data={**FORM, "source_organisation_id": str(setting.partner_org.id)},
    )
    assert response.status_code == 403
    assert db.session.get(Objective, objective.id).title == "Moins d'encombrants"


def test_staff_edit_an_objective_and_the_baseline_change_is_audited(
    client, login, setting
):
    objective = setting.extra["objective"]
    objective.milestones.append(milestone())
    db.session.commit()
    monthly(objective, (MAR, 11))
    login(setting.staff)
    page = client.get(f"/objectifs/{objective.id}/modifier").get_data(as_text=True)
    assert 'value="Moins d&#39;encombrants"' in page
    assert 'name="milestones-0-label" type="text" value="Mi-parcours"' in page
    assert 'name="milestones-2-label"' in page  # two empty rows to add more
    data = {
        "title": "Moins d'encombrants",
        "indicator": objective.indicator,
        "unit": objective.unit,
        "direction": "decrease",
        "baseline_value": "15",
        "baseline_date": "2026-01-01",
        "target_value": "4",
        "target_date": "2027-01-01",
        "source_organisation_id": str(setting.partner_org.id),
        "milestones-0-due_date": "2026-06-30",
        "milestones-0-value": "9",
        "milestones-0-label": "Mi-parcours",
    }
    response = client.post(f"/objectifs/{objective.id}/modifier", data=data)
    assert response.status_code == 302
    event = db.session.scalars(
        db.select(AuditEvent).filter_by(action="objective.edit")
    ).one()
    assert event.details["before"] == {"baseline_value": 14.0}
    assert event.details["after"] == {"baseline_value": 15.0}
    assert event.details["measurements"] == 1


# --- query counts ---------------------------------------------------------------------


def test_the_objective_page_runs_the_same_queries_with_3_or_60_measurements(
    client, login, setting, count_queries
):
    """Measurements come with their source and corrections in a fixed number of
    queries, whatever their number."""
    objective = setting.extra["objective"]
    url = detail_url(objective)
    ids = {
        "objective": objective.id,
        "city": setting.partner_org.id,
        "staff": setting.staff.id,
    }
    login(setting.partner)

    def add(first: int, last: int) -> None:
        """Measurements from day ``first`` to ``last``, every other one corrected,
        and a commitment with an action (objects reloaded: measuring empties the
        session)."""
        objective = db.session.get(Objective, ids["objective"])
        city = db.session.get(Organisation, ids["city"])
        for n in range(first, last):
            day = date.fromordinal(date(2026, 1, 1).toordinal() + n)
            item = factories.measurement(
                objective, day, 10 + n % 4, organisation_id=city.id
            )
            if n % 2:
                item.revisions.append(
                    MeasurementRevision(
                        previous_value=1,
                        new_value=item.value,
                        reason="Erreur",
                        changed_by_id=ids["staff"],
                        changed_at=NOW,
                    )
                )
        db.session.commit()
        commitment = factories.commitment(objective, city)
        factories.action(commitment, date(2026, 2, 1))

    def measure() -> int:
        db.session.remove()
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        return len(statements)

    add(0, 3)
    small = measure()
    assert small <= 20  # 13 when written: user, objective, group, page, panel
    add(3, 60)
    assert measure() == small
