"""A ticket's whole story, merged from several sources and drawn by one partial per kind.

Each source is a function (session, ticket) -> entries; the page sorts every entry by time and
includes the entry's partial with `entry.item` in scope. Other features add a section (offers
with match reasons, calls with a player, survey answers, follow-ups) by appending a source to
`TIMELINE_SOURCES` and adding its partial under templates/dashboard/timeline/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.messaging.models import Message
from app.tickets.models import Ticket, TicketEvent


@dataclass(frozen=True)
class Entry:
    at: datetime
    partial: str  # template path, e.g. "dashboard/timeline/event.html"
    item: Any  # the row the partial draws


TimelineSource = Callable[[Session, Ticket], Iterable[Entry]]


def ticket_events(session: Session, ticket: Ticket) -> Iterable[Entry]:
    rows = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    return (Entry(e.at, "dashboard/timeline/event.html", e) for e in rows)


def ticket_messages(session: Session, ticket: Ticket) -> Iterable[Entry]:
    """Texts in and out about the ticket, with their delivery status."""
    rows = session.scalars(
        select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
    )
    return (Entry(m.created_at, "dashboard/timeline/message.html", m) for m in rows)


TIMELINE_SOURCES: list[TimelineSource] = [ticket_events, ticket_messages]


def timeline(session: Session, ticket: Ticket) -> list[Entry]:
    entries = [entry for source in TIMELINE_SOURCES for entry in source(session, ticket)]
    return sorted(entries, key=lambda e: e.at)  # stable: same-time entries keep source order
