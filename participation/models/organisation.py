"""Organisations: the landlord and its local partners."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from participation.extensions import db
from participation.models.types import UTCDateTime, str_enum
from participation.timeutil import utcnow


class OrganisationKind(StrEnum):
    """What an organisation is; only landlords own places."""

    LANDLORD = "landlord"
    CITY = "city"
    WASTE_SERVICE = "waste_service"
    ASSOCIATION = "association"
    SOCIAL_SERVICE = "social_service"
    OTHER = "other"


class Organisation(db.Model):
    """A landlord ("bailleur"), city, waste service, association or other partner."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_landlord(self) -> bool:
        return self.kind is OrganisationKind.LANDLORD

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
