"""Staff write a called-in problem in words after listening to its recording.

Speech is not always heard (a faint line, dialect, a caller who only said "喂"): the ticket then
has a recording and no words, and offers, the queue and reports need words. Whoever listens
types the problem; it becomes the ticket's problem, and the timeline keeps what it replaced.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.tickets.lifecycle import Actor, record
from app.tickets.models import EventKind, Ticket
from app.tickets.staff_actions import ActionRefused

MAX_SUMMARY_LENGTH = 500


def summarise(session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
    text = " ".join(text.split())[:MAX_SUMMARY_LENGTH]
    if not text:
        raise ActionRefused("empty summary")
    if not ticket.recording_url:
        raise ActionRefused("the ticket has no recording to listen to")
    before, ticket.description = ticket.description, text
    record(ticket, EventKind.summarised, actor, data={"text": text, "before": before})
    session.flush()
