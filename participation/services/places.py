"""The place tree: creating, renaming and removing places."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func

from participation import permissions
from participation.extensions import db
from participation.models import (
    Dwelling,
    Organisation,
    Place,
    PlaceKind,
    Residency,
    User,
    VerificationRequest,
    VerificationStatus,
    descendants_of,
)
from participation.services import InvalidTransition, ValidationError, audit, require


def set_path(place: Place) -> None:
    """Give a flushed place its materialised path (its parent's plus its own id)."""
    prefix = place.parent.path if place.parent is not None else "/"
    place.path = f"{prefix}{place.id}/"


def sibling_named(landlord_id: int, parent: Place | None, name: str) -> Place | None:
    """The place with this name (case-insensitive) under the same parent."""
    query = db.select(Place).where(
        Place.landlord_id == landlord_id,
        func.lower(Place.name) == name.strip().lower(),
    )
    if parent is None:
        query = query.where(Place.parent_id.is_(None))
    else:
        query = query.where(Place.parent_id == parent.id)
    return db.session.scalar(query)


def add_place(
    landlord: Organisation, parent: Place | None, name: str, address: str = ""
) -> Place:
    """Add a place to the session with its path; no permission check, no commit."""
    kind = parent.kind.child_kind if parent is not None else PlaceKind.TERRITORY
    place = Place(
        landlord_id=landlord.id,
        parent=parent,
        kind=kind,
        name=name.strip(),
        address=address.strip(),
    )
    db.session.add(place)
    db.session.flush()
    set_path(place)
    return place


def create_place(
    actor: User,
    *,
    name: str,
    now: datetime,
    parent: Place | None = None,
    landlord: Organisation | None = None,
    address: str = "",
) -> Place:
    """Create a territory (for ``landlord``) or a child of ``parent``.

    The kind follows the parent's: territory → residence → building → entrance.

    :raises PermissionDenied: the actor does not manage that landlord.
    :raises InvalidTransition: the parent is an entrance (no level below).
    :raises ValidationError: a sibling already has this name.
    """
    if parent is None:
        require(
            landlord is not None and permissions.can_create_territory(actor, landlord)
        )
    else:
        require(permissions.can_manage_place(actor, parent))
        landlord = parent.landlord
        if parent.kind.child_kind is None:
            raise InvalidTransition(
                _("Une entrée ne peut pas contenir d'autres lieux.")
            )
    if sibling_named(landlord.id, parent, name) is not None:
        raise ValidationError({"name": _("Un lieu porte déjà ce nom à cet endroit.")})
    place = add_place(landlord, parent, name, address)
    audit.record(
        actor, "place.create", place, now, landlord_id=landlord.id, name=place.name
    )
    db.session.commit()
    return place


def update_place(
    actor: User, place: Place, *, name: str, address: str, now: datetime
) -> Place:
    """Rename a place or change its address.

    :raises PermissionDenied: the actor does not manage its landlord.
    :raises ValidationError: a sibling already has this name.
    """
    require(permissions.can_manage_place(actor, place))
    other = sibling_named(place.landlord_id, place.parent, name)
    if other is not None and other.id != place.id:
        raise ValidationError({"name": _("Un lieu porte déjà ce nom à cet endroit.")})
    before = {"name": place.name, "address": place.address}
    place.name = name.strip()
    place.address = address.strip()
    audit.record(
        actor, "place.update", place, now, landlord_id=place.landlord_id, before=before
    )
    db.session.commit()
    return place


def delete_place(actor: User, place: Place, now: datetime) -> None:
    """Remove an empty place (no places and no dwellings below it).

    :raises PermissionDenied: the actor does not manage its landlord.
    :raises InvalidTransition: the place still holds places or dwellings, or a
        verification request names it (kept for the record).
    """
    require(permissions.can_manage_place(actor, place))
    children = db.session.scalar(
        db.select(func.count()).select_from(Place).filter_by(parent_id=place.id)
    )
    dwellings = db.session.scalar(
        db.select(func.count()).select_from(Dwelling).filter_by(place_id=place.id)
    )
    if children or dwellings:
        raise InvalidTransition(
            _(
                "Ce lieu n'est pas vide : retirez d'abord les lieux et logements "
                "qu'il contient."
            )
        )
    requests = db.session.scalar(
        db.select(func.count())
        .select_from(VerificationRequest)
        .filter_by(place_id=place.id)
    )
    if requests:
        raise InvalidTransition(
            _(
                "Des habitant·es ont indiqué ce lieu dans leur demande de "
                "vérification : il est conservé pour garder leur trace."
            )
        )
    audit.record(
        actor,
        "place.delete",
        place,
        now,
        landlord_id=place.landlord_id,
        name=place.name,
    )
    db.session.delete(place)
    db.session.commit()


def managed_places_query(actor: User):
    """Select the places the actor manages, in tree order, with their landlord."""
    query = (
        db.select(Place)
        .options(db.joinedload(Place.landlord))
        .order_by(Place.landlord_id, Place.path)
    )
    landlord_ids = permissions.managed_landlord_ids(actor)
    if landlord_ids is not None:
        query = query.where(Place.landlord_id.in_(landlord_ids))
    return query


def tree_rows(places: list[Place]) -> list[Place]:
    """Order places depth-first by name (paths order by id, not by name)."""
    children: dict[int | None, list[Place]] = {}
    ids = {p.id for p in places}
    for place in places:
        key = place.parent_id if place.parent_id in ids else None
        children.setdefault(key, []).append(place)
    ordered: list[Place] = []

    def walk(parent_id: int | None) -> None:
        for place in sorted(children.get(parent_id, []), key=lambda p: p.name.lower()):
            ordered.append(place)
            walk(place.id)

    walk(None)
    return ordered


def ancestors_by_id(places: list[Place]) -> dict[int, Place]:
    """Every ancestor of the given places, in one query, keyed by id."""
    ids = {i for place in places for i in place.ancestor_ids}
    if not ids:
        return {}
    return {
        p.id: p for p in db.session.scalars(db.select(Place).where(Place.id.in_(ids)))
    }


def summary(actor: User) -> dict[str, int]:
    """Counts for the staff landing panel, scoped to the landlords they manage."""
    landlord_ids = permissions.managed_landlord_ids(actor)

    def scoped(query, column):
        return query if landlord_ids is None else query.where(column.in_(landlord_ids))

    count = db.select(func.count())
    return {
        "places": db.session.scalar(
            scoped(count.select_from(Place), Place.landlord_id)
        ),
        "dwellings": db.session.scalar(
            scoped(count.select_from(Dwelling), Dwelling.landlord_id)
        ),
        "residents": db.session.scalar(
            scoped(
                count.select_from(Residency)
                .join(Residency.dwelling)
                .where(Residency.ended_at.is_(None)),
                Dwelling.landlord_id,
            )
        ),
        "pending": db.session.scalar(
            scoped(
                count.select_from(VerificationRequest)
                .join(VerificationRequest.place)
                .where(VerificationRequest.status == VerificationStatus.PENDING),
                Place.landlord_id,
            )
        ),
    }


def places_for_verification() -> list[tuple[Place, str]]:
    """Buildings a resident can say they live in, labelled with their full chain."""
    rows = db.session.scalars(
        db.select(Place)
        .where(
            Place.kind.in_(
                [PlaceKind.TERRITORY, PlaceKind.RESIDENCE, PlaceKind.BUILDING]
            )
        )
        .options(db.joinedload(Place.landlord))
    ).all()
    by_id = {place.id: place for place in rows}
    labelled = []
    for place in rows:
        if place.kind is not PlaceKind.BUILDING:
            continue
        names = [by_id[i].name for i in place.ancestor_ids if i in by_id]
        label = " › ".join([*names, place.name])
        labelled.append((place, f"{label} ({place.landlord.name})"))
    return sorted(labelled, key=lambda item: item[1].lower())


def children_of(place: Place) -> list[Place]:
    """The places directly inside ``place``, by name."""
    return list(
        db.session.scalars(
            db.select(Place).filter_by(parent_id=place.id).order_by(Place.name)
        )
    )


def dwelling_counts(place_ids: list[int]) -> dict[int, int]:
    """Number of dwellings attached directly to each place."""
    if not place_ids:
        return {}
    rows = db.session.execute(
        db.select(Dwelling.place_id, func.count())
        .where(Dwelling.place_id.in_(place_ids))
        .group_by(Dwelling.place_id)
    )
    return dict(rows.all())  # not dict(rows): a Result has keys(), like a mapping


def dwelling_count_below(place: Place) -> int:
    """Number of dwellings anywhere inside ``place``."""
    return db.session.scalar(
        db.select(func.count())
        .select_from(Dwelling)
        .join(Dwelling.place)
        .where(descendants_of(place))
    )
