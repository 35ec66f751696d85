"""The resident is told who is coming as soon as a volunteer takes their request.

When a volunteer takes the ticket (by a texted "1", a key on an offer call, or staff by hand),
the resident gets a text with the volunteer's name; a landline takes no SMS, so there it is a
short call saying the same. Tickets announce the move; they never call in here.
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from app.messaging.models import Priority
from app.messaging.outbox import Text, queue_call, queue_sms
from app.tickets.lifecycle import Move, moved
from app.tickets.links import call_url
from app.tickets.models import Ticket

COMING_FLOW = "coming"


@moved.connect
def volunteer_is_coming(ticket: Ticket, move: Move) -> None:
    if move is not Move.assign:  # before reading the resident: most moves never need them
        return
    resident = ticket.resident
    if resident is None or ticket.assignee is None:
        return  # a department's liaison took it: they arrange the visit themselves
    session = object_session(ticket)
    assert session is not None, "a moved ticket belongs to a session"
    values = {"code": ticket.code, "volunteer": ticket.assignee.name}
    if resident.can_receive_sms:
        text = Text("ticket_assigned", resident.language, values)
        queue_sms(session, resident.phone, text, ticket_id=ticket.id)
        return
    queue_call(
        session,
        resident.phone,
        call_url(COMING_FLOW, ticket.code),
        priority=Priority.notice,
        ticket_id=ticket.id,
        language=resident.language,
        values=values,
    )
