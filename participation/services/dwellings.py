"""Dwellings: one by one, or imported from the landlord's CSV file."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from participation import permissions
from participation.extensions import db
from participation.models import (
    Dwelling,
    InvitationCode,
    Organisation,
    Place,
    PlaceKind,
    Residency,
    User,
    descendants_of,
)
from participation.services import ValidationError, audit, require
from participation.services.places import add_place

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CSV_COLUMNS = ("reference", "territory", "residence", "building", "entrance")
REQUIRED_COLUMNS = ("reference", "territory", "residence", "building")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_LENGTHS = {
    "reference": 64,
    "territory": 120,
    "residence": 120,
    "building": 120,
    "entrance": 120,
}


def _check_reference(landlord_id: int, reference: str, dwelling_id: int | None) -> str:
    reference = reference.strip()
    if not reference:
        raise ValidationError({"reference": _("La référence est obligatoire.")})
    existing = db.session.scalar(
        db.select(Dwelling).filter_by(landlord_id=landlord_id, reference=reference)
    )
    if existing is not None and existing.id != dwelling_id:
        raise ValidationError(
            {"reference": _("Un logement a déjà la référence %(ref)s.", ref=reference)}
        )
    return reference


def _check_place(place: Place) -> None:
    if not place.kind.holds_dwellings:
        raise ValidationError(
            {"place": _("Un logement se rattache à un bâtiment ou à une entrée.")}
        )


def create_dwelling(
    actor: User, place: Place, *, reference: str, now: datetime, label: str = ""
) -> Dwelling:
    """Add a dwelling to a building or entrance.

    :raises PermissionDenied: the actor does not manage the place's landlord.
    :raises ValidationError: wrong kind of place, or reference already used.
    """
    require(permissions.can_manage_place(actor, place))
    _check_place(place)
    reference = _check_reference(place.landlord_id, reference, None)
    dwelling = Dwelling(
        landlord_id=place.landlord_id,
        place=place,
        reference=reference,
        label=label.strip(),
        created_at=now,
    )
    db.session.add(dwelling)
    db.session.flush()
    audit.record(
        actor,
        "dwelling.create",
        dwelling,
        now,
        landlord_id=dwelling.landlord_id,
        reference=reference,
    )
    _commit_or_duplicate(reference)
    return dwelling


def update_dwelling(
    actor: User,
    dwelling: Dwelling,
    *,
    reference: str,
    label: str,
    place: Place,
    now: datetime,
) -> Dwelling:
    """Change a dwelling's reference, label or place (within the same landlord).

    :raises PermissionDenied: the actor does not manage the dwelling or the place.
    :raises ValidationError: wrong kind of place, or reference already used.
    """
    require(permissions.can_manage_dwelling(actor, dwelling))
    require(place.landlord_id == dwelling.landlord_id)
    _check_place(place)
    reference = _check_reference(dwelling.landlord_id, reference, dwelling.id)
    before = {
        "reference": dwelling.reference,
        "label": dwelling.label,
        "place_id": dwelling.place_id,
    }
    dwelling.reference, dwelling.label, dwelling.place = reference, label.strip(), place
    audit.record(
        actor,
        "dwelling.update",
        dwelling,
        now,
        landlord_id=dwelling.landlord_id,
        before=before,
    )
    _commit_or_duplicate(reference)
    return dwelling


def _commit_or_duplicate(reference: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError(
            {"reference": _("Un logement a déjà la référence %(ref)s.", ref=reference)}
        ) from None


@dataclass
class ImportReport:
    """What an import created."""

    dwellings: int = 0
    places: int = 0


class ImportFailed(ValidationError):
    """The file has faulty lines; ``lines`` lists (line number, message)."""

    def __init__(self, lines: list[tuple[int, str]]):
        self.lines = lines
        super().__init__(
            {"file": [_("Ligne %(n)d : %(msg)s", n=n, msg=m) for n, m in lines]}
        )


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as French spreadsheets write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_dwellings_csv(text: str) -> tuple[list[tuple[int, dict[str, str]]], list]:
    """Split a CSV text into numbered rows; report header and shape errors.

    A line the csv module cannot read (a huge or broken quoted cell) ends the
    reading with an error on that line rather than a crash.
    """
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    errors: list[tuple[int, str]] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [(1, _("le fichier est vide."))]
    except csv.Error:
        return [], [(1, _("ligne illisible (guillemets ou taille de cellule)."))]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [
            (
                1,
                _(
                    "colonnes manquantes : %(cols)s (attendu : %(all)s).",
                    cols=", ".join(missing),
                    all=", ".join(CSV_COLUMNS),
                ),
            )
        ]
    rows = []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(
                (
                    reader.line_num,
                    _("ligne illisible (guillemets ou taille de cellule)."),
                )
            )
            break
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            errors.append((line, _("trop de colonnes.")))
            continue
        if any(CONTROL_CHARACTERS.search(v) for v in values):
            errors.append((line, _("caractères de contrôle interdits.")))
            continue
        row = {
            name: (values[i].strip() if i < len(values) else "")
            for i, name in enumerate(header)
        }
        rows.append((line, {c: row.get(c, "") for c in CSV_COLUMNS}))
    return rows, errors


def import_dwellings(
    actor: User | None, landlord: Organisation, data: bytes, now: datetime
) -> ImportReport:
    """Create the places and dwellings listed in a CSV file, all or nothing.

    Columns: reference, territory, residence, building, entrance (optional); comma or
    semicolon separated. Places are matched by name (case-insensitive) and created
    when missing. ``actor`` None means the command line.

    :raises PermissionDenied: the actor does not manage this landlord.
    :raises ImportFailed: with every faulty line and its number; nothing is saved.
    """
    require(
        landlord.is_landlord
        and (actor is None or permissions.can_manage_landlord(actor, landlord.id))
    )
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFailed([(0, _("le fichier dépasse 5 Mo."))])
    rows, errors = parse_dwellings_csv(decode_csv(data))
    errors += _row_errors(landlord, rows)
    if not errors and not rows:
        errors.append((2, _("aucun logement dans le fichier.")))
    if errors:
        raise ImportFailed(sorted(errors))
    report = _create_rows(landlord, rows, now)
    audit.record(
        actor,
        "dwelling.import",
        landlord,
        now,
        landlord_id=landlord.id,
        dwellings=report.dwellings,
        places=report.places,
    )
    db.session.commit()
    return report


def _row_errors(landlord: Organisation, rows) -> list[tuple[int, str]]:
    errors = []
    seen: dict[str, int] = {}
    existing = set(
        db.session.scalars(
            db.select(Dwelling.reference).filter_by(landlord_id=landlord.id)
        )
    )
    for line, row in rows:
        for column in REQUIRED_COLUMNS:
            if not row[column]:
                errors.append((line, _("la colonne « %(col)s » est vide.", col=column)))
        for column, limit in MAX_LENGTHS.items():
            if len(row[column]) > limit:
                errors.append(
                    (
                        line,
                        _("« %(col)s » dépasse %(n)d caractères.", col=column, n=limit),
                    )
                )
        reference = row["reference"]
        if reference in existing:
            errors.append((line, _("la référence %(ref)s existe déjà.", ref=reference)))
        elif reference and reference in seen:
            errors.append(
                (
                    line,
                    _(
                        "la référence %(ref)s est déjà à la ligne %(n)d.",
                        ref=reference,
                        n=seen[reference],
                    ),
                )
            )
        seen.setdefault(reference, line)
    return errors


def _create_rows(landlord: Organisation, rows, now: datetime) -> ImportReport:
    places = db.session.scalars(db.select(Place).filter_by(landlord_id=landlord.id))
    by_key: dict[tuple, Place] = {}
    ids: dict[int, tuple] = {}
    for place in sorted(places, key=lambda p: p.path.count("/")):
        parent_key = ids.get(place.parent_id, ()) if place.parent_id else ()
        key = (*parent_key, place.name.lower())
        by_key[key], ids[place.id] = place, key
    report = ImportReport()
    for _line, row in rows:
        parent: Place | None = None
        key: tuple = ()
        for column in ("territory", "residence", "building", "entrance"):
            if not row[column]:
                break
            key = (*key, row[column].lower())
            if key not in by_key:
                by_key[key] = add_place(landlord, parent, row[column])
                report.places += 1
            parent = by_key[key]
        assert parent is not None and parent.kind in (
            PlaceKind.BUILDING,
            PlaceKind.ENTRANCE,
        )
        db.session.add(
            Dwelling(
                landlord_id=landlord.id,
                place=parent,
                reference=row["reference"],
                created_at=now,
            )
        )
        report.dwellings += 1
    db.session.flush()
    return report


def dwellings_query(actor: User, *, place: Place | None = None, search: str = ""):
    """Select the dwellings the actor manages, by reference, with their place."""
    query = (
        db.select(Dwelling)
        .join(Dwelling.place)
        .options(db.contains_eager(Dwelling.place))
        .order_by(Dwelling.reference)
    )
    landlord_ids = permissions.managed_landlord_ids(actor)
    if landlord_ids is not None:
        query = query.where(Dwelling.landlord_id.in_(landlord_ids))
    if place is not None:
        query = query.where(descendants_of(place))
    if search.strip():
        query = query.where(Dwelling.reference.ilike(f"%{search.strip()}%"))
    return query


@dataclass(frozen=True)
class DwellingStatus:
    """What a list of dwellings shows beside each one."""

    code: InvitationCode | None
    occupied: bool


def statuses(dwelling_ids: list[int]) -> dict[int, DwellingStatus]:
    """Invitation code and occupancy of each dwelling, in one query."""
    if not dwelling_ids:
        return {}
    occupied = (
        db.select(Residency.id)
        .where(Residency.dwelling_id == Dwelling.id, Residency.ended_at.is_(None))
        .exists()
    )
    rows = db.session.execute(
        db.select(Dwelling.id, InvitationCode, occupied)
        .outerjoin(InvitationCode, InvitationCode.dwelling_id == Dwelling.id)
        .where(Dwelling.id.in_(dwelling_ids))
    )
    return {row[0]: DwellingStatus(row[1], bool(row[2])) for row in rows}
