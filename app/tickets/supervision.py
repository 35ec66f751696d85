"""Deadline supervision: remind whoever holds a ticket at 75% of its time, flag it at 100%.

Both sweeps walk a composite index (status, remind_at / due_at) over the active statuses only,
so a table of millions of finished tickets costs nothing; each handles a bounded batch and
stamps `reminded_at` / `breached_at` in the same transaction as the SMS it queues, so each
notice goes out once however often the sweep runs. A batch is written with one flush.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from app.categories.models import Category
from app.clock import utcnow
from app.config import current_settings
from app.messaging.outbox import Text, queue_sms
from app.tickets import office
from app.tickets.lifecycle import SYSTEM, record
from app.tickets.models import ACTIVE_STATUSES, EventKind, Ticket, TicketStatus

# The timeline event for a ticket that passed its deadline; reports count it as late.
BREACHED = EventKind.deadline_breached


def holder(ticket: Ticket) -> tuple[str, str, str] | None:
    """(who, phone, language) of whoever must act now: the department's liaison, the assigned
    volunteer, or else the community's staff (the office's, for a ticket without them)."""
    if ticket.status is TicketStatus.escalated and ticket.unit and ticket.unit.liaison_phone:
        return "department", ticket.unit.liaison_phone, "zh"
    if ticket.assignee is not None:
        return "volunteer", ticket.assignee.phone, ticket.assignee.language
    staff = office.staff_phone(ticket)
    return ("community", staff, "zh") if staff else None


def remind_due(session: Session) -> int:
    now = utcnow()
    tickets = _due(session, Ticket.remind_at, Ticket.reminded_at)
    for ticket in _without_autoflush(session, tickets):
        ticket.reminded_at = now
        target = holder(ticket)
        data = {"to": target[0] if target else "nobody"}
        if target is not None:
            assert ticket.due_at is not None
            values = {"code": ticket.code, "due": local_time(ticket.due_at)}
            queue_sms(
                session,
                target[1],
                Text("deadline_reminder", target[2], values),
                ticket_id=ticket.id,
                flush=False,
            )
        record(ticket, EventKind.reminder_sent, SYSTEM, data=data)
    session.flush()
    return len(tickets)


def flag_breaches(session: Session) -> int:
    now = utcnow()
    tickets = _due(session, Ticket.due_at, Ticket.breached_at)
    for ticket in _without_autoflush(session, tickets):
        ticket.breached_at = now
        staff = office.staff_phone(ticket)
        if staff:
            category = session.get(Category, ticket.category_code)
            values = {"code": ticket.code, "category": category.name_zh if category else ""}
            text = Text("deadline_breached", "zh", values)
            queue_sms(session, staff, text, ticket_id=ticket.id, flush=False)
        record(
            ticket,
            BREACHED,
            SYSTEM,
            data={"due_at": ticket.due_at.isoformat() if ticket.due_at else None},
        )
    session.flush()
    return len(tickets)


def _due(
    session: Session,
    when: InstrumentedAttribute[datetime | None],
    done: InstrumentedAttribute[datetime | None],
) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.status.in_(ACTIVE_STATUSES),
                when <= utcnow(),
                done.is_(None),
            )
            # No ORDER BY: it would make the planner walk the single-column time index
            # through every finished ticket; each due row is handled within a few ticks anyway.
            .limit(int(current_settings().HOTLINE_SWEEP_BATCH))
            .options(
                selectinload(Ticket.assignee),
                selectinload(Ticket.community),
                selectinload(Ticket.unit),
            )
        )
    )


def _without_autoflush(session: Session, rows: list[Ticket]) -> Iterator[Ticket]:
    """The batch is flushed once at the end; lookups meanwhile must not flush row by row."""
    with session.no_autoflush:
        yield from rows


def local_time(when: datetime) -> str:
    """A deadline as an SMS shows it: month, day and time in HOTLINE_TIMEZONE."""
    local = when.astimezone(current_settings().zone)
    return f"{local:%m-%d %H:%M}"
