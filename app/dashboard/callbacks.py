"""Missed calls and call-back requests: the list staff work through, and marking one done.

A missed call is a caller who hung up before a ticket existed (`voice.calls.missed_calls`); a
call-back request is a ticket whose caller left a voice message when nobody on duty answered.
Each stays on the list until someone records that they called back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, not_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.accounts import staff_actor
from app.auth.models import StaffUser
from app.auth.scope import community_in_scope, sees_all_communities, ticket_scope
from app.clock import utcnow
from app.dashboard.models import CallBack
from app.residents.models import Resident
from app.tickets.lifecycle import record
from app.tickets.models import EventKind, Ticket
from app.voice.calls import missed_calls
from app.voice.models import Call

MAX_NOTE = 500
MISSED_DAYS = 30  # older missed calls are not worth returning any more


@dataclass(frozen=True)
class Worklist:
    calls: list[Call]  # missed calls nobody has returned, newest first
    tickets: list[Ticket]  # tickets whose caller asked to be called back, oldest first


def worklist(session: Session, user: StaffUser) -> Worklist:
    """What `user` still owes: calls from their community's residents (the office: all), of the
    last MISSED_DAYS days."""
    recent = missed_calls(session, since=utcnow() - timedelta(days=MISSED_DAYS))
    done = set(
        session.scalars(select(CallBack.call_id).where(CallBack.call_id.in_(c.id for c in recent)))
    )
    calls = [c for c in recent if c.id not in done and _owes(user, c)]
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.callback_requested.is_(True),
            ticket_scope(user),
            not_(exists().where(CallBack.ticket_id == Ticket.id)),
        )
        .order_by(Ticket.received_at)
    )
    return Worklist(calls, list(tickets))


def _owes(user: StaffUser, call: Call) -> bool:
    """The office returns every call; community staff those of their own residents."""
    if sees_all_communities(user):
        return True
    resident: Resident | None = call.resident
    return resident is not None and community_in_scope(user, resident.community_id)


def call_in_scope(session: Session, user: StaffUser, call_id: int) -> Call | None:
    call = session.get(Call, call_id)
    return call if call is not None and _owes(user, call) else None


def called_back(
    session: Session,
    user: StaffUser,
    note: str,
    *,
    call: Call | None = None,
    ticket: Ticket | None = None,
) -> bool:
    """Record that `user` returned the call (or the ticket's requested call back); a ticket
    also gets a `called_back` event. False if someone had already recorded it."""
    note = note.strip()[:MAX_NOTE]
    row = CallBack(
        call_id=call.id if call else None,
        ticket_id=ticket.id if ticket else None,
        staff_id=user.id,
        staff_label=user.username,
        note=note,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    if ticket is not None:
        record(ticket, EventKind.called_back, staff_actor(user), reason=note)
    session.flush()
    return True
