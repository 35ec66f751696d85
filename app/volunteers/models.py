"""Volunteers and the skills (category codes) they offer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.communities.models import Community
from app.db import Base


class VolunteerSkill(Base):
    __tablename__ = "volunteer_skills"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Volunteer(Base):
    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    phone_kind: Mapped[str] = mapped_column(String(10), default="mobile")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    building: Mapped[str] = mapped_column(String(60), default="")
    language: Mapped[str] = mapped_column(String(5), default="zh")
    # Weekly windows as parsed by volunteers.availability; empty means any time.
    availability: Mapped[list] = mapped_column(JSON, default=list)
    availability_text: Mapped[str] = mapped_column(String(200), default="")
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    max_active: Mapped[int] = mapped_column(default=2)
    active: Mapped[bool] = mapped_column(default=True)
    paused_at: Mapped[datetime | None]
    # Residents' survey ratings of this volunteer's work (3 satisfied .. 1 unsatisfied).
    rating_sum: Mapped[int] = mapped_column(default=0, server_default="0")
    rating_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community | None] = relationship()
    skill_rows: Mapped[list[VolunteerSkill]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def skills(self) -> list[str]:
        return sorted(row.skill for row in self.skill_rows)

    @skills.setter
    def skills(self, codes: list[str]) -> None:
        wanted = set(codes)
        self.skill_rows = [r for r in self.skill_rows if r.skill in wanted] + [
            VolunteerSkill(skill=code)
            for code in sorted(wanted - {r.skill for r in self.skill_rows})
        ]
