"""Tickets and their append-only event timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.categories.models import Category
from app.clock import utcnow
from app.communities.models import Community, Department
from app.db import Base, str_enum
from app.residents.models import Resident

if TYPE_CHECKING:  # tickets never import volunteers at run time; the mapper resolves the name
    from app.volunteers.models import Volunteer


class TicketStatus(StrEnum):
    new = "new"  # received; nobody has been asked yet
    dispatching = "dispatching"  # offers are out to volunteers or a unit's liaison
    unassigned = "unassigned"  # every wave expired without a taker; staff must act
    assigned = "assigned"  # a volunteer or unit accepted it
    in_progress = "in_progress"  # on the way or working, possibly over several visits
    escalated = "escalated"  # handed to a street department, on its own 3-day deadline
    resolved = "resolved"  # the work is reported done; the survey is pending
    reopened = "reopened"  # a return visit found more work; goes back to dispatch
    # Rated unsatisfied: still open until the return visit (回访) ends, on its own deadline.
    return_visit = "return_visit"
    closed = "closed"  # finished and rated (or the survey went unanswered)
    cancelled = "cancelled"  # withdrawn by the resident or staff, or merged into another


# Being handled: on a handling deadline (reminder and breach sweeps), counted in volunteer load.
ACTIVE_STATUSES = frozenset(
    {
        TicketStatus.new,
        TicketStatus.dispatching,
        TicketStatus.unassigned,
        TicketStatus.assigned,
        TicketStatus.in_progress,
        TicketStatus.escalated,
        TicketStatus.reopened,
    }
)
# Not finished, as residents, Open311 and the staff queue see it: also a return visit owed.
OPEN_STATUSES = ACTIVE_STATUSES | {TicketStatus.return_visit}


class Channel(StrEnum):
    sms = "sms"  # texted to the line
    voice = "voice"  # called in through the IVR
    web = "web"  # entered by staff on the dashboard (from a web form or message)
    phone = "phone"  # staff took the call (an ordinary line, or put through from the IVR)
    walk_in = "walk_in"  # the resident came to the office
    open311 = "open311"  # posted through the Open311 API


class Priority(StrEnum):
    normal = "normal"
    urgent = "urgent"  # danger words: shorter offer expiry, availability ignored


def _status_enum() -> Enum:
    return str_enum(TicketStatus, 20)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_due_at", "status", "due_at"),
        Index("ix_tickets_resident_status", "resident_id", "status"),
        Index("ix_tickets_community_status_due", "community_id", "status", "due_at"),
        Index("ix_tickets_received_at", "received_at"),
        Index("ix_tickets_remind_at", "remind_at"),
        # The sweeps' own paths: active tickets due a reminder, resolved tickets due a survey,
        # and open reports of the same problem in the same building.
        Index("ix_tickets_status_remind_at", "status", "remind_at"),
        Index("ix_tickets_status_resolved_at", "status", "resolved_at"),
        Index("ix_tickets_building_category", "building", "category_code", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # read aloud digit by digit
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_seconds: Mapped[int | None]  # length of recording_url, shown where words are missing
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    building: Mapped[str] = mapped_column(String(60), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 10), default=Priority.normal)
    status: Mapped[TicketStatus] = mapped_column(_status_enum(), default=TicketStatus.new)
    callback_requested: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_report_at: Mapped[datetime] = mapped_column(default=utcnow)  # last text from the resident
    due_at: Mapped[datetime | None]
    remind_at: Mapped[datetime | None]  # 75% of the time gone: remind whoever holds it
    reminded_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    visits: Mapped[int] = mapped_column(default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)

    category: Mapped[Category] = relationship()
    resident: Mapped[Resident | None] = relationship()
    community: Mapped[Community | None] = relationship()
    assignee: Mapped[Volunteer | None] = relationship()
    unit: Mapped[Department | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ActorKind(StrEnum):
    resident = "resident"
    volunteer = "volunteer"
    staff = "staff"
    unit = "unit"  # a department or partner unit, through its liaison
    system = "system"  # the worker's sweeps and automatic rules


class EventKind(StrEnum):
    """What a timeline event records. Reports and the dashboard match on these, never on text."""

    # Moves of the state machine (app/tickets/lifecycle.py `Move`): the event of each transition.
    dispatch = "dispatch"  # offers sent to volunteers or a unit
    no_taker = "no_taker"  # the last wave expired
    no_unit = "no_unit"  # a unit's category, but no unit of the ticket's street handles it
    assign = "assign"  # someone accepted, or staff assigned by hand
    start = "start"  # the volunteer is on the way
    revisit = "revisit"  # another visit is needed
    release = "release"  # the assignee gave it back
    escalate = "escalate"  # handed to a street department
    return_ = "return"  # the department sent it back to the community
    resolve = "resolve"  # work reported done
    close = "close"  # rated, unanswered survey, or closed by staff
    return_visit = "return_visit"  # rated unsatisfied (or "not fixed"): a return visit is owed
    reopen = "reopen"  # a return visit found more to do
    cancel = "cancel"  # withdrawn, or merged into another ticket
    split = "split"  # type: ignore[assignment]  # the member, not str.split; a merged report separated again (on the report and on its former parent)
    # What residents and callers did.
    received = "received"  # the ticket was opened (every channel); counted as "received"
    info_added = "info_added"  # a further text about the same problem
    call_recorded = "call_recorded"  # the IVR call that opened it, with its recordings
    thanks = "thanks"  # the resident acknowledged or thanked, nothing more
    unhappy = "unhappy"  # the resident said only "not satisfied", with no survey waiting
    urgent_alert = "urgent_alert"  # danger reported: staff on duty and the community were texted
    place_given = "place_given"  # the answer filled the ticket's place (data: text, community)
    place_missing = "place_missing"  # still nowhere to send anyone: staff were told instead
    # What staff and liaisons did.
    entered = "entered"  # keyed in by staff (dashboard or Open311)
    merged = "merged"  # another report of the same problem was folded into this one
    note = "note"  # a staff note on the timeline
    unit_note = "unit_note"  # the liaison of the unit holding it wrote about it (not a command)
    recategorised = "recategorised"  # staff corrected the category (data: from, to, text)
    ticket_edited = "ticket_edited"  # staff changed the ticket (data: changes {field: [old, new]})
    resident_edited = "resident_edited"  # staff changed the resident's details (data: changes)
    summarised = "summarised"  # staff wrote the problem after listening (data: text, before)
    redispatch = "redispatch"  # staff started a new dispatch round
    resident_texted = "resident_texted"  # staff texted the resident from the ticket page
    called_back = "called_back"  # staff called the resident back as asked
    # Dispatch and volunteers.
    offers_sent = "offers_sent"  # one wave of offers went out
    offer_expired = "offer_expired"  # an offer went unanswered in time
    offer_failed = "offer_failed"  # an offer text could not be delivered
    offer_declined = "offer_declined"  # a volunteer said no
    on_the_way = "on_the_way"  # the volunteer set off for a further visit
    # Deadlines.
    reminder_sent = "reminder_sent"  # 75% of the time gone: whoever holds it was reminded
    deadline_breached = "deadline_breached"  # the deadline passed with the ticket still open
    deadline_unknown = "deadline_unknown"  # working days past the holiday calendar: none set
    # Surveys and return visits.
    survey_sent = "survey_sent"  # the satisfaction survey went out
    survey_answered = "survey_answered"  # rated; data["rating"] holds the answer
    survey_no_answer = "survey_no_answer"  # the survey expired unanswered
    survey_invalid = "survey_invalid"  # answered with nothing usable
    survey_not_sent = "survey_not_sent"  # the survey could not be sent (data["reason"])
    survey_comment = "survey_comment"  # words sent after a rating
    survey_reminder_sent = "survey_reminder_sent"  # a reminder to answer the survey
    survey_call_retry = "survey_call_retry"  # the survey call is tried again
    followup_opened = "followup_opened"  # an unsatisfied answer opened a return visit (回访)
    followup_reminder_sent = "followup_reminder_sent"  # whoever owes the visit was reminded
    followup_overdue = "followup_overdue"  # the return visit is late
    followup_completed = "followup_completed"  # the return visit was made


class TicketEvent(Base):
    """One thing that happened to a ticket. Never updated or deleted; reports read from here."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),
        Index("ix_ticket_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 40, strict=True))
    from_status: Mapped[TicketStatus | None] = mapped_column(_status_enum())
    to_status: Mapped[TicketStatus | None] = mapped_column(_status_enum())
    actor_kind: Mapped[ActorKind] = mapped_column(str_enum(ActorKind, 12))
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class LiaisonLink(Base):
    """The /d/<token> page a department liaison gets with an escalated ticket.

    The token is the only credential, so it is long, random, expiring and used once.
    """

    __tablename__ = "liaison_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    department: Mapped[Department] = relationship()
