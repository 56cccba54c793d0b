"""Housing geography: the place tree and its dwellings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.extensions import db
from participation.models.organisation import Organisation
from participation.models.types import UTCDateTime, str_enum
from participation.timeutil import utcnow


class PlaceKind(StrEnum):
    """Levels of the tree, from the neighbourhood down to the stairwell."""

    TERRITORY = "territory"
    RESIDENCE = "residence"
    BUILDING = "building"
    ENTRANCE = "entrance"

    @property
    def child_kind(self) -> PlaceKind | None:
        order = list(PlaceKind)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None

    @property
    def holds_dwellings(self) -> bool:
        return self in (PlaceKind.BUILDING, PlaceKind.ENTRANCE)


class Place(db.Model):
    """A node of a landlord's place tree.

    ``path`` is a materialised path of ids ("/3/17/42/"): the descendants of a place
    are the rows whose path starts with its own, one indexed range scan.
    ``landlord_id`` is the root's landlord, copied on every node when it is created
    (trees never move between landlords) so that scoping a query costs no join.
    """

    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        # LIKE 'prefix%' uses the index on PostgreSQL whatever the collation.
        Index("ix_place_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    kind: Mapped[PlaceKind] = mapped_column(str_enum(PlaceKind))
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200), default="")
    path: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    landlord: Mapped[Organisation] = relationship()
    parent: Mapped[Place | None] = relationship(remote_side=[id])

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this place's parent."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def is_within(self, other: Place) -> bool:
        """True if this place is ``other`` or one of its descendants."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Place {self.id} {self.kind} {self.name!r}>"


def descendants_of(place: Place):
    """SQL condition: the place itself and every place below it."""
    return Place.path.startswith(place.path, autoescape=True)


class Dwelling(db.Model):
    """A dwelling ("logement"): the landlord's unit, one household."""

    __table_args__ = (UniqueConstraint("landlord_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey(Place.id), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    place: Mapped[Place] = relationship()

    def __repr__(self) -> str:
        return f"<Dwelling {self.id} {self.reference!r}>"
