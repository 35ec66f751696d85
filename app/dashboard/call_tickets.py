"""Calls staff turn into tickets: those put through to someone on duty, and missed ones.

"Make a ticket" on either opens the new-ticket page with the caller's number filled in; the
ticket made is linked to the call (its timeline shows the call), and a missed call is then
returned, so it leaves the call-back list.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import StaffUser
from app.clock import utcnow
from app.dashboard import callbacks
from app.tickets.models import Ticket
from app.voice.models import Call, CallOutcome, CallPurpose

RECENT_HOURS = 48  # calls put through longer ago than this are not offered any more


def answered_calls(session: Session, user: StaffUser) -> list[Call]:
    """Recent calls put through to staff that have no ticket yet, newest first, in scope."""
    calls = session.scalars(
        select(Call)
        .where(
            Call.purpose == CallPurpose.intake,
            Call.outcome == CallOutcome.connected,
            Call.ticket_id.is_(None),
            Call.started_at >= utcnow() - timedelta(hours=RECENT_HOURS),
        )
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(20)
    )
    return [c for c in calls if callbacks.call_in_scope(session, user, c.id) is not None]


def ticket_made(session: Session, user: StaffUser, call: Call, ticket: Ticket) -> None:
    """Link the call to the ticket made from it; a missed call counts as returned."""
    if call.ticket_id is None:
        call.ticket_id = ticket.id
    if call.outcome is CallOutcome.missed:
        callbacks.called_back(session, user, ticket.code, call=call)
    session.flush()
