"""The same problem back soon after it was fixed: "灯还是不亮" reopens the ticket that fixed it.

A resident whose light went out again two days after a volunteer changed the bulb means that
request, not a new one: the ticket is reopened on a fresh community deadline and dispatch
chooses again, so the timeline and the figures keep one request that needed a second visit. A
survey waiting for an answer claims such words first (they are an unsatisfied answer there);
danger is always a new ticket, which alerts staff at once.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.categories.catalog import FALLBACK, Classification
from app.clock import utcnow
from app.messaging.outbox import Text
from app.residents.models import Resident
from app.scheduling.jobs import enqueue
from app.scheduling.models import JobKind
from app.tickets.due_dates import set_community_deadline
from app.tickets.intake import add_information, resident_actor
from app.tickets.lifecycle import Actor, Move, transition
from app.tickets.models import Ticket, TicketStatus

# A fix that failed within this many days of the resolution is the same request.
REOPEN_WINDOW_DAYS = 7

# "Still", "again": the words that say a problem came back.
_STILL = re.compile(
    r"还是|还没|又|仍然|依然|照样|还在|再次|(?<![a-z])(?:still|again)(?![a-z])", re.IGNORECASE
)

_FIXED = (TicketStatus.resolved, TicketStatus.closed, TicketStatus.return_visit)


def came_back(
    session: Session, resident: Resident, words: str, found: Classification
) -> Ticket | None:
    """The ticket whose fixed problem `words` say is back (still/again words, no danger), for
    any channel; None when they say no such thing or nothing fixed lately matches."""
    if found.urgent or not _STILL.search(words):
        return None
    return _fixed_before(session, resident, found)


def _fixed_before(session: Session, resident: Resident, found: Classification) -> Ticket | None:
    """The resident's ticket of this problem's category (any, for words of none: "又坏了")
    resolved within the window, the latest first."""
    query = (
        select(Ticket)
        .where(
            Ticket.resident_id == resident.id,
            Ticket.status.in_(_FIXED),
            Ticket.resolved_at >= utcnow() - timedelta(days=REOPEN_WINDOW_DAYS),
        )
        .order_by(Ticket.resolved_at.desc(), Ticket.id.desc())
        .limit(1)
    )
    if found.category != FALLBACK:
        query = query.where(Ticket.category_code == found.category)
    return session.scalar(query)


def reopen(
    session: Session, ticket: Ticket, resident: Resident, text: str, found: Classification
) -> Text:
    """The words go onto `ticket`, which reopens for the worker to dispatch at once; while staff
    arrange a return visit they only go to it. Returns the reply."""
    add_information(ticket, resident, text, found)
    if ticket.status is TicketStatus.return_visit:
        return Text("ticket_added", resident.language, {"code": ticket.code})
    back_to_dispatch(ticket, resident_actor(resident))
    enqueue(session, JobKind.ticket_reopened, ticket.id)
    return Text("ticket_reopened", resident.language, {"code": ticket.code})


def back_to_dispatch(
    ticket: Ticket, actor: Actor, *, reason: str = "", data: dict[str, Any] | None = None
) -> None:
    """Reopen a ticket whose problem is not fixed: nobody holds it any more (dispatch chooses
    again), on a fresh community deadline."""
    transition(ticket, Move.reopen, actor, reason=reason, data=data)
    ticket.assignee = None
    ticket.unit = None
    set_community_deadline(ticket, utcnow())
