"""Objectives of working groups: their indicator, milestones and measurements.

Staff set an objective for a group (baseline, target, data source); the data-source
organisation's partners, or the landlord's staff, report measurements one by one
or from a CSV file; a correction keeps what the value was, who changed it and why.
Progress and status are computed (``services.indicators``), never stored.
"""

from __future__ import annotations

import calendar
import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participation import permissions
from participation.extensions import db
from participation.models import (
    Measurement,
    MeasurementRevision,
    Milestone,
    NotificationKind,
    Objective,
    Organisation,
    Period,
    User,
    WorkingGroup,
)
from participation.services import ValidationError, audit, notifications, require
from participation.services.indicators import (
    PROJECTION_POINTS,
    Assessment,
    Direction,
    Plan,
    Status,
    assess,
)
from participation.text import clean_line, clean_text, render_markdown
from participation.timeutil import local_date

TITLE_LENGTH = (5, 160)
INDICATOR_LENGTH = (3, 160)
UNIT_LENGTH = (1, 60)
DESCRIPTION_MAX = 5000
NOTE_MAX = 300
REASON_LENGTH = (3, 300)
LABEL_MAX = 160
MAX_MILESTONES = 12
#: Larger than any count, tonnage or rate an objective follows: a typing error.
MAX_VALUE = 1e9
MAX_IMPORT_LINES = 5000
#: Objective and milestone dates lie within this many years of today: further
#: is a typing error (year 9999), and the chart could not draw it.
DATE_RANGE_YEARS = 20
#: The same objective sent again within this delay (a double click, a reloaded
#: form) is not created twice, as with groups and meetings.
RESUBMISSION = timedelta(minutes=2)
MAX_IMPORT_BYTES = 1024 * 1024
CSV_COLUMNS = ("date", "valeur", "note")
#: The fields of the plan: changed once measurements exist, the audit keeps both.
PLAN_FIELDS = (
    "direction",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
)

DIRECTION_LABELS = {
    Direction.DECREASE: _l("Faire baisser l'indicateur"),
    Direction.INCREASE: _l("Faire monter l'indicateur"),
}
NUMBER_MESSAGE = _l("Indiquez un nombre, par exemple 12 ou 3,2.")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


# Reading numbers and dates


def parse_number(text: str | None) -> float | None:
    """A number typed the French way or not ("3,2", "3.2", "1 500"); None when
    empty. "1e400" reads as infinity, which the checks then call absurd.

    :raises ValueError: not a number.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "")
    if not cleaned:
        return None
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(cleaned)
    return float(cleaned.replace(",", "."))


def parse_month(text: str | None) -> date | None:
    """ "2026-03" (or "03/2026") as the first day of that month; None when empty.

    :raises ValueError: not a month.
    """
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    if found := re.fullmatch(r"(\d{4})-(\d{1,2})", cleaned):
        year, month = int(found[1]), int(found[2])
    elif found := re.fullmatch(r"(\d{1,2})/(\d{4})", cleaned):
        month, year = int(found[1]), int(found[2])
    else:
        raise ValueError(cleaned)
    return date(year, month, 1)  # ValueError for month 13


def years_from(day: date, years: int) -> date:
    """The same day ``years`` later (or earlier); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def date_bounds(today: date) -> tuple[date, date]:
    """The earliest and latest dates an objective or a milestone may have."""
    return years_from(today, -DATE_RANGE_YEARS), years_from(today, DATE_RANGE_YEARS)


def month_end(day: date) -> date:
    """The last day of ``day``'s month, the date a monthly value is stored on."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_middle(day: date) -> date:
    """The middle of ``day``'s month, where the chart draws that month's value
    (and centres the month's label)."""
    return day.replace(day=1 + calendar.monthrange(day.year, day.month)[1] // 2)


def period_label(on: date, period: Period) -> str:
    """ "mars 2026" for a month, "12 mars 2026" for a day."""
    if Period(period) is Period.MONTH:
        return format_date(on, "MMMM y")
    return format_date(on, "d MMMM y")


def when_label(on: date, period: Period) -> str:
    """ "en mars 2026" or "le 12 mars 2026", to follow a value in a sentence."""
    if Period(period) is Period.MONTH:
        return _("en %(month)s", month=period_label(on, period))
    return _("le %(day)s", day=period_label(on, period))


def number(value: float | None) -> str:
    """A value as the page's language writes it (9,5; 1 500)."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##")


# Checks shared by the form, the corrections and the import


def _value_error(value: float | None, missing: str | None = None) -> str | None:
    if value is None:
        return missing or _("Indiquez une valeur.")
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        return _("Valeur absurde : indiquez un nombre entre 0 et 1 milliard.")
    if value < 0:
        return _("La valeur ne peut pas être négative.")
    return None


def _date_error(
    objective: Objective, on: date, period: Period, today: date
) -> str | None:
    """Why a measurement may not be dated ``on`` (its stored date), if it may not."""
    if period is Period.MONTH and on >= today:
        return _(
            "Le mois de %(month)s n'est pas terminé : sa valeur se saisit à partir "
            "du %(day)s.",
            month=period_label(on, period),
            day=format_date(on + timedelta(days=1), "d MMMM y"),
        )
    if on > today:
        return _("Cette date est dans le futur : saisissez une valeur déjà mesurée.")
    if on < objective.baseline_date:
        return _(
            "Cette date est avant le départ de l'objectif (%(date)s).",
            date=format_date(objective.baseline_date, "d MMMM y"),
        )
    if on > objective.target_date:
        return _(
            "Cette date est après l'échéance de l'objectif (%(date)s).",
            date=format_date(objective.target_date, "d MMMM y"),
        )
    return None


def _duplicate_message(on: date, period: Period) -> str:
    return _(
        "Une valeur existe déjà pour %(when)s : corrigez-la depuis le tableau des "
        "mesures plutôt que d'en saisir une seconde.",
        when=period_label(on, period),
    )


def _note(note: str | None, errors: dict[str | None, Any]) -> str:
    cleaned = clean_text(note)
    if len(cleaned) > NOTE_MAX:
        errors["note"] = _("La note fait %(max)d caractères au plus.", max=NOTE_MAX)
    return cleaned


def _landlord_id(objective: Objective) -> int:
    return objective.group.landlord_id


# Objectives


@dataclass
class ObjectiveValues:
    """What staff type in the objective form. ``milestones``: (date, value, label)
    rows; rows left entirely blank are ignored."""

    title: str
    description: str
    indicator: str
    unit: str
    direction: Direction | None
    baseline_value: float | None
    baseline_date: date | None
    target_value: float | None
    target_date: date | None
    source_organisation_id: int | None
    milestones: list[tuple[date | None, float | None, str]] = field(
        default_factory=list
    )


def source_organisations(group: WorkingGroup) -> list[Organisation]:
    """Who may be the data source: the landlord, or a partner of the group."""
    return [group.landlord, *(partner.organisation for partner in group.partners)]


def _length_error(text: str, limits: tuple[int, int], message: str) -> str | None:
    return None if limits[0] <= len(text) <= limits[1] else message


def _check_objective(
    group: WorkingGroup,
    values: ObjectiveValues,
    objective: Objective | None,
    today: date,
) -> dict[str, Any]:
    """Clean and check ``values``; raise ValidationError with every problem.
    Dates lie within ``DATE_RANGE_YEARS`` of ``today``, unless already saved."""
    errors: dict[str | None, Any] = {}
    low, high = date_bounds(today)
    bounds = {
        "min": format_date(low, "d MMMM y"),
        "max": format_date(high, "d MMMM y"),
    }

    def far(day: date | None, saved: date | None) -> bool:
        return day is not None and day != saved and not low <= day <= high

    title, indicator, unit = (
        clean_line(values.title),
        clean_line(values.indicator),
        clean_line(values.unit),
    )
    description = (values.description or "").strip()
    for name, message in (
        (
            "title",
            _length_error(
                title,
                TITLE_LENGTH,
                _("Le titre fait entre %(min)d et %(max)d caractères.", min=5, max=160),
            ),
        ),
        (
            "indicator",
            _length_error(
                indicator,
                INDICATOR_LENGTH,
                _(
                    "Nommez l'indicateur (entre %(min)d et %(max)d caractères), par "
                    "exemple « Signalements d'encombrants par mois ».",
                    min=3,
                    max=160,
                ),
            ),
        ),
        (
            "unit",
            _length_error(
                unit,
                UNIT_LENGTH,
                _(
                    "Indiquez l'unité (%(max)d caractères au plus), par exemple "
                    "« signalements » ou « tonnes ».",
                    max=60,
                ),
            ),
        ),
    ):
        if message:
            errors[name] = message
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _(
            "La description fait %(max)d caractères au plus.", max=DESCRIPTION_MAX
        )
    direction = values.direction
    if direction is not None and not isinstance(direction, Direction):
        direction = Direction(direction) if direction in set(Direction) else None
    if direction is None:
        errors["direction"] = _("Dites si l'indicateur doit baisser ou monter.")
    baseline, target = values.baseline_value, values.target_value
    if message := _value_error(baseline, _("Indiquez la valeur de départ.")):
        errors["baseline_value"] = message
    if message := _value_error(target, _("Indiquez la valeur visée.")):
        errors["target_value"] = message
    start, end = values.baseline_date, values.target_date
    if start is None:
        errors["baseline_date"] = _("Indiquez la date de la valeur de départ.")
    elif far(start, objective.baseline_date if objective else None):
        errors["baseline_date"] = _(
            "La date de départ doit être comprise entre le %(min)s et le %(max)s.",
            **bounds,
        )
    if end is None:
        errors["target_date"] = _("Indiquez la date à laquelle viser la cible.")
    elif far(end, objective.target_date if objective else None):
        errors["target_date"] = _(
            "La date cible doit être comprise entre le %(min)s et le %(max)s.",
            **bounds,
        )
    elif start is not None and end <= start:
        errors["target_date"] = _("La date cible vient après la date de départ.")
    if "baseline_value" not in errors and "target_value" not in errors:
        if target == baseline:
            errors["target_value"] = _("La cible doit différer de la valeur de départ.")
        elif direction is Direction.DECREASE and target > baseline:
            errors["target_value"] = _(
                "Pour un indicateur à faire baisser, la cible est plus basse que la "
                "valeur de départ (%(baseline)s).",
                baseline=number(baseline),
            )
        elif direction is Direction.INCREASE and target < baseline:
            errors["target_value"] = _(
                "Pour un indicateur à faire monter, la cible est plus haute que la "
                "valeur de départ (%(baseline)s).",
                baseline=number(baseline),
            )
    sources = {o.id for o in source_organisations(group)}
    if values.source_organisation_id not in sources:
        errors["source_organisation_id"] = _(
            "Choisissez le bailleur ou une organisation partenaire du groupe."
        )
    if objective is not None and start is not None and end is not None:
        first, last = db.session.execute(
            select(
                func.min(Measurement.measured_on), func.max(Measurement.measured_on)
            ).where(Measurement.objective_id == objective.id)
        ).one()
        if first is not None and first < start and "baseline_date" not in errors:
            errors["baseline_date"] = _(
                "Des mesures existent dès le %(date)s : la date de départ ne peut pas "
                "venir après.",
                date=format_date(first, "d MMMM y"),
            )
        if last is not None and last > end and "target_date" not in errors:
            errors["target_date"] = _(
                "Des mesures existent jusqu'au %(date)s : la date cible ne peut pas "
                "venir avant.",
                date=format_date(last, "d MMMM y"),
            )
    saved = {m.due_date for m in objective.milestones} if objective else set()
    milestones = _check_milestones(
        values.milestones,
        start,
        end,
        errors,
        lambda due: far(due, due if due in saved else None),
        bounds,
    )
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "description": description,
        "description_html": render_markdown(description),
        "indicator": indicator,
        "unit": unit,
        "direction": direction,
        "baseline_value": float(baseline),
        "baseline_date": start,
        "target_value": float(target),
        "target_date": end,
        "source_organisation_id": values.source_organisation_id,
        "milestones": milestones,
    }


def _check_milestones(
    rows: Sequence[tuple[date | None, float | None, str]],
    start: date | None,
    end: date | None,
    errors: dict[str | None, Any],
    far: Callable[[date], bool],
    bounds: dict[str, str],
) -> list[tuple[date, float, str]]:
    """Milestones as (date, value, label), sorted by date; problems go to
    ``errors["milestones"]``, numbered as the form shows them. ``far``: whether
    a date is too far from today (``bounds`` says how far it may be)."""
    problems: list[str] = []
    kept: list[tuple[date, float, str]] = []
    seen: set[date] = set()
    for n, (due, value, label) in enumerate(rows, start=1):
        label = clean_line(label)
        if due is None and value is None and not label:
            continue
        if due is None:
            problems.append(_("Jalon %(n)d : indiquez sa date.", n=n))
        elif far(due):
            problems.append(
                _(
                    "Jalon %(n)d : sa date doit être comprise entre le %(min)s et le "
                    "%(max)s.",
                    n=n,
                    **bounds,
                )
            )
        elif start is not None and end is not None and not start < due < end:
            problems.append(
                _(
                    "Jalon %(n)d : sa date doit être entre le %(start)s et le %(end)s.",
                    n=n,
                    start=format_date(start, "d MMMM y"),
                    end=format_date(end, "d MMMM y"),
                )
            )
        elif due in seen:
            problems.append(_("Jalon %(n)d : un autre jalon a déjà cette date.", n=n))
        if message := _value_error(value, _("indiquez la valeur visée.")):
            problems.append(_("Jalon %(n)d : %(msg)s", n=n, msg=message))
        if len(label) > LABEL_MAX:
            problems.append(
                _("Jalon %(n)d : %(max)d caractères au plus.", n=n, max=LABEL_MAX)
            )
        if due is not None and value is not None:
            seen.add(due)
            kept.append((due, float(value), label))
    if len(kept) > MAX_MILESTONES:
        problems.append(_("%(max)d jalons au plus.", max=MAX_MILESTONES))
    if problems:
        errors["milestones"] = problems
    return sorted(kept)


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Direction):
        return value.value
    return value


def create_objective(
    actor: User, group: WorkingGroup, values: ObjectiveValues, now: datetime
) -> Objective:
    """Set a new objective for ``group``. The same title sent again by the same
    person within ``RESUBMISSION`` (a double click) returns the objective
    already created.

    :raises PermissionDenied: the actor does not manage the group.
    :raises ValidationError: bad text, numbers, dates (also more than
        ``DATE_RANGE_YEARS`` from today), direction, data source or milestones
        (nothing is saved).
    """
    require(permissions.can_manage_group(actor, group))
    cleaned = _check_objective(group, values, None, local_date(now))
    twin = db.session.scalars(
        select(Objective)
        .where(
            Objective.group_id == group.id,
            Objective.created_by_id == actor.id,
            Objective.title == cleaned["title"],
            Objective.created_at >= now - RESUBMISSION,
        )
        .order_by(Objective.id)
        .limit(1)
    ).first()
    if twin is not None:  # a double click or a reloaded form
        return twin
    milestones = cleaned.pop("milestones")
    objective = Objective(
        group=group, created_by=actor, created_at=now, updated_at=now, **cleaned
    )
    objective.milestones = [
        Milestone(due_date=due, value=value, label=label)
        for due, value, label in milestones
    ]
    db.session.add(objective)
    db.session.flush()
    audit.record(
        actor,
        "objective.create",
        objective,
        now,
        landlord_id=group.landlord_id,
        group_id=group.id,
    )
    db.session.commit()
    return objective


def update_objective(
    actor: User, objective: Objective, values: ObjectiveValues, now: datetime
) -> None:
    """Change an objective. Its baseline and target may change after measurements
    were reported: the audit keeps what they were and what they became.

    :raises PermissionDenied: the actor does not manage the group.
    :raises ValidationError: bad values, or measurements would fall outside the
        new dates (nothing is saved).
    """
    group = objective.group
    require(permissions.can_manage_group(actor, group))
    cleaned = _check_objective(group, values, objective, local_date(now))
    milestones = cleaned.pop("milestones")
    changed = sorted(k for k, v in cleaned.items() if getattr(objective, k) != v)
    before = {k: _json(getattr(objective, k)) for k in PLAN_FIELDS if k in changed}
    old_milestones = [(m.due_date, m.value, m.label) for m in objective.milestones]
    if old_milestones != milestones:
        changed.append("milestones")
        objective.milestones = [
            Milestone(due_date=due, value=value, label=label)
            for due, value, label in milestones
        ]
    if not changed:
        return
    for name, value in cleaned.items():
        setattr(objective, name, value)
    objective.updated_at = now
    details: dict[str, Any] = {"fields": changed}
    if before:
        details["before"] = before
        details["after"] = {k: _json(getattr(objective, k)) for k in before}
        details["measurements"] = db.session.scalar(
            select(func.count())
            .select_from(Measurement)
            .where(Measurement.objective_id == objective.id)
        )
    audit.record(
        actor,
        "objective.edit",
        objective,
        now,
        landlord_id=group.landlord_id,
        **details,
    )
    db.session.commit()


# Measurements


def _stored_date(on: date | None, period: Period) -> date | None:
    if on is None:
        return None
    return month_end(on) if period is Period.MONTH else on


def _taken(objective: Objective, on: date) -> bool:
    return (
        db.session.scalar(
            select(Measurement.id).where(
                Measurement.objective_id == objective.id, Measurement.measured_on == on
            )
        )
        is not None
    )


def period_in_use(objective: Objective) -> Period | None:
    """Whether the objective is followed by month or by day: the period of its
    measurements, None before the first one. A series never mixes both."""
    return db.session.scalar(
        select(Measurement.period)
        .where(Measurement.objective_id == objective.id)
        .order_by(Measurement.measured_on)
        .limit(1)
    )


def _mixing_message(in_use: Period) -> str:
    if in_use is Period.MONTH:
        return _("Cet indicateur est suivi par mois : indiquez un mois.")
    return _("Cet indicateur est suivi par jour : indiquez un jour.")


def _notify(actor: User, objective: Objective, latest: Measurement, **more) -> None:
    notifications.notify_group(
        objective.group,
        NotificationKind.MEASUREMENT_REPORTED,
        latest.reported_at,
        exclude=actor,
        objective_id=objective.id,
        objective_title=objective.title,
        value=latest.value,
        unit=objective.unit,
        measured_on=latest.measured_on.isoformat(),
        period=latest.period.value,
        **more,
    )


def record_measurement(
    actor: User,
    objective: Objective,
    measured_on: date | None,
    period: Period,
    value: float | None,
    note: str,
    now: datetime,
) -> Measurement:
    """Report the indicator's value for a day, or for a month (any day of it: the
    value is stored on the month's last day, once the month is over). The group's
    members hear of it.

    :raises PermissionDenied: neither the data source's partner nor the staff.
    :raises ValidationError: a missing, absurd or negative value; a day for an
        indicator followed by month or the other way round (``period``); a date
        in the future, in an unfinished month or outside the objective's span; a
        date that already has a value (also when two reports race).
    """
    require(permissions.can_report_measurement(actor, objective))
    period = Period(period)
    on = _stored_date(measured_on, period)
    errors: dict[str | None, Any] = {}
    in_use = period_in_use(objective)
    if in_use is not None and in_use is not period:
        errors["period"] = _mixing_message(in_use)
    elif on is None:
        errors["measured_on"] = _("Indiquez le mois ou la date de la mesure.")
    elif message := _date_error(objective, on, period, local_date(now)):
        errors["measured_on"] = message
    elif _taken(objective, on):
        errors["measured_on"] = _duplicate_message(on, period)
    if message := _value_error(value):
        errors["value"] = message
    cleaned_note = _note(note, errors)
    if errors:
        raise ValidationError(errors)
    measurement = Measurement(
        objective=objective,
        measured_on=on,
        period=period,
        value=float(value),
        note=cleaned_note,
        organisation_id=actor.organisation_id,
        reported_by=actor,
        reported_at=now,
        updated_at=now,
    )
    db.session.add(measurement)
    try:
        db.session.flush()
    except IntegrityError:  # the same date reported at the same moment
        db.session.rollback()
        raise ValidationError({"measured_on": _duplicate_message(on, period)}) from None
    audit.record(
        actor,
        "measurement.report",
        measurement,
        now,
        landlord_id=_landlord_id(objective),
        objective_id=objective.id,
        measured_on=on.isoformat(),
        period=period.value,
        value=measurement.value,
    )
    _notify(actor, objective, measurement)
    db.session.commit()
    return measurement


def correct_measurement(
    actor: User,
    measurement: Measurement,
    value: float | None,
    note: str,
    reason: str,
    now: datetime,
) -> MeasurementRevision:
    """Correct a reported value or its note, saying why; the previous value, the
    author and the reason are kept.

    :raises PermissionDenied: neither the staff nor a partner of the organisation
        that reported it.
    :raises ValidationError: a bad value or note, no reason, or nothing changed.
    """
    require(permissions.can_correct_measurement(actor, measurement))
    errors: dict[str | None, Any] = {}
    if message := _value_error(value):
        errors["value"] = message
    cleaned_note = _note(note, errors)
    cleaned_reason = clean_text(reason)
    if not REASON_LENGTH[0] <= len(cleaned_reason) <= REASON_LENGTH[1]:
        errors["reason"] = _(
            "Expliquez la correction (entre %(min)d et %(max)d caractères).",
            min=REASON_LENGTH[0],
            max=REASON_LENGTH[1],
        )
    if (
        not errors
        and float(value) == measurement.value
        and cleaned_note == measurement.note
    ):
        errors["value"] = _("Rien n'a changé : modifiez la valeur ou la note.")
    if errors:
        raise ValidationError(errors)
    revision = MeasurementRevision(
        measurement=measurement,
        previous_value=measurement.value,
        previous_note=measurement.note,
        new_value=float(value),
        reason=cleaned_reason,
        changed_by=actor,
        changed_at=now,
    )
    db.session.add(revision)
    measurement.value, measurement.note = float(value), cleaned_note
    measurement.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "measurement.correct",
        measurement,
        now,
        landlord_id=_landlord_id(measurement.objective),
        objective_id=measurement.objective_id,
        before={"value": revision.previous_value, "note": revision.previous_note},
        after={"value": revision.new_value, "note": cleaned_note},
        reason=cleaned_reason,
    )
    db.session.commit()
    return revision


class ImportFailed(ValidationError):
    """The file has faulty lines; ``lines`` lists (line number, message)."""

    def __init__(self, lines: list[tuple[int, str]]):
        self.lines = lines
        super().__init__(
            {"file": [_("Ligne %(n)d : %(msg)s", n=n, msg=m) for n, m in lines]}
        )


def _decode(data: bytes | str) -> str:
    """UTF-8 with or without BOM; else Windows-1252, as French spreadsheets write."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _parse_when(text: str) -> tuple[date, Period]:
    """A CSV date: YYYY-MM-DD (or DD/MM/YYYY) for a day, YYYY-MM (or MM/YYYY) for
    a month, which comes back as the month's last day.

    :raises ValueError: neither.
    """
    if found := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        return date(int(found[1]), int(found[2]), int(found[3])), Period.DAY
    if found := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        return date(int(found[3]), int(found[2]), int(found[1])), Period.DAY
    month = parse_month(text)
    if month is None:
        raise ValueError(text)
    return month_end(month), Period.MONTH


def _read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list]:
    """Numbered rows of a ``date,valeur,note`` file (comma or semicolon), and the
    errors of its header and shape."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    unreadable = _("ligne illisible (guillemets mal fermés ?).")
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return [], [(1, _("le fichier est vide."))]
    except csv.Error:
        return [], [(1, unreadable)]
    expected = _("attendu : %(cols)s.", cols=delimiter.join(CSV_COLUMNS))
    if (
        "date" not in header
        or "valeur" not in header
        or set(header) - set(CSV_COLUMNS)
        or len(set(header)) != len(header)
    ):
        return [], [(1, _("en-tête incorrect, %(expected)s", expected=expected))]
    rows, errors = [], []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append((reader.line_num, unreadable))
            break
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(errors) >= MAX_IMPORT_LINES:
            errors.append(
                (
                    line,
                    _(
                        "le fichier dépasse %(max)s lignes : découpez-le.",
                        max=number(MAX_IMPORT_LINES),
                    ),
                )
            )
            break
        if len(values) > len(header):
            errors.append(
                (
                    line,
                    _(
                        "trop de colonnes. Une valeur décimale écrite avec une "
                        "virgule doit être entre guillemets, ou le fichier séparé "
                        "par des points-virgules."
                    ),
                )
            )
            continue
        row = {
            name: (values[i].strip() if i < len(values) else "")
            for i, name in enumerate(header)
        }
        rows.append((line, {column: row.get(column, "") for column in CSV_COLUMNS}))
    return rows, errors


@dataclass
class _Series:
    """What an import knows of the series: the dates already measured, the line
    of each date read so far, and the period it is followed by (that of its
    measurements, else that of the file's first dated line)."""

    existing: set[date]
    period: Period | None
    #: The file's line that set ``period``, None when measurements set it.
    period_line: int | None = None
    seen: dict[date, int] = field(default_factory=dict)

    def mixing(self, period: Period, line: int) -> str | None:
        """Why a line of ``period`` may not join the series, if it may not."""
        if self.period is None:
            self.period, self.period_line = period, line
        if period is self.period:
            return None
        if self.period_line is None:
            return _mixing_message(self.period)
        if self.period is Period.MONTH:
            return _(
                "la ligne %(n)d porte sur un mois : un indicateur se suit par mois "
                "ou par jour, pas les deux. Indiquez un mois.",
                n=self.period_line,
            )
        return _(
            "la ligne %(n)d porte sur un jour : un indicateur se suit par mois "
            "ou par jour, pas les deux. Indiquez un jour.",
            n=self.period_line,
        )


def _check_row(
    objective: Objective,
    row: dict[str, str],
    today: date,
    series: _Series,
    line: int,
) -> tuple[tuple[date, Period, float, str] | None, list[str]]:
    """One CSV row as (date, period, value, note), or None, and its problems;
    ``series`` records the lines read so far."""
    problems: list[str] = []
    on: date | None = None
    try:
        on, period = _parse_when(row["date"])
    except ValueError:
        problems.append(
            _(
                "date illisible « %(text)s » : écrivez AAAA-MM-JJ pour un jour ou "
                "AAAA-MM pour un mois.",
                text=row["date"][:40],
            )
        )
    if on is not None:
        if message := _date_error(objective, on, period, today):
            problems.append(message)
        elif on in series.existing:
            problems.append(_duplicate_message(on, period))
        elif on in series.seen:
            problems.append(
                _(
                    "%(when)s figure déjà à la ligne %(n)d.",
                    when=period_label(on, period),
                    n=series.seen[on],
                )
            )
        elif message := series.mixing(period, line):
            problems.append(message)
        series.seen.setdefault(on, line)
    value: float | None = None
    try:
        value = parse_number(row["valeur"])
    except ValueError:
        problems.append(
            _(
                "valeur « %(text)s » illisible (un nombre est attendu, par "
                "exemple 12 ou 3,2).",
                text=row["valeur"][:40],
            )
        )
    else:
        if message := _value_error(value):
            problems.append(message)
    note_errors: dict[str | None, Any] = {}
    note = _note(row["note"], note_errors)
    problems.extend(message for message in note_errors.values())
    if problems or on is None or value is None:
        return None, problems
    return (on, period, value, note), problems


def import_measurements(
    actor: User, objective: Objective, data: bytes | str, now: datetime
) -> int:
    """Report many measurements from a CSV file (``date,valeur,note``), all or
    nothing; returns how many. The group's members hear of it once.

    Comma or semicolon separated, UTF-8 with or without BOM; "3,2" is read as
    3.2; a date is YYYY-MM-DD for a day or YYYY-MM for a month.

    :raises PermissionDenied: neither the data source's partner nor the staff.
    :raises ImportFailed: with every faulty line and its number (bad date or
        value, outside the span or in the future, a date twice in the file or
        already measured, a day among months or a month among days); nothing is
        saved.
    :raises ValidationError: the file is too big, or changed under our feet.
    """
    require(permissions.can_report_measurement(actor, objective))
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            {"file": _("Le fichier dépasse 1 Mo : découpez-le en plusieurs fichiers.")}
        )
    rows, errors = _read_rows(_decode(data))
    today = local_date(now)
    measured = db.session.execute(
        select(Measurement.measured_on, Measurement.period)
        .where(Measurement.objective_id == objective.id)
        .order_by(Measurement.measured_on)
    ).all()
    series = _Series(
        existing={on for on, _period in measured},
        period=measured[0].period if measured else None,
    )
    parsed: list[tuple[date, Period, float, str]] = []
    for line, row in rows:
        checked, problems = _check_row(objective, row, today, series, line)
        errors.extend((line, message) for message in problems)
        if checked is not None:
            parsed.append(checked)
    if not rows and not errors:
        errors.append((2, _("aucune mesure dans le fichier.")))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error[0]))
    measurements = [
        Measurement(
            objective=objective,
            measured_on=on,
            period=period,
            value=value,
            note=note,
            organisation_id=actor.organisation_id,
            reported_by=actor,
            reported_at=now,
            updated_at=now,
        )
        for on, period, value, note in sorted(parsed, key=lambda item: item[0])
    ]
    db.session.add_all(measurements)
    try:
        db.session.flush()
    except IntegrityError:  # someone reported one of these dates meanwhile
        db.session.rollback()
        raise ValidationError(
            {
                "file": _(
                    "Une valeur a été saisie pendant l'import : rien n'a été importé, "
                    "recommencez."
                )
            }
        ) from None
    audit.record(
        actor,
        "measurement.import",
        objective,
        now,
        landlord_id=_landlord_id(objective),
        count=len(measurements),
        first=measurements[0].measured_on.isoformat(),
        last=measurements[-1].measured_on.isoformat(),
    )
    _notify(actor, objective, measurements[-1], count=len(measurements))
    db.session.commit()
    return len(measurements)


def csv_template(objective: Objective, period: Period | None = None) -> str:
    """An example file to fill in: the objective's first months, or, for an
    indicator followed by day (``period``, the one in use), its first weeks."""
    if period is Period.DAY:
        first = objective.baseline_date
        dates = [f"{first:%Y-%m-%d}", f"{first + timedelta(days=7):%Y-%m-%d}"]
    else:
        first = month_end(objective.baseline_date)
        dates = [f"{first:%Y-%m}", f"{month_end(first + timedelta(days=1)):%Y-%m}"]
    return (
        "date;valeur;note\n"
        f"{dates[0]};{number(objective.baseline_value)};\n"
        f"{dates[1]};{number(objective.baseline_value)};"
        f"{_('Exemple : remplacez par vos valeurs')}\n"
    )


# Reading


def points_of(
    objective_ids: Iterable[int], count: int = PROJECTION_POINTS
) -> dict[int, list[tuple[date, float]]]:
    """The last ``count`` measurements of several objectives as (date, value),
    oldest first, in one query that never reads the older ones (a window
    function, SQLite ≥ 3.25 and PostgreSQL). The latest value and the projection
    need no more than :data:`~participation.services.indicators.PROJECTION_POINTS`."""
    ids = list(objective_ids)
    points: dict[int, list[tuple[date, float]]] = defaultdict(list)
    if not ids:
        return points
    ranked = (
        select(
            Measurement.objective_id,
            Measurement.measured_on,
            Measurement.value,
            func.row_number()
            .over(
                partition_by=Measurement.objective_id,
                order_by=Measurement.measured_on.desc(),
            )
            .label("rank"),
        )
        .where(Measurement.objective_id.in_(ids))
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.objective_id, ranked.c.measured_on, ranked.c.value)
        .where(ranked.c.rank <= count)
        .order_by(ranked.c.objective_id, ranked.c.measured_on)
    )
    for objective_id, measured_on, value in rows:
        points[objective_id].append((measured_on, value))
    return points


def assessments(objectives: Iterable[Objective]) -> dict[int, Assessment]:
    """Progress, status and projection of each objective, keyed by id, from its
    last few measurements only (one query)."""
    objectives = list(objectives)
    points = points_of(o.id for o in objectives)
    return {o.id: assess(o.plan, points.get(o.id, [])) for o in objectives}


#: The objective page shows this many of the latest measurements; the history
#: page has them all.
SHOWN_MEASUREMENTS = 24
#: Beyond this many measurements, the chart draws one point per month (the
#: month's mean), or per year when even the months are too many.
CHART_MAX_POINTS = 120


def _measurements_with_details():
    """A query of measurements with their source and corrections (the corrections
    in one more query, over the loaded measurements only)."""
    return select(Measurement).options(
        db.joinedload(Measurement.organisation),
        db.selectinload(Measurement.revisions).joinedload(
            MeasurementRevision.changed_by
        ),
    )


def measurement_history(objective: Objective):
    """Every measurement of ``objective``, newest first, with its source and
    corrections: a query to paginate (``db.paginate``)."""
    return (
        _measurements_with_details()
        .where(Measurement.objective_id == objective.id)
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
    )


@dataclass(frozen=True)
class ChartData:
    """The points the chart draws: every measurement as (date, value), or, past
    :data:`CHART_MAX_POINTS`, one mean per month (``bucket`` "month") or per year
    ("year") with how many measurements it sums up (``counts``)."""

    points: list[tuple[date, float]]
    months: set[date]
    bucket: str | None = None
    counts: dict[date, int] = field(default_factory=dict)


def chart_data(
    objective: Objective, count: int, first: date | None, last: date | None
) -> ChartData:
    """What the chart draws, in one query: the measurements themselves when there
    are at most :data:`CHART_MAX_POINTS`, else their means per month (or per year
    when the months are too many), computed by the database. A month's mean is
    drawn like a monthly value; a year's mean on 1 July."""
    where = Measurement.objective_id == objective.id
    if count <= CHART_MAX_POINTS or first is None or last is None:
        rows = db.session.execute(
            select(Measurement.measured_on, Measurement.value, Measurement.period)
            .where(where)
            .order_by(Measurement.measured_on)
            .limit(CHART_MAX_POINTS)
        ).all()
        return ChartData(
            points=[(on, value) for on, value, _period in rows],
            months={on for on, _value, period in rows if period is Period.MONTH},
        )
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    year = func.extract("year", Measurement.measured_on)
    month = func.extract("month", Measurement.measured_on)
    by_month = months <= CHART_MAX_POINTS
    keys = (year, month) if by_month else (year,)
    rows = db.session.execute(
        select(*keys, func.avg(Measurement.value), func.count())
        .where(where)
        .group_by(*keys)
        .order_by(*keys)
    ).all()
    points, counts = [], {}
    for row in rows:
        if by_month:
            on = month_end(date(int(row[0]), int(row[1]), 1))
        else:
            on = date(int(row[0]), 7, 1)
        points.append((on, float(row[-2])))
        counts[on] = int(row[-1])
    return ChartData(
        points=points,
        months=set(counts) if by_month else set(),
        bucket="month" if by_month else "year",
        counts=counts,
    )


@dataclass
class ObjectivePage:
    """What the objective page shows: the latest measurements, oldest first (with
    who reported them and their corrections), how many there are in all,
    milestones, the assessment and the chart (drawn on first use: its query and
    geometry are skipped when the page's cached fragment is served)."""

    objective: Objective
    plan: Plan
    measurements: list[Measurement]
    milestones: list[Milestone]
    assessment: Assessment
    today: date
    #: How many measurements the objective has in all.
    count: int = 0
    draw_chart: Callable[[], ChartGeometry] | None = field(default=None, repr=False)

    @cached_property
    def chart(self) -> ChartGeometry:
        return self.draw_chart()

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None

    @property
    def more(self) -> bool:
        """Older measurements are left out here (see the history page)."""
        return self.count > len(self.measurements)

    @property
    def target_passed(self) -> bool:
        """The target date is over and the target was not met."""
        return self.today > self.plan.target_date and self.assessment.status not in (
            Status.ACHIEVED,
        )

    @property
    def projection_late(self) -> bool:
        projected = self.assessment.projected_date
        return projected is not None and projected > self.plan.target_date


def objective_page(objective: Objective, today: date) -> ObjectivePage:
    """Load what the objective page needs in a fixed number of queries, whatever
    the number of measurements, reading at most :data:`SHOWN_MEASUREMENTS` of
    them (and :data:`CHART_MAX_POINTS` for the chart, or their monthly means).
    The assessment needs only the latest ones, which are among those shown."""
    count, first, last = db.session.execute(
        select(
            func.count(),
            func.min(Measurement.measured_on),
            func.max(Measurement.measured_on),
        ).where(Measurement.objective_id == objective.id)
    ).one()
    measurements = list(
        db.session.scalars(
            measurement_history(objective).limit(SHOWN_MEASUREMENTS)
        ).unique()
    )[::-1]
    plan = objective.plan
    milestones = list(objective.milestones)

    def draw_chart() -> ChartGeometry:
        data = chart_data(objective, count, first, last)
        return chart_geometry(
            plan,
            data.points,
            [(m.due_date, m.value, m.label) for m in milestones],
            months=data.months,
            bucket=data.bucket,
            counts=data.counts,
        )

    return ObjectivePage(
        objective=objective,
        plan=plan,
        measurements=measurements,
        milestones=milestones,
        assessment=assess(plan, [(m.measured_on, m.value) for m in measurements]),
        today=today,
        count=count,
        draw_chart=draw_chart,
    )


# The line chart, computed here so that the template only draws


CHART_WIDTH = 400
CHART_HEIGHT = 250
CHART_TOP = 16
CHART_RIGHT = 388
CHART_BOTTOM = 200
#: At most this many labels along each axis (readable at 360 px wide).
MAX_TICKS = 6
#: Months between two labels of the time axis: 1, 2, 3 or 6 months, then 1, 2,
#: 3, 6 or 12 years, then round numbers of years, so that any span, however
#: long, gets at most ``MAX_TICKS`` labels.
MONTH_STEPS = (1, 2, 3, 6, *(12 * years for years in (1, 2, 3, 6, 12)))
#: Years between two labels beyond: labels on multiples of these.
ROUND_YEARS = (25, 50, 100, 250, 500, 1000, 2500, 5000)


@dataclass(frozen=True)
class ChartPoint:
    """A value placed on the chart; ``label`` says when, ``value_label`` how much.
    A month's value (``monthly``, stored on its last day) is drawn at the middle
    of the month, above the month's label."""

    x: float
    y: float
    on: date
    value: float
    label: str
    value_label: str
    #: The trajectory's value where the point is drawn, written out.
    expected_label: str = ""
    note: str = ""
    monthly: bool = False
    #: For a mean drawn instead of the measurements: how many it sums up.
    count: int = 1

    @property
    def datetime(self) -> str:
        """The ``datetime`` of a <time> element: "2026-03" for a month."""
        return f"{self.on:%Y-%m}" if self.monthly else self.on.isoformat()


@dataclass(frozen=True)
class Tick:
    """A label of an axis, centred ``at`` (on the x axis: at the middle of the
    month or year it names)."""

    at: float
    label: str
    sublabel: str = ""


@dataclass(frozen=True)
class ChartGeometry:
    """Coordinates in a ``width`` × ``height`` viewBox; the plot area spans
    ``left``–``right`` and ``top``–``bottom`` (y grows downwards, 0 at ``bottom``).
    ``x_marks``: the small marks on the time axis, at the start and end of each
    labelled month or year, so that each label sits inside its period.
    """

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    start: date
    end: date
    y_max: float
    points: tuple[ChartPoint, ...]
    milestones: tuple[ChartPoint, ...]
    baseline: ChartPoint
    target: ChartPoint
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    x_marks: tuple[float, ...] = ()
    #: None when every measurement is drawn; "month" or "year" when the points
    #: are the means of each month or year.
    bucket: str | None = None

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def rows(self) -> list[tuple[str, str, ChartPoint]]:
        """The chart's data as table rows (kind, what, point), oldest first."""
        rows = [("baseline", _("Valeur de départ"), self.baseline)]
        rows += [("measurement", self._what(p), p) for p in self.points]
        rows += [
            (
                "milestone",
                _("Jalon : %(label)s", label=p.note) if p.note else _("Jalon"),
                p,
            )
            for p in self.milestones
        ]
        rows.append(("target", _("Cible"), self.target))
        order = {"baseline": 0, "measurement": 1, "milestone": 2, "target": 3}
        return sorted(rows, key=lambda row: (row[2].on, order[row[0]]))

    def _what(self, point: ChartPoint) -> str:
        if self.bucket == "month":
            return ngettext(
                "Moyenne du mois (%(num)d mesure)",
                "Moyenne du mois (%(num)d mesures)",
                point.count,
            )
        if self.bucket == "year":
            return ngettext(
                "Moyenne de l'année (%(num)d mesure)",
                "Moyenne de l'année (%(num)d mesures)",
                point.count,
            )
        return _("Mesure")


def _nice_step(top: float) -> float:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) giving at most five intervals to ``top``."""
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude  # pragma: no cover


def _first_of(month: int) -> date:
    """The first day of a month counted from year 0 (``year × 12 + month − 1``);
    past year 9999, the last day there is."""
    if month // 12 > date.max.year:
        return date.max
    return date(month // 12, month % 12 + 1, 1)


def _labelled_periods(
    start: date, end: date, step: int
) -> list[tuple[date, date, str, str]]:
    """The months (``step`` < 12) or years labelled every ``step`` months, whose
    middle lies between ``start`` and ``end``: (first day, first day after,
    label, sublabel). Months are counted from January (every third month is
    January, April, July, October); years from the first one drawn, or, past
    12 years, from a multiple of the step (2050, 2075...)."""
    periods = []
    if step < 12:
        first = start.year * 12 + start.month - 1
        last = end.year * 12 + end.month - 1
        for month in range(first, last + 1):
            if month % 12 % step == 0:
                periods.append((_first_of(month), _first_of(month + 1)))
    else:
        years = step // 12
        first = start.year
        if _middle(date(first, 1, 1), _first_of(first * 12 + 12)) < start:
            first += 1  # the first year is mostly before the start
        if years > 12:
            first = -(-first // years) * years
        for year in range(first, end.year + 1, years):
            periods.append((_first_of(year * 12), _first_of(year * 12 + 12)))
    labelled = []
    for begins, ends in periods:
        if not start <= _middle(begins, ends) <= end:
            continue
        if step >= 12:
            labelled.append((begins, ends, format_date(begins, "y"), ""))
            continue
        year = format_date(begins, "y") if not labelled or begins.month == 1 else ""
        labelled.append((begins, ends, format_date(begins, "MMM"), year))
    return labelled


def _middle(begins: date, ends: date) -> date:
    return begins + timedelta(days=(ends - begins).days // 2)


def _x_axis(start: date, end: date, x) -> tuple[list[Tick], list[float]]:
    """The time axis' labels, each centred on the month (or year) it names, and
    its marks at the bounds of those periods. A span shorter than two months
    labels its two ends."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    periods: list[tuple[date, date, str, str]] = []
    for step in (*MONTH_STEPS, *(12 * years for years in ROUND_YEARS)):
        if months / step > MAX_TICKS + 1:
            continue
        periods = _labelled_periods(start, end, step)
        if len(periods) <= MAX_TICKS:
            break
    if len(periods) < 2:
        ends = (start, end)
        ticks = [Tick(x(d), format_date(d, "d MMM"), format_date(d, "y")) for d in ends]
        return ticks, [x(d) for d in ends]
    ticks = [Tick(x(_middle(b, e)), label, sub) for b, e, label, sub in periods]
    marks = {x(d) for b, e, *_labels in periods for d in (b, e) if start <= d <= end}
    return ticks, sorted(marks)


def chart_geometry(
    plan: Plan,
    points: Sequence[tuple[date, float]],
    milestones: Sequence[tuple[date, float, str]] = (),
    months: Collection[date] = (),
    bucket: str | None = None,
    counts: Mapping[date, int] | None = None,
) -> ChartGeometry:
    """Place the measurements, the baseline, the target, the trajectory and the
    milestones on a line chart.

    ``months``: the dates that stand for a whole month (stored on its last day,
    labelled "mars 2026"); they are drawn at the middle of their month, where
    the axis centres the month's label, and the table gives the trajectory's
    value there. The x axis runs from the baseline date to the target date, or
    further to include every point; the y axis from 0 to a round value above the
    baseline, the target, every measurement and every milestone.

    ``bucket`` ("month" or "year") says that the points are means, ``counts``
    how many measurements each sums up; a year's mean is labelled with its year.
    """
    points = sorted(points)
    drawn = [(month_middle(day) if day in months else day) for day, _value in points]
    start = min([plan.baseline_date, *drawn])
    end = max([plan.target_date, *drawn])
    span = max((end - start).days, 1)
    top_value = max(
        [
            plan.baseline,
            plan.target,
            *(value for _day, value in points),
            *(value for _day, value, _label in milestones),
        ]
    )
    step = _nice_step(top_value) if top_value > 0 else 1.0
    y_max = math.ceil(top_value / step - 1e-9) * step if top_value > 0 else 1.0
    y_labels = [number(step * n) for n in range(round(y_max / step) + 1)]
    left = 14.0 + 8.0 * max(len(label) for label in y_labels)

    def x(day: date) -> float:
        return round(left + (CHART_RIGHT - left) * (day - start).days / span, 2)

    def y(value: float) -> float:
        return round(CHART_BOTTOM - (CHART_BOTTOM - CHART_TOP) * value / y_max, 2)

    def point(
        day: date, value: float, note: str = "", monthly: bool = False, count: int = 1
    ) -> ChartPoint:
        at = month_middle(day) if monthly else day
        if bucket == "year" and count > 1:
            label = format_date(day, "y")
        else:
            label = period_label(day, Period.MONTH if monthly else Period.DAY)
        return ChartPoint(
            x=x(at),
            y=y(value),
            on=day,
            value=value,
            label=label,
            value_label=number(value),
            expected_label=number(plan.expected(at)),
            note=note,
            monthly=monthly,
            count=count,
        )

    x_ticks, x_marks = _x_axis(start, end, x)
    return ChartGeometry(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        left=left,
        right=CHART_RIGHT,
        top=CHART_TOP,
        bottom=CHART_BOTTOM,
        start=start,
        end=end,
        y_max=y_max,
        points=tuple(
            point(
                day,
                value,
                monthly=day in months,
                count=counts.get(day, 1) if counts else 1,
            )
            for day, value in points
        ),
        milestones=tuple(
            point(day, value, label) for day, value, label in sorted(milestones)
        ),
        baseline=point(plan.baseline_date, plan.baseline),
        target=point(plan.target_date, plan.target),
        x_ticks=tuple(x_ticks),
        y_ticks=tuple(Tick(y(step * n), label) for n, label in enumerate(y_labels)),
        x_marks=tuple(x_marks),
        bucket=bucket,
    )
