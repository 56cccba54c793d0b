"""The objective page at scale (issue 5, S4): it shows the latest measurements
and actions, links to a paginated history of all of them, draws the chart from
monthly (or yearly) means computed by the database past ``CHART_MAX_POINTS``,
and never reads every row: the same queries at 3 and 300 measurements, each
with a LIMIT or an aggregate."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from statistics import mean

import pytest
import sqlalchemy as sa
from sqlalchemy import insert

from participation.blueprints.objectives import views
from participation.extensions import db
from participation.models import (
    Action,
    Measurement,
    MeasurementRevision,
    OrganisationKind,
    Period,
    Role,
)
from participation.services import objectives as objective_service
from participation.services.commitments import SHOWN_ACTIONS
from participation.services.indicators import assess
from participation.services.objectives import (
    CHART_MAX_POINTS,
    SHOWN_MEASUREMENTS,
    objective_page,
    points_of,
)
from tests import factories
from tests.pages import text

NOW = datetime(2026, 4, 10, 10, 0, tzinfo=UTC)
START = date(2025, 1, 1)
LOGIN = "/compte/connexion"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)


@pytest.fixture
def setting(world):
    """An objective over two years (14 → 4 from 2025 to 2027) of a group the
    resident belongs to, the city (partner_org) reporting; a commitment of the
    city for the actions."""
    group = factories.group(world.territory, partners=[world.partner_org])
    factories.member(group, world.resident)
    objective = factories.objective(
        group,
        baseline_date=START,
        target_date=date(2027, 1, 1),
        source_organisation=world.partner_org,
    )
    commitment = factories.commitment(objective, world.partner_org)
    world.extra.update(
        group=group,
        objective=objective,
        objective_id=objective.id,
        commitment_id=commitment.id,
        city_id=world.partner_org.id,
        staff_id=world.staff.id,
        stranger=factories.user(
            Role.PARTNER,
            factories.organisation(OrganisationKind.OTHER, name="Ailleurs"),
            email="stranger@example.fr",
        ),
    )
    return world


def value_of(n: int) -> float:
    return round(14 - 8 * n / 400 + (n % 5) / 10, 1)


def add_daily(setting, first: int, last: int, corrected=()) -> None:
    """Daily measurements ``first``..``last`` - 1 days after the start (bulk, like
    an import), the ``corrected`` ones with a correction."""
    db.session.execute(
        insert(Measurement),
        [
            {
                "objective_id": setting.extra["objective_id"],
                "measured_on": START + timedelta(days=n + 1),
                "period": Period.DAY,
                "value": value_of(n),
                "note": f"note {n}",
                "organisation_id": setting.extra["city_id"],
            }
            for n in range(first, last)
        ],
    )
    for n in corrected:
        measurement = db.session.scalar(
            sa.select(Measurement).where(
                Measurement.objective_id == setting.extra["objective_id"],
                Measurement.measured_on == START + timedelta(days=n + 1),
            )
        )
        measurement.revisions.append(
            MeasurementRevision(
                previous_value=99,
                new_value=measurement.value,
                reason=f"Erreur de saisie {n}",
                changed_by_id=setting.extra["staff_id"],
                changed_at=NOW,
            )
        )
    db.session.commit()


def add_actions(setting, first: int, last: int) -> None:
    db.session.execute(
        insert(Action),
        [
            {
                "commitment_id": setting.extra["commitment_id"],
                "objective_id": setting.extra["objective_id"],
                "organisation_id": setting.extra["city_id"],
                "done_on": START + timedelta(days=n + 1),
                "description": f"Action {n}",
                "description_html": f"<p>Action numéro {n}</p>",
            }
            for n in range(first, last)
        ],
    )
    db.session.commit()


def shown_rows(response) -> list[str]:
    return re.findall(r'<tr id="mesure-\d+">', response.get_data(as_text=True))


def detail_url(setting) -> str:
    return f"/objectifs/{setting.extra['objective_id']}"


def history_url(setting, page: int | None = None) -> str:
    url = f"/objectifs/{setting.extra['objective_id']}/mesures"
    return f"{url}?page={page}" if page else url


def actions_url(setting, page: int | None = None) -> str:
    url = f"/objectifs/{setting.extra['objective_id']}/actions"
    return f"{url}?page={page}" if page else url


def chart_svg(response) -> str:
    body = response.get_data(as_text=True)
    return re.search(r'<svg class="chart line-chart".*?</svg>', body, re.S).group(0)


def chart_table(response) -> str:
    body = response.get_data(as_text=True)
    return re.search(r'<table class="line-chart-table">.*?</table>', body, re.S).group(
        0
    )


# --- what the page shows --------------------------------------------------------------


def test_the_page_shows_the_latest_measurements_and_links_to_all(
    client, login, setting
):
    count = SHOWN_MEASUREMENTS + 6
    add_daily(setting, 0, count, corrected=(0, count - 1))
    login(setting.partner)
    response = client.get(detail_url(setting))
    assert response.status_code == 200
    page = text(response)
    assert len(shown_rows(response)) == SHOWN_MEASUREMENTS
    assert f"Voir tout l'historique ({count} mesures)" in page
    assert f'href="{history_url(setting)}"' in response.get_data(as_text=True)
    # Newest first; the oldest six are left for the history page.
    assert "note 29" in page and "note 6" in page and "note 5" not in page
    assert page.index("note 29") < page.index("note 6")
    assert "Erreur de saisie 29" in page and "Erreur de saisie 0" not in page
    # Status and progress from the latest value, as from every value.
    everything = [(START + timedelta(days=n + 1), value_of(n)) for n in range(count)]
    expected = assess(setting.extra["objective"].plan, everything)
    assessment = objective_page(setting.extra["objective"], date(2026, 4, 10))
    assert assessment.assessment == expected
    assert assessment.count == count
    # The chart still draws each of the 30 values, and its table lists them.
    assert chart_svg(response).count('class="line-chart-point"') == count
    assert chart_table(response).count("line-chart-row-measurement") == count
    assert "Moyenne" not in chart_table(response)


def test_no_history_link_when_every_measurement_is_shown(client, login, setting):
    add_daily(setting, 0, SHOWN_MEASUREMENTS)
    login(setting.partner)
    response = client.get(detail_url(setting))
    assert len(shown_rows(response)) == SHOWN_MEASUREMENTS
    assert "Voir tout l'historique" not in text(response)


def test_the_page_shows_the_latest_actions_and_links_to_all(client, login, setting):
    add_actions(setting, 0, SHOWN_ACTIONS + 5)
    login(setting.resident)
    response = client.get(detail_url(setting))
    page = text(response)
    assert page.count("Action numéro") == SHOWN_ACTIONS
    assert (
        f"Action numéro {SHOWN_ACTIONS + 4}" in page and "Action numéro 4" not in page
    )
    assert f"Voir toutes les actions ({SHOWN_ACTIONS + 5} actions)" in page


# --- the history pages ----------------------------------------------------------------


def test_the_history_is_paginated_newest_first_with_corrections(
    app, client, login, setting
):
    app.config["PAGE_SIZE"] = 10
    add_daily(setting, 0, 25, corrected=(3,))
    login(setting.resident)
    first = client.get(history_url(setting))
    assert first.status_code == 200
    assert len(shown_rows(first)) == 10
    assert "25 mesures" in text(first) and "page 1 sur 3" in text(first)
    assert text(first).index("note 24") < text(first).index("note 15")
    assert f'href="{history_url(setting, 2)}"' in first.get_data(as_text=True)
    last = client.get(history_url(setting, 3))
    assert len(shown_rows(last)) == 5
    assert "note 0" in text(last) and "note 5" not in text(last)
    assert "corrigé (1 fois)" in text(last) and "Erreur de saisie 3" in text(last)
    # Residents read; they do not correct.
    assert "/corriger" not in last.get_data(as_text=True)
    assert client.get(history_url(setting, 4)).status_code == 404
    assert client.get(history_url(setting) + "?page=abc").status_code == 404


def test_the_data_source_may_correct_from_the_history(client, login, setting):
    add_daily(setting, 0, 3)
    login(setting.partner)
    response = client.get(history_url(setting))
    assert response.get_data(as_text=True).count("/corriger") == 3


def test_the_actions_history_is_paginated(app, client, login, setting):
    app.config["PAGE_SIZE"] = 10
    add_actions(setting, 0, 12)
    login(setting.resident)
    first = client.get(actions_url(setting))
    assert first.status_code == 200
    assert text(first).count("Action numéro") == 10
    assert "12 actions rapportées" in text(first)
    second = client.get(actions_url(setting, 2))
    assert text(second).count("Action numéro") == 2
    assert "Action numéro 0" in text(second)
    assert client.get(actions_url(setting, 3)).status_code == 404


def test_an_empty_history(client, login, setting):
    login(setting.resident)
    assert "Aucune mesure pour l'instant." in text(client.get(history_url(setting)))
    assert "Aucune action rapportée" in text(client.get(actions_url(setting)))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("resident", 200),
        ("partner", 200),
        ("staff", 200),
        ("other_resident", 403),
        ("other_staff", 403),
        ("stranger", 403),
    ],
)
def test_the_history_pages_have_the_objective_pages_permission(
    client, login, setting, who, status
):
    login(setting.extra[who] if who in setting.extra else getattr(setting, who))
    assert client.get(detail_url(setting)).status_code == status
    assert client.get(history_url(setting)).status_code == status
    assert client.get(actions_url(setting)).status_code == status


def test_the_history_pages_need_a_login(client, setting):
    for url in (history_url(setting), actions_url(setting)):
        response = client.get(url)
        assert response.status_code == 302
        assert LOGIN in response.headers["Location"]
    assert client.get("/objectifs/999999/mesures").status_code == 302


def test_an_unknown_objective_has_no_history(client, login, setting):
    login(setting.staff)
    assert client.get("/objectifs/999999/mesures").status_code == 404
    assert client.get("/objectifs/999999/actions").status_code == 404


# --- the chart from aggregates --------------------------------------------------------


def test_past_the_limit_the_chart_draws_monthly_means(client, login, setting):
    count = 300
    add_daily(setting, 0, count)
    login(setting.resident)
    response = client.get(detail_url(setting))
    by_month: dict[tuple[int, int], list[float]] = defaultdict(list)
    for n in range(count):
        day = START + timedelta(days=n + 1)
        by_month[day.year, day.month].append(value_of(n))
    assert count > CHART_MAX_POINTS
    svg, table = chart_svg(response), chart_table(response)
    assert svg.count('class="line-chart-point"') == len(by_month) == 10
    assert table.count("line-chart-row-measurement") == len(by_month)
    assert "Moyenne du mois (30 mesures)" in table  # January: 2 to 31
    assert "Moyenne de chaque mois" in text(response)  # the legend
    assert "le graphique montre la moyenne de chaque mois" in text(response)
    page = objective_page(setting.extra["objective"], date(2026, 4, 10))
    assert page.chart.bucket == "month"
    means = [p.value for p in page.chart.points]
    assert means == pytest.approx([mean(v) for _k, v in sorted(by_month.items())])
    assert [p.label for p in page.chart.points][:2] == ["janvier 2025", "février 2025"]
    # Baseline, target and trajectory are still drawn; the status still reads
    # the latest value, not a mean.
    assert 'class="line-chart-target"' in svg and 'class="line-chart-trajectory"' in svg
    assert page.assessment.latest == value_of(count - 1)
    assert f"{count} mesures en tout" in text(response)


def test_over_many_years_the_chart_draws_yearly_means(setting):
    objective = setting.extra["objective"]
    objective.baseline_date = date(2010, 1, 1)
    db.session.commit()
    months = [date(2010 + m // 12, m % 12 + 1, 1) for m in range(CHART_MAX_POINTS + 12)]
    db.session.execute(
        insert(Measurement),
        [
            {
                "objective_id": objective.id,
                "measured_on": objective_service.month_end(day),
                "period": Period.MONTH,
                "value": float(day.year - 2000),
            }
            for day in months
        ],
    )
    db.session.commit()
    page = objective_page(objective, date(2026, 4, 10))
    assert page.chart.bucket == "year"
    assert [(p.label, p.value, p.count) for p in page.chart.points] == [
        (str(year), float(year - 2000), 12) for year in range(2010, 2021)
    ]
    assert [row[1] for row in page.chart.rows if row[0] == "measurement"][0] == (
        "Moyenne de l'année (12 mesures)"
    )


def test_the_assessment_reads_only_the_last_measurements(setting):
    add_daily(setting, 0, 50)
    objective = setting.extra["objective"]
    recent = points_of([objective.id])[objective.id]
    assert len(recent) == 6
    assert recent[-1] == (START + timedelta(days=50), value_of(49))
    everything = [(START + timedelta(days=n + 1), value_of(n)) for n in range(50)]
    assert objective_service.assessments([objective])[objective.id] == assess(
        objective.plan, everything
    )


# --- queries --------------------------------------------------------------------------


@pytest.fixture
def statements(app):
    """Statements with their parameters, run inside a ``with`` block."""
    from contextlib import contextmanager

    @contextmanager
    def recorder():
        seen: list[tuple[str, object]] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)

    return recorder


def _reads_a_bounded_number_of_rows(statement: str, parameters) -> bool:
    """A statement over measurements or actions is limited, aggregated, or an IN
    over the few rows shown."""
    lowered = " ".join(statement.lower().split())
    if not re.search(r"from (measurement|action)\b", lowered):
        return True
    if "limit" in lowered or "row_number()" in lowered:
        return True
    if re.search(r"select (count|min|max)\(", lowered):
        return True
    return "avg(" in lowered and "group by" in lowered


@pytest.mark.parametrize("page", ["detail", "history", "actions"])
def test_the_same_queries_at_3_and_300_rows_none_reading_them_all(
    app, client, login, setting, statements, page
):
    url = {"detail": detail_url, "history": history_url, "actions": actions_url}[page](
        setting
    )
    login(setting.partner)

    def measure() -> list[tuple[str, object]]:
        db.session.remove()
        with statements() as seen:
            response = client.get(url)
        assert response.status_code == 200
        return seen

    add_daily(setting, 0, 3, corrected=(1,))
    add_actions(setting, 0, 3)
    small = measure()
    add_daily(setting, 3, 300, corrected=range(3, 300, 2))
    add_actions(setting, 3, 300)
    large = measure()
    assert len(large) == len(small)
    for statement, parameters in large:
        assert _reads_a_bounded_number_of_rows(statement, parameters), statement
        if "from measurement_revision" in " ".join(statement.lower().split()):
            # Corrections only for the shown measurements.
            shown = SHOWN_MEASUREMENTS if page == "detail" else app.config["PAGE_SIZE"]
            assert len(parameters) <= shown
