"""How volunteers react to a ticket's moves (the `moved` signal of app/tickets/lifecycle.py).

A ticket cancelled (by the resident, by staff, or merged into another) or escalated to a
department no longer needs volunteers: open offers are withdrawn with a text and a holder is
released without it counting against them. Tickets announce the move; they never call in here.
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from app.tickets.lifecycle import Move, moved
from app.tickets.models import Ticket
from app.volunteers import dispatch

STAND_DOWN_MOVES = frozenset({Move.cancel, Move.escalate})


@moved.connect
def stand_down(ticket: Ticket, move: Move) -> None:
    if move in STAND_DOWN_MOVES:
        session = object_session(ticket)
        assert session is not None, "a moved ticket belongs to a session"
        dispatch.stand_down(session, ticket)
