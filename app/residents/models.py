"""Residents: identified by phone number, matched to a community when known."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.communities.models import Community
from app.db import Base


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    # "mobile" or "landline": landlines cannot receive SMS, so they are called instead.
    phone_kind: Mapped[str] = mapped_column(String(10), default="mobile")
    name: Mapped[str] = mapped_column(String(100), default="")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    building: Mapped[str] = mapped_column(String(60), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="zh")
    prefers_voice: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community | None] = relationship()

    @property
    def can_receive_sms(self) -> bool:
        return self.phone_kind != "landline"
