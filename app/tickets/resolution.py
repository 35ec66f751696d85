"""Work reported done: by the volunteer who holds the ticket, or by the department it was
escalated to. Either way the ticket is resolved and the resident is told the same words
(`resident_done`); the survey sweep takes over from there."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.messaging.outbox import Text, queue_sms
from app.tickets.lifecycle import Actor, Move, transition
from app.tickets.models import Ticket


def resolve(session: Session, ticket: Ticket, actor: Actor, note: str) -> None:
    """Resolve with the holder's note and tell the resident (a landline is left alone)."""
    transition(ticket, Move.resolve, actor, reason=note, data={"note": note})
    resident = ticket.resident
    if resident is not None:
        queue_sms(
            session,
            resident.phone,
            Text("resident_done", resident.language, {"code": ticket.code}),
            ticket_id=ticket.id,
            landline=not resident.can_receive_sms,
        )
