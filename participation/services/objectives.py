"""Objectives of working groups: their indicator, milestones and measurements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from participation.extensions import db
from participation.models import Measurement, Objective
from participation.services.indicators import Assessment, assess


def points_of(objective_ids: Iterable[int]) -> dict[int, list[tuple[date, float]]]:
    """The measurements of several objectives as (date, value), oldest first, in
    one query."""
    ids = list(objective_ids)
    points: dict[int, list[tuple[date, float]]] = defaultdict(list)
    if not ids:
        return points
    rows = db.session.execute(
        select(Measurement.objective_id, Measurement.measured_on, Measurement.value)
        .where(Measurement.objective_id.in_(ids))
        .order_by(Measurement.objective_id, Measurement.measured_on)
    )
    for objective_id, measured_on, value in rows:
        points[objective_id].append((measured_on, value))
    return points


def assessments(objectives: Iterable[Objective]) -> dict[int, Assessment]:
    """Progress, status and projection of each objective, keyed by id (one query)."""
    objectives = list(objectives)
    points = points_of(o.id for o in objectives)
    return {o.id: assess(o.plan, points.get(o.id, [])) for o in objectives}
