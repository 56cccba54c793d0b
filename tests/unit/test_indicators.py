"""Objective indicators: progress, status and projection, worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from participation.services.indicators import (
    Direction,
    Plan,
    Status,
    assess,
    projection,
    status,
)

START = date(2026, 1, 1)
#: "Moins d'encombrants": 14 reports a month down to 4 within a year (365 days).
FEWER_BULKY_WASTE = Plan(Direction.DECREASE, 14, START, 4, date(2027, 1, 1))
#: "Collecte solidaire": 2 tonnes up to 6 tonnes by the end of the year (364 days).
MORE_COLLECTED = Plan(Direction.INCREASE, 2, START, 6, date(2026, 12, 31))
MIDYEAR = START + timedelta(days=182)  # trajectory: 14 − 10 × 182/365 ≈ 9.01


@pytest.mark.parametrize(
    ("plan", "value", "raw", "shown"),
    [
        (FEWER_BULKY_WASTE, 9, 0.5, 50),  # (14 − 9) / (14 − 4)
        (FEWER_BULKY_WASTE, 14, 0.0, 0),
        (FEWER_BULKY_WASTE, 16, -0.2, 0),  # worse than the baseline: clamped
        (FEWER_BULKY_WASTE, 2, 1.2, 100),  # beyond the target: clamped
        (MORE_COLLECTED, 5, 0.75, 75),  # (5 − 2) / (6 − 2)
        (MORE_COLLECTED, 1, -0.25, 0),
    ],
)
def test_progress_is_the_share_of_the_planned_change(plan, value, raw, shown):
    result = assess(plan, [(MIDYEAR, value)])
    assert result.progress == pytest.approx(raw)
    assert result.progress_percent == shown
    assert result.latest == value


def test_the_trajectory_is_a_straight_line_then_flat():
    assert FEWER_BULKY_WASTE.expected(START) == 14
    assert FEWER_BULKY_WASTE.expected(MIDYEAR) == pytest.approx(14 - 10 * 182 / 365)
    assert FEWER_BULKY_WASTE.expected(date(2027, 6, 1)) == 4
    assert FEWER_BULKY_WASTE.expected(date(2025, 6, 1)) == 14


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4, Status.ACHIEVED),  # target met
        (3.5, Status.ACHIEVED),
        (9, Status.ON_TRACK),  # ahead of 9.01
        (9.9, Status.AT_RISK),  # 0.89 behind, within 10 % of the 10-report change
        (11, Status.OFF_TRACK),  # 1.99 behind
    ],
)
def test_status_compares_the_latest_value_with_the_trajectory(value, expected):
    assert status(FEWER_BULKY_WASTE, MIDYEAR, value) is expected


def test_status_mirrors_for_an_increase():
    # trajectory at mid-year: 2 + 4 × 182/364 = 4
    assert status(MORE_COLLECTED, MIDYEAR, 4.2) is Status.ON_TRACK
    assert status(MORE_COLLECTED, MIDYEAR, 3.7) is Status.AT_RISK  # 0.3 ≤ 0.4
    assert status(MORE_COLLECTED, MIDYEAR, 3.5) is Status.OFF_TRACK
    assert status(MORE_COLLECTED, MIDYEAR, 6) is Status.ACHIEVED


def test_no_measurement_yet():
    result = assess(FEWER_BULKY_WASTE, [])
    assert result.status is Status.NO_DATA
    assert result.progress is None and result.progress_percent is None
    assert result.projected_date is None


def test_a_single_measurement_has_a_status_but_no_projection():
    result = assess(FEWER_BULKY_WASTE, [(MIDYEAR, 9)])
    assert result.status is Status.ON_TRACK
    assert result.projected_date is None


def test_the_projection_follows_the_least_squares_trend():
    """One report fewer every 30 days from 14: the line reaches 4 after 300 days."""
    points = [(START + timedelta(days=30 * i), 14 - i) for i in range(4)]
    assert projection(FEWER_BULKY_WASTE, points) == START + timedelta(days=300)
    assert assess(FEWER_BULKY_WASTE, list(reversed(points))).latest == 11


def test_the_projection_uses_only_the_recent_measurements():
    early = [(START - timedelta(days=60), 40), (START - timedelta(days=30), 40)]
    points = [(START + timedelta(days=30 * i), 14 - i) for i in range(6)]
    assert projection(FEWER_BULKY_WASTE, early + points) == START + timedelta(days=300)


def test_no_projection_when_the_trend_goes_the_wrong_way_or_is_flat():
    rising = [(START + timedelta(days=30 * i), 10 + i) for i in range(4)]
    flat = [(START + timedelta(days=30 * i), 10) for i in range(4)]
    assert projection(FEWER_BULKY_WASTE, rising) is None
    assert projection(FEWER_BULKY_WASTE, flat) is None


def test_a_near_flat_trend_projects_nothing_rather_than_a_date_centuries_away():
    """Found in review: 45.2 five times then 45.201 overflowed the date maths."""
    plan = Plan(Direction.INCREASE, 40, START, 60, date(2027, 1, 1))
    points = [(START + timedelta(days=30 * i), 45.2) for i in range(1, 6)]
    points.append((START + timedelta(days=180), 45.201))
    assert projection(plan, points) is None
    assert assess(plan, points).projected_date is None


def test_the_bar_shows_100_percent_only_once_the_target_is_met():
    plan = Plan(Direction.DECREASE, 1000, START, 0, date(2027, 1, 1))
    nearly = assess(plan, [(MIDYEAR, 4)])  # 99.6 % of the way, not there yet
    assert nearly.status is Status.ON_TRACK
    assert nearly.progress == pytest.approx(0.996)
    assert nearly.progress_percent == 99
    assert assess(plan, [(MIDYEAR, 0)]).progress_percent == 100


def test_a_met_target_needs_no_projection():
    points = [(START, 14), (MIDYEAR, 3)]
    result = assess(FEWER_BULKY_WASTE, points)
    assert result.status is Status.ACHIEVED
    assert result.projected_date is None


@pytest.mark.parametrize(
    ("baseline_date", "target", "message"),
    [(date(2027, 1, 1), 4, "target date"), (START, 14, "differs")],
)
def test_a_plan_needs_a_later_target_date_and_a_different_target(
    baseline_date, target, message
):
    with pytest.raises(ValueError, match=message):
        Plan(Direction.DECREASE, 14, baseline_date, target, date(2027, 1, 1))
