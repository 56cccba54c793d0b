"""Progress of an objective's indicator: pure arithmetic, no database.

Everything is computed from the baseline, the target and the measurements, never
typed in (DESIGN §4):

- progress = (baseline − latest) / (baseline − target) for an indicator that should
  decrease, (latest − baseline) / (target − baseline) for one that should increase;
  shown clamped to 0–100 % beside the raw value;
- the trajectory is the straight line from (baseline date, baseline) to
  (target date, target); the status compares the latest value with the trajectory
  at the latest measurement's date: *atteint* when the target is met, *en bonne
  voie* when at or ahead of the trajectory, *à surveiller* when behind by at most
  ``AT_RISK_SHARE`` of the planned change, *en retard* beyond;
- the projection fits a least-squares line through the most recent measurements
  (``PROJECTION_POINTS``) and says when it crosses the target, if it moves the
  right way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

#: Behind the trajectory by up to this share of |baseline − target|: "à surveiller".
AT_RISK_SHARE = 0.10
#: How many recent measurements the projection fits.
PROJECTION_POINTS = 6
#: A trend that needs longer than this to reach the target projects nothing.
PROJECTION_HORIZON_DAYS = 100 * 365


class Direction(StrEnum):
    DECREASE = "decrease"
    INCREASE = "increase"


class Status(StrEnum):
    NO_DATA = "no_data"
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


@dataclass(frozen=True)
class Plan:
    """What an objective promises: from the baseline to the target, in a direction."""

    direction: Direction
    baseline: float
    baseline_date: date
    target: float
    target_date: date

    def __post_init__(self) -> None:
        if self.target_date <= self.baseline_date:
            raise ValueError("the target date comes after the baseline date")
        if self.baseline == self.target:
            raise ValueError("the target differs from the baseline")

    @property
    def sign(self) -> int:
        """+1 when higher is better, −1 when lower is better."""
        return 1 if self.direction is Direction.INCREASE else -1

    def progress(self, value: float) -> float:
        """Share of the planned change achieved by ``value`` (not clamped)."""
        return (value - self.baseline) / (self.target - self.baseline)

    def expected(self, on: date) -> float:
        """The trajectory's value on a date (flat at the target after its date)."""
        span = (self.target_date - self.baseline_date).days
        elapsed = min(max((on - self.baseline_date).days, 0), span)
        return self.baseline + (self.target - self.baseline) * elapsed / span

    def is_met(self, value: float) -> bool:
        return self.sign * (value - self.target) >= 0


@dataclass(frozen=True)
class Assessment:
    """What the objective page shows about the indicator."""

    latest: float | None
    latest_date: date | None
    progress: float | None  # raw share, may be < 0 or > 1
    status: Status
    expected: float | None  # trajectory value at the latest date
    projected_date: date | None  # when the trend reaches the target

    @property
    def progress_percent(self) -> int | None:
        """Progress clamped to 0–100, for the bar: 100 only once the target is met
        (99.6 % of the way rounds down to 99, never up to a false 100)."""
        if self.progress is None:
            return None
        percent = round(min(max(self.progress, 0.0), 1.0) * 100)
        if percent == 100 and self.status is not Status.ACHIEVED:
            return 99
        return percent


def status(plan: Plan, on: date, value: float) -> Status:
    """Compare ``value`` measured ``on`` a date with the trajectory."""
    if plan.is_met(value):
        return Status.ACHIEVED
    behind = plan.sign * (plan.expected(on) - value)  # > 0: worse than planned
    if behind <= 0:
        return Status.ON_TRACK
    if behind <= AT_RISK_SHARE * abs(plan.target - plan.baseline):
        return Status.AT_RISK
    return Status.OFF_TRACK


def projection(plan: Plan, points: Sequence[tuple[date, float]]) -> date | None:
    """When a least-squares line through the last measurements reaches the target;
    None with fewer than two dates or a trend that does not go the right way."""
    recent = sorted(points)[-PROJECTION_POINTS:]
    if len({day for day, _ in recent}) < 2:
        return None
    origin = recent[0][0]
    xs = [(day - origin).days for day, _ in recent]
    ys = [value for _, value in recent]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    if plan.sign * slope <= 0:
        return None
    intercept = mean_y - slope * mean_x
    days = (plan.target - intercept) / slope
    if not math.isfinite(days) or days - xs[-1] > PROJECTION_HORIZON_DAYS:
        return None  # a near-flat trend: no date worth showing
    # A line that crossed the target before the latest (unmet) value: imminent.
    return origin + timedelta(days=max(days, xs[-1] + 1.0))


def assess(plan: Plan, points: Sequence[tuple[date, float]]) -> Assessment:
    """Progress, status and projection from the measurements (any order)."""
    if not points:
        return Assessment(None, None, None, Status.NO_DATA, None, None)
    latest_date, latest = max(points)
    return Assessment(
        latest=latest,
        latest_date=latest_date,
        progress=plan.progress(latest),
        status=status(plan, latest_date, latest),
        expected=plan.expected(latest_date),
        projected_date=None if plan.is_met(latest) else projection(plan, points),
    )
