"""Withdrawing a ticket, by the resident or by staff: whoever was asked or holds it stands down
(app/volunteers/reactions.py, on the cancel move).

Without this, open offers on a cancelled ticket would later expire and count as no-replies
against volunteers who did nothing wrong.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.tickets.lifecycle import Actor, Move, transition
from app.tickets.models import Ticket


def cancel(session: Session, ticket: Ticket, actor: Actor, reason: str) -> None:
    transition(ticket, Move.cancel, actor, reason=reason)
