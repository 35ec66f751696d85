"""Volunteers, the skills (category codes) they offer, when they are available, and the offers
made to them (or to a unit's liaison) for tickets."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.communities.models import Community, Department
from app.db import Base, str_enum
from app.volunteers.availability import WEEK, Availability

if TYPE_CHECKING:
    from app.messaging.models import Message
    from app.tickets.models import Ticket


def _counter() -> Mapped[int]:
    """A history counter; the server default fills it for volunteers added before it existed."""
    return mapped_column(default=0, server_default="0")


class VolunteerSkill(Base):
    __tablename__ = "volunteer_skills"
    # Matching starts from the skill and needs the volunteer ids without touching the table.
    __table_args__ = (Index("ix_volunteer_skills_skill_volunteer", "skill", "volunteer_id"),)

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class VolunteerWindow(Base):
    """One weekly availability window as minutes since Monday 00:00 local time.

    A copy of `Volunteer.availability` in a shape SQL can test ("is minute m inside?"), so
    matching filters 100,000 volunteers in the database instead of parsing JSON in Python.
    """

    __tablename__ = "volunteer_windows"
    __table_args__ = (
        Index("ix_volunteer_windows_volunteer_start", "volunteer_id", "start_minute"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    start_minute: Mapped[int]  # inclusive, 0..10079
    end_minute: Mapped[int]  # exclusive, 1..10080; windows past Sunday midnight are split


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
    # True when there are no windows at all.
    always_available: Mapped[bool] = mapped_column(default=True, server_default=true())
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    max_active: Mapped[int] = mapped_column(default=2)
    active: Mapped[bool] = mapped_column(default=True)
    paused_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Counters kept by the dispatch operations; matching scores reliability, load and fairness
    # from them without reading the offer history.
    active_tasks: Mapped[int] = _counter()  # tickets held now
    offers_total: Mapped[int] = _counter()
    accepts: Mapped[int] = _counter()
    declines: Mapped[int] = _counter()
    no_replies: Mapped[int] = _counter()  # expired, or the SMS never arrived
    completions: Mapped[int] = _counter()
    drops: Mapped[int] = _counter()  # accepted, then gave back
    rating_points: Mapped[int] = _counter()  # 2 满意, 1 基本满意, 0 不满意
    ratings: Mapped[int] = _counter()
    last_offered_at: Mapped[datetime | None]
    offers_day: Mapped[date | None]  # local day that offers_on_day counts
    offers_on_day: Mapped[int] = _counter()

    community: Mapped[Community | None] = relationship()
    skill_rows: Mapped[list[VolunteerSkill]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    windows: Mapped[list[VolunteerWindow]] = relationship(cascade="all, delete-orphan")

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

    def set_availability(self, availability: Availability) -> None:
        """Store the weekly windows as JSON, as readable text and as SQL-searchable rows."""
        self.availability = availability.to_json()
        self.availability_text = availability.to_text()
        self.always_available = availability.is_always
        self.windows = [
            VolunteerWindow(start_minute=start, end_minute=end)
            for start, end in week_minutes(availability)
        ]


def week_minutes(availability: Availability) -> list[tuple[int, int]]:
    """(start, end) minutes since Monday 00:00; a window past Sunday midnight becomes two."""
    ranges = []
    for window in availability.windows:
        start, end = window.minutes
        ranges.append((start, min(end, WEEK)))
        if end > WEEK:
            ranges.append((0, end - WEEK))
    return ranges


class OfferStatus(StrEnum):
    open = "open"  # texted; waiting for an answer until expires_at (units: no expiry)
    accepted = "accepted"  # this volunteer or unit holds the ticket now
    completed = "completed"  # accepted, then reported done
    dropped = "dropped"  # accepted, then given back (counts against reliability)
    declined = "declined"  # said no
    expired = "expired"  # no answer in time: a no-reply
    failed = "failed"  # the offer SMS could not be delivered: a no-reply
    taken = "taken"  # someone else accepted first
    withdrawn = "withdrawn"  # the ticket stopped needing it (cancelled, assigned by staff, ...)


class Offer(Base):
    """One volunteer (or one unit's liaison) asked about one ticket, in one wave of one round.

    A round is one run of dispatch (a ticket given back is dispatched in a new round); waves
    within it go out one after another as earlier ones expire.
    """

    __tablename__ = "offers"
    __table_args__ = (
        # Nobody is asked twice about a ticket in one dispatch round (a reopen starts a new one).
        UniqueConstraint("ticket_id", "volunteer_id", "round"),
        Index("ix_offers_status_expires_at", "status", "expires_at"),
        Index("ix_offers_volunteer_status", "volunteer_id", "status"),
        Index("ix_offers_unit_status", "unit_id", "status"),
        Index("ix_offers_message_id", "message_id"),
        # First accept wins: the database itself refuses a second accepted offer.
        Index(
            "uq_offers_one_accepted_per_ticket",
            "ticket_id",
            unique=True,
            sqlite_where=text("status = 'accepted'"),
            postgresql_where=text("status = 'accepted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    round: Mapped[int] = mapped_column(default=1)
    wave: Mapped[int] = mapped_column(default=1)  # 0 for a unit, which gets no waves
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus, 12), default=OfferStatus.open)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # the /o/<token> link
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[dict] = mapped_column(JSON, default=dict)  # why this person was asked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))

    ticket: Mapped[Ticket] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
    unit: Mapped[Department | None] = relationship()
    # Set with the offer, so a wave's texts and offers are written in one flush (one INSERT each).
    message: Mapped[Message | None] = relationship()
