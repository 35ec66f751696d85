"""What staff do about who handles a ticket: assign a volunteer by hand, or dispatch it again.

Called from the dashboard like app/tickets/staff_actions.py, and refused the same way.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.tickets.lifecycle import Actor, IllegalTransition, Move, record
from app.tickets.models import EventKind, Ticket
from app.tickets.staff_actions import ActionRefused
from app.volunteers import dispatch
from app.volunteers.models import Volunteer


def assign_volunteer(session: Session, ticket: Ticket, actor: Actor, volunteer: Volunteer) -> None:
    """Assign by hand, e.g. after a phone call, when no offer found a taker."""
    if not volunteer.active:
        raise ActionRefused("volunteer_paused")
    dispatch.assign_by_hand(session, ticket, volunteer, actor)


def redispatch(session: Session, ticket: Ticket, actor: Actor) -> None:
    """Offer the ticket again (nobody took it, or it came back): a new round of waves."""
    if ticket.status not in dispatch.STARTABLE or ticket.assignee_id is not None:
        raise IllegalTransition(ticket, Move.dispatch)
    record(ticket, EventKind.redispatch, actor)
    dispatch.start(session, ticket)
    session.flush()
