"""The public showcase: staff publish a working group's initiative for visitors,
with open-data exports (CSV and JSON).

What leaves the platform here is about the initiative, never about people: no
name, e-mail or account id of a member, reporter or author — only organisations,
"the residents" as a party, counts, and the texts the staff chose to publish.
Everything a page or an export shows is copied into the frozen dataclasses below,
so that a template cannot reach a person through an ORM relationship.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from participation import labels, permissions
from participation.extensions import db
from participation.models import (
    Action,
    Commitment,
    CommitmentParty,
    CommitmentStatus,
    GroupMember,
    GroupPartner,
    Measurement,
    MeasurementRevision,
    Meeting,
    MembershipStatus,
    Objective,
    Organisation,
    Party,
    Period,
    Place,
    User,
    WorkingGroup,
)
from participation.services import (
    InvalidTransition,
    ValidationError,
    audit,
    commitments,
    dashboard,
    require,
)
from participation.services import objectives as objective_service
from participation.services.indicators import Assessment, Direction, Plan, Status
from participation.text import render_markdown
from participation.timeutil import PARIS

#: Characters of the public summary.
SUMMARY_LENGTH = (20, 5000)
#: The JSON export's format, so that re-users can tell versions apart.
SCHEMA = "faire-avec/initiative"
SCHEMA_VERSION = 1
LICENCE = "Licence Ouverte / Etalab 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#: The words of the status badges (``_macros/objectives.html``), for the exports.
STATUS_LABELS = {
    Status.NO_DATA: _l("pas encore de mesure"),
    Status.ACHIEVED: _l("atteint"),
    Status.ON_TRACK: _l("en bonne voie"),
    Status.AT_RISK: _l("à surveiller"),
    Status.OFF_TRACK: _l("en retard"),
}


# Publishing ------------------------------------------------------------------------


def publish(
    actor: User,
    group: WorkingGroup,
    summary: str,
    now: datetime,
    *,
    reviewed: bool,
) -> None:
    """Put the group's initiative on the public showcase with ``summary`` (Markdown),
    or change the summary of an initiative already published (it keeps its date).

    Everything typed in the group becomes public as written (the charter, the
    partners' roles, the objectives, the commitments and the actions): the actor
    must say they have ``reviewed`` those texts for personal data, every time.

    :raises PermissionDenied: the actor does not manage the group.
    :raises ValidationError: no summary (or too long), texts not reviewed, or no
        objective yet.
    """
    require(permissions.can_manage_group(actor, group))
    text = (summary or "").strip()
    errors: dict[str | None, str] = {}
    if not reviewed:
        errors["reviewed"] = _(
            "Cochez cette case pour confirmer que vous avez relu les textes qui "
            "seront publiés : rien n'est publié sans cette relecture."
        )
    low, high = SUMMARY_LENGTH
    if len(text) < low:
        errors["summary"] = _(
            "Rédigez un résumé d'au moins %(min)d caractères pour les visiteurs.",
            min=low,
        )
    elif len(text) > high:
        errors["summary"] = _("Le résumé fait au plus %(max)d caractères.", max=high)
    objectives = db.session.scalar(
        select(func.count()).where(Objective.group_id == group.id)
    )
    if not objectives:
        errors[None] = _(
            "Ajoutez au moins un objectif au groupe avant de publier son initiative : "
            "c'est ce que les visiteurs viennent voir."
        )
    if errors:
        raise ValidationError(errors)
    first = group.published_at is None
    group.showcase_summary = text
    group.showcase_summary_html = render_markdown(text)
    if first:
        group.published_at = now
    audit.record(
        actor,
        "group.publish" if first else "group.edit_showcase",
        group,
        now,
        landlord_id=group.landlord_id,
    )
    db.session.commit()


def unpublish(actor: User, group: WorkingGroup, now: datetime) -> None:
    """Take the initiative off the showcase (its summary is kept for later).

    :raises PermissionDenied: the actor does not manage the group.
    :raises InvalidTransition: it is not published.
    """
    require(permissions.can_manage_group(actor, group))
    if group.published_at is None:
        raise InvalidTransition(_("Cette initiative n'est pas publiée."))
    group.published_at = None
    audit.record(actor, "group.unpublish", group, now, landlord_id=group.landlord_id)
    db.session.commit()


# The list of published initiatives ---------------------------------------------------


def published_query(landlord_id: int | None = None):
    """Published initiatives, the most recently published first, with their place
    and landlord; only one landlord's when ``landlord_id`` is given."""
    query = (
        select(WorkingGroup)
        .where(WorkingGroup.published_at.is_not(None))
        .options(
            db.joinedload(WorkingGroup.place), db.joinedload(WorkingGroup.landlord)
        )
        .order_by(WorkingGroup.published_at.desc(), WorkingGroup.id.desc())
    )
    if landlord_id is not None:
        query = query.where(WorkingGroup.landlord_id == landlord_id)
    return query


def publishing_landlords() -> list[Organisation]:
    """Landlords with at least one published initiative, by name (the filter)."""
    published = select(WorkingGroup.landlord_id).where(
        WorkingGroup.published_at.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(published))
            .order_by(Organisation.name)
        )
    )


@dataclass(frozen=True)
class Overview:
    """What the list says of one initiative: where, and how its objectives do."""

    territory: str | None
    objectives: int
    statuses: dict[Status, int]


def overviews(groups: Sequence[WorkingGroup]) -> dict[int, Overview]:
    """An overview of each group, keyed by id (three queries for any number)."""
    if not groups:
        return {}
    territories = _territory_names([g.place for g in groups])
    objectives = db.session.scalars(
        select(Objective).where(Objective.group_id.in_([g.id for g in groups]))
    ).all()
    assessed = dashboard.assessments(objectives)  # the last few measurements
    by_group: dict[int, list[Objective]] = {g.id: [] for g in groups}
    for objective in objectives:
        by_group[objective.group_id].append(objective)
    result = {}
    for group in groups:
        statuses: dict[Status, int] = {}
        for objective in by_group[group.id]:
            status = assessed[objective.id].status
            statuses[status] = statuses.get(status, 0) + 1
        result[group.id] = Overview(
            territory=territories.get(group.place_id),
            objectives=len(by_group[group.id]),
            statuses=statuses,
        )
    return result


def _territory_names(places: Iterable[Place]) -> dict[int, str]:
    """The neighbourhood ("quartier") each place belongs to, keyed by the place's
    id; nothing for a place that is itself the neighbourhood (one query)."""
    places = list(places)
    roots = {p.id: p.ancestor_ids[0] for p in places if p.ancestor_ids}
    if not roots:
        return {}
    names = dict(
        db.session.execute(
            select(Place.id, Place.name).where(Place.id.in_(set(roots.values())))
        ).all()
    )
    return {place_id: names[root] for place_id, root in roots.items() if root in names}


# The public page ---------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMeasurement:
    measured_on: date
    period: Period
    value: float
    corrected: bool  # changed after it was first reported (the history is kept)
    organisation: str  # whose member entered it ("" if unknown), not the source now


@dataclass(frozen=True)
class PublicMilestone:
    due_date: date
    value: float
    label: str


@dataclass(frozen=True)
class PublicCommitment:
    id: int
    party: str  # the organisation's name, or "Les habitants"
    title: str
    due_date: date
    status: CommitmentStatus
    late: bool


@dataclass(frozen=True)
class PublicAction:
    done_on: date
    organisation: str
    commitment: str
    description: str  # as typed (Markdown), for the exports
    description_html: str
    quantity: float | None
    unit: str


@dataclass(frozen=True)
class PublicObjective:
    id: int
    title: str
    description: str
    description_html: str
    indicator: str
    unit: str
    direction: Direction
    baseline_value: float
    baseline_date: date
    target_value: float
    target_date: date
    source: str  # the data source organisation's name ("" if none)
    plan: Plan
    milestones: tuple[PublicMilestone, ...]
    measurements: tuple[PublicMeasurement, ...]  # oldest first
    assessment: Assessment
    commitments: tuple[tuple[str, tuple[PublicCommitment, ...]], ...]  # by party
    actions: tuple[PublicAction, ...]  # newest first
    chart: objective_service.ChartGeometry

    @property
    def corrected(self) -> list[PublicMeasurement]:
        return [m for m in self.measurements if m.corrected]

    @property
    def points(self) -> list[tuple[date, float]]:
        return [(m.measured_on, m.value) for m in self.measurements]

    @property
    def reporters(self) -> list[str]:
        """The organisations that entered the measurements, in the order of their
        first one (the data source may have changed since)."""
        return list(
            dict.fromkeys(m.organisation for m in self.measurements if m.organisation)
        )


@dataclass(frozen=True)
class PublicPartner:
    name: str
    kind: str
    role: str


@dataclass(frozen=True)
class Initiative:
    """A published initiative as visitors and re-users see it."""

    id: int
    title: str
    place: str
    territory: str | None
    landlord: str
    summary: str
    summary_html: str
    purpose: str
    purpose_html: str
    method: str
    method_html: str
    rhythm: str
    published_at: datetime | None
    consultation: str | None
    consultation_id: int | None
    proposals: tuple[str, ...]
    partners: tuple[PublicPartner, ...]
    objectives: tuple[PublicObjective, ...]
    resident_members: int
    partner_organisations: int
    meetings_held: int
    as_of: date

    @property
    def late_commitments(self) -> int:
        return sum(
            c.late
            for o in self.objectives
            for _party, items in o.commitments
            for c in items
        )


def public_initiative(group: WorkingGroup, now: datetime) -> Initiative:
    """Everything the public page and the exports show of ``group``, without any
    personal data, in a fixed number of queries."""
    today = now.astimezone(PARIS).date()
    territory = _territory_names([group.place]).get(group.place_id)
    partners = db.session.scalars(
        select(GroupPartner)
        .where(GroupPartner.group_id == group.id)
        .options(db.joinedload(GroupPartner.organisation))
        .order_by(GroupPartner.joined_at, GroupPartner.organisation_id)
    ).all()
    objectives = db.session.scalars(
        select(Objective)
        .where(Objective.group_id == group.id)
        .options(
            db.joinedload(Objective.source_organisation),
            db.selectinload(Objective.milestones),
        )
        .order_by(Objective.id)
    ).all()
    ids = [o.id for o in objectives]
    assessed = objective_service.assessments(objectives)
    measurements = _measurements(ids)
    commitments = _commitments(ids, today)
    actions = _actions(ids)
    residents, meetings = db.session.execute(
        select(
            select(func.count())
            .where(
                GroupMember.group_id == group.id,
                GroupMember.party == Party.RESIDENT,
                GroupMember.status == MembershipStatus.ACTIVE,
            )
            .scalar_subquery(),
            select(func.count())
            .where(Meeting.group_id == group.id, Meeting.starts_at <= now)
            .scalar_subquery(),
        )
    ).one()
    proposals = [p.title for p in group.proposals if p.is_listed]
    charts = {
        o.id: objective_service.chart_geometry(
            o.plan,
            [(m.measured_on, m.value) for m in measurements.get(o.id, ())],
            [(m.due_date, m.value, m.label) for m in o.milestones],
            months={
                m.measured_on
                for m in measurements.get(o.id, ())
                if m.period is Period.MONTH
            },
        )
        for o in objectives
    }
    return Initiative(
        id=group.id,
        title=group.title,
        place=group.place.name,
        territory=territory,
        landlord=group.landlord.name,
        summary=group.showcase_summary,
        summary_html=group.showcase_summary_html,
        purpose=group.purpose,
        purpose_html=group.purpose_html,
        method=group.method,
        method_html=group.method_html,
        rhythm=group.rhythm,
        published_at=group.published_at,
        consultation=group.consultation.title if group.consultation else None,
        consultation_id=group.consultation_id,
        proposals=tuple(proposals),
        partners=tuple(
            PublicPartner(
                name=p.organisation.name,
                kind=str(labels.ORGANISATION_KINDS[p.organisation.kind]),
                role=p.role,
            )
            for p in partners
        ),
        objectives=tuple(
            PublicObjective(
                id=o.id,
                title=o.title,
                description=o.description,
                description_html=o.description_html,
                indicator=o.indicator,
                unit=o.unit,
                direction=o.direction,
                baseline_value=o.baseline_value,
                baseline_date=o.baseline_date,
                target_value=o.target_value,
                target_date=o.target_date,
                source=o.source_organisation.name if o.source_organisation else "",
                plan=o.plan,
                milestones=tuple(
                    PublicMilestone(m.due_date, m.value, m.label) for m in o.milestones
                ),
                measurements=tuple(measurements.get(o.id, ())),
                assessment=assessed[o.id],
                commitments=_by_party(commitments.get(o.id, []), group.landlord_id),
                actions=tuple(actions.get(o.id, ())),
                chart=charts[o.id],
            )
            for o in objectives
        ),
        resident_members=residents,
        partner_organisations=len(partners),
        meetings_held=meetings,
        as_of=today,
    )


def _measurements(ids: list[int]) -> dict[int, list[PublicMeasurement]]:
    """Each objective's measurements, oldest first, with whether they were
    corrected and the organisation that entered each (one query)."""
    corrected = (
        select(MeasurementRevision.id)
        .where(MeasurementRevision.measurement_id == Measurement.id)
        .exists()
    )
    rows = db.session.execute(
        select(
            Measurement.objective_id,
            Measurement.measured_on,
            Measurement.period,
            Measurement.value,
            corrected,
            Organisation.name,
        )
        .outerjoin(Organisation, Organisation.id == Measurement.organisation_id)
        .where(Measurement.objective_id.in_(ids))
        .order_by(Measurement.objective_id, Measurement.measured_on)
    )
    found: dict[int, list[PublicMeasurement]] = {}
    for objective_id, measured_on, period, value, was_corrected, name in rows:
        found.setdefault(objective_id, []).append(
            PublicMeasurement(
                measured_on, period, value, bool(was_corrected), name or ""
            )
        )
    return found


@dataclass(frozen=True)
class _Committed:
    item: PublicCommitment
    organisation_id: int | None


def _commitments(ids: list[int], today: date) -> dict[int, list[_Committed]]:
    """Each objective's commitments by due date, the party named (one query)."""
    rows = db.session.execute(
        select(Commitment, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Commitment.organisation_id)
        .where(Commitment.objective_id.in_(ids))
        .order_by(Commitment.due_date, Commitment.id)
    )
    found: dict[int, list[_Committed]] = {}
    for commitment, name in rows:
        party = (
            str(commitments.RESIDENTS)
            if commitment.party is CommitmentParty.RESIDENTS
            else (name or "")
        )
        found.setdefault(commitment.objective_id, []).append(
            _Committed(
                PublicCommitment(
                    id=commitment.id,
                    party=party,
                    title=commitment.title,
                    due_date=commitment.due_date,
                    status=commitment.status,
                    late=commitment.is_late(today),
                ),
                commitment.organisation_id,
            )
        )
    return found


def _by_party(
    items: list[_Committed], landlord_id: int
) -> tuple[tuple[str, tuple[PublicCommitment, ...]], ...]:
    """Commitments grouped by party: the landlord first, then the partners by
    name, the residents last."""
    parties: dict[str, list[PublicCommitment]] = {}
    rank: dict[str, tuple[int, str]] = {}
    for entry in items:
        party = entry.item.party
        parties.setdefault(party, []).append(entry.item)
        if entry.organisation_id is None:
            rank[party] = (2, party.lower())
        elif entry.organisation_id == landlord_id:
            rank[party] = (0, party.lower())
        else:
            rank.setdefault(party, (1, party.lower()))
    return tuple(
        (party, tuple(parties[party])) for party in sorted(parties, key=rank.get)
    )


def _actions(ids: list[int]) -> dict[int, list[PublicAction]]:
    """Each objective's reported actions, newest first (one query)."""
    rows = db.session.execute(
        select(Action, Commitment.title, Commitment.party, Organisation.name)
        .join(Commitment, Commitment.id == Action.commitment_id)
        .outerjoin(Organisation, Organisation.id == Action.organisation_id)
        .where(Action.objective_id.in_(ids))
        .order_by(Action.done_on.desc(), Action.id.desc())
    )
    found: dict[int, list[PublicAction]] = {}
    for action, title, party, name in rows:
        by = (
            str(commitments.RESIDENTS)
            if party is CommitmentParty.RESIDENTS and not name
            else (name or "")
        )
        found.setdefault(action.objective_id, []).append(
            PublicAction(
                done_on=action.done_on,
                organisation=by,
                commitment=title,
                description=action.description,
                description_html=action.description_html,
                quantity=action.quantity,
                unit=action.unit,
            )
        )
    return found


# Open data ---------------------------------------------------------------------------

#: The CSV export's columns, in order (documented on the public page):
#: ``type`` "mesure" or "action"; ``objectif_id`` and ``objectif``; ``indicateur``;
#: ``date`` (ISO 8601; a month's measurement is dated the month's last day);
#: ``periode`` "jour" or "mois" (measurements); ``valeur`` the measured value, or an
#: action's quantity (decimal point); ``unite``; ``corrigee`` "oui" when a
#: measurement was corrected after it was first reported; ``engagement`` the
#: commitment an action fulfils; ``organisation`` the organisation whose member
#: entered the measurement (empty when none: never the objective's current data
#: source, which may have changed), or the acting party; ``description`` what was
#: done.
CSV_COLUMNS = (
    "type",
    "objectif_id",
    "objectif",
    "indicateur",
    "date",
    "periode",
    "valeur",
    "unite",
    "corrigee",
    "engagement",
    "organisation",
    "description",
)
_PERIODS = {Period.DAY: "jour", Period.MONTH: "mois"}


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas: a text cell starting with =, +, -, @ (or a
    tab or carriage return) gets a leading apostrophe."""
    text = text or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _number(value: float | None) -> str:
    """A number as re-users' tools read it: 14, 3.2 (never 14.0)."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def export_csv(initiative: Initiative) -> str:
    """The measurements and actions as CSV (RFC 4180, comma-separated, UTF-8 with
    a byte-order mark so that spreadsheets read the accents): one row per
    measurement and per action, columns as in :data:`CSV_COLUMNS`."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for objective in initiative.objectives:
        common = [objective.id, _cell(objective.title), _cell(objective.indicator)]
        for m in objective.measurements:
            writer.writerow(
                [
                    "mesure",
                    *common,
                    m.measured_on.isoformat(),
                    _PERIODS[m.period],
                    _number(m.value),
                    _cell(objective.unit),
                    "oui" if m.corrected else "non",
                    "",
                    _cell(m.organisation),
                    "",
                ]
            )
        for a in sorted(objective.actions, key=lambda a: a.done_on):
            writer.writerow(
                [
                    "action",
                    *common,
                    a.done_on.isoformat(),
                    "",
                    _number(a.quantity),
                    _cell(a.unit),
                    "",
                    _cell(a.commitment),
                    _cell(a.organisation),
                    _cell(a.description),
                ]
            )
    return buffer.getvalue()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_json(initiative: Initiative, url: str) -> dict[str, Any]:
    """The same data as the public page, JSON-ready: ISO 8601 dates, codes with
    their French labels, a schema name and version, and the licence."""
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "licence": {"name": LICENCE, "url": LICENCE_URL},
        "url": url,
        "as_of": initiative.as_of.isoformat(),
        "initiative": {
            "id": initiative.id,
            "title": initiative.title,
            "place": initiative.place,
            "territory": initiative.territory,
            "landlord": initiative.landlord,
            "published_at": _iso(initiative.published_at),
            "summary": initiative.summary,
            "purpose": initiative.purpose,
            "method": initiative.method,
            "rhythm": initiative.rhythm,
            "consultation": (
                {"title": initiative.consultation, "proposals": initiative.proposals}
                if initiative.consultation
                else None
            ),
            "partners": [
                {"name": p.name, "kind": p.kind, "role": p.role}
                for p in initiative.partners
            ],
            "counts": {
                "resident_members": initiative.resident_members,
                "partner_organisations": initiative.partner_organisations,
                "meetings_held": initiative.meetings_held,
            },
            "objectives": [_objective_json(o) for o in initiative.objectives],
        },
    }


def _objective_json(o: PublicObjective) -> dict[str, Any]:
    a = o.assessment
    return {
        "id": o.id,
        "title": o.title,
        "description": o.description,
        "indicator": o.indicator,
        "unit": o.unit,
        "direction": o.direction.value,
        "baseline": {"value": o.baseline_value, "date": o.baseline_date.isoformat()},
        "target": {"value": o.target_value, "date": o.target_date.isoformat()},
        "data_source": o.source or None,
        "milestones": [
            {"date": m.due_date.isoformat(), "value": m.value, "label": m.label}
            for m in o.milestones
        ],
        "measurements": [
            {
                "date": m.measured_on.isoformat(),
                "period": m.period.value,
                "value": m.value,
                "corrected": m.corrected,
                "organisation": m.organisation or None,
            }
            for m in o.measurements
        ],
        "assessment": {
            "status": a.status.value,
            "status_label": status_label(a.status),
            "latest_value": a.latest,
            "latest_date": _iso(a.latest_date),
            "progress": a.progress,
            "progress_percent": a.progress_percent,
            "expected_value": a.expected,
            "projected_date": _iso(a.projected_date),
        },
        "commitments": [
            {
                "party": party,
                "title": c.title,
                "due_date": c.due_date.isoformat(),
                "status": c.status.value,
                "status_label": str(commitments.STATUS_LABELS[c.status]),
                "late": c.late,
            }
            for party, items in o.commitments
            for c in items
        ],
        "actions": [
            {
                "date": x.done_on.isoformat(),
                "organisation": x.organisation,
                "commitment": x.commitment,
                "description": x.description,
                "quantity": x.quantity,
                "unit": x.unit,
            }
            for x in o.actions
        ],
    }


def status_label(status: Status) -> str:
    """The French name of an objective's status, as on the badges."""
    return str(STATUS_LABELS[status])
