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

from app.communities.models import Community, Department
from app.messaging.models import Message
from app.surveys.models import FollowUp, Survey
from app.tickets.models import ActorKind, Ticket, TicketEvent
from app.voice.models import Call
from app.volunteers.models import Offer, OfferStatus


@dataclass(frozen=True)
class Entry:
    at: datetime
    partial: str  # template path, e.g. "dashboard/timeline/event.html"
    item: Any  # the row the partial draws
    kind: str = "system"  # what the page's filter calls it: one of KINDS
    routine: bool = False  # the line's own bookkeeping: folded away in a long timeline


# The timeline's filter: texts (and surveys), calls, what staff did, what the line did itself.
KINDS = ("messages", "calls", "staff", "system")
# Bookkeeping nobody needs to read unless something went wrong.
ROUTINE_EVENTS = frozenset(
    {
        "offers_sent",
        "offer_expired",
        "offer_failed",
        "reminder_sent",
        "survey_sent",
        "survey_reminder_sent",
        "survey_call_retry",
        "dispatch",
    }
)
ROUTINE_OFFERS = frozenset({OfferStatus.expired, OfferStatus.taken, OfferStatus.withdrawn})
FOLD_AT = 3  # this many routine entries in a row fold into one line


@dataclass(frozen=True)
class Fold:
    """Routine entries in a row, shown as one line that opens."""

    entries: list[Entry]


def folded(entries: list[Entry]) -> list[Entry | Fold]:
    """`entries` with every run of FOLD_AT or more routine entries folded into a Fold."""
    out: list[Entry | Fold] = []
    run: list[Entry] = []
    for entry in [*entries, None]:
        if entry is not None and entry.routine:
            run.append(entry)
            continue
        out.extend([Fold(run)] if len(run) >= FOLD_AT else run)
        run = []
        if entry is not None:
            out.append(entry)
    return out


TimelineSource = Callable[[Session, Ticket], Iterable[Entry]]


def ticket_events(session: Session, ticket: Ticket) -> Iterable[Entry]:
    rows = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    return (
        Entry(
            e.at,
            "dashboard/timeline/event.html",
            e,
            "staff" if e.actor_kind is ActorKind.staff else "system",
            e.kind in ROUTINE_EVENTS,
        )
        for e in rows
    )


def ticket_messages(session: Session, ticket: Ticket) -> Iterable[Entry]:
    """Texts in and out about the ticket, with their delivery status."""
    rows = session.scalars(
        select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
    )
    return (Entry(m.created_at, "dashboard/timeline/message.html", m, "messages") for m in rows)


def ticket_offers(session: Session, ticket: Ticket) -> Iterable[Entry]:
    """Who was asked, in which wave, with the score and the reasons matching stored."""
    rows = session.scalars(select(Offer).where(Offer.ticket_id == ticket.id).order_by(Offer.id))
    return (
        Entry(o.created_at, "dashboard/timeline/offer.html", o, routine=o.status in ROUTINE_OFFERS)
        for o in rows
    )


def ticket_calls(session: Session, ticket: Ticket) -> Iterable[Entry]:
    """Calls that made the ticket or surveyed it: the path taken, keys, speech, recordings."""
    rows = session.scalars(select(Call).where(Call.ticket_id == ticket.id).order_by(Call.id))
    return (Entry(c.started_at, "dashboard/timeline/call.html", c, "calls") for c in rows)


def ticket_surveys(session: Session, ticket: Ticket) -> Iterable[Entry]:
    rows = session.scalars(select(Survey).where(Survey.ticket_id == ticket.id).order_by(Survey.id))
    return (Entry(s.created_at, "dashboard/timeline/survey.html", s, "messages") for s in rows)


@dataclass(frozen=True)
class OwedVisit:
    followup: FollowUp
    owner: Community | Department | None  # who owes it: the department, else the community


def ticket_followups(session: Session, ticket: Ticket) -> Iterable[Entry]:
    """Return visits owed; an open one carries the form that records its outcome."""
    rows = session.scalars(
        select(FollowUp).where(FollowUp.ticket_id == ticket.id).order_by(FollowUp.id)
    )
    for f in rows:
        owner = (
            session.get(Department, f.department_id)
            if f.department_id
            else session.get(Community, f.community_id)
            if f.community_id
            else None
        )
        yield Entry(f.created_at, "dashboard/timeline/followup.html", OwedVisit(f, owner), "staff")


TIMELINE_SOURCES: list[TimelineSource] = [
    ticket_events,
    ticket_messages,
    ticket_offers,
    ticket_calls,
    ticket_surveys,
    ticket_followups,
]


def timeline(session: Session, ticket: Ticket) -> list[Entry]:
    entries = [entry for source in TIMELINE_SOURCES for entry in source(session, ticket)]
    return sorted(entries, key=lambda e: e.at)  # stable: same-time entries keep source order
