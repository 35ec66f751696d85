"""The ticket state machine: every move is named, checked, and written to the timeline.

Callers never assign `ticket.status` directly; they call `transition()`, which refuses a move the
table below does not allow with `IllegalTransition` and leaves the ticket untouched. The status
changes by a conditional UPDATE, so a move made concurrently by someone else is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from blinker import Namespace
from sqlalchemy.orm import object_session

from app.clock import utcnow
from app.db import LostRace, claim
from app.tickets.models import ActorKind, EventKind, Ticket, TicketEvent
from app.tickets.models import TicketStatus as S


@dataclass(frozen=True)
class Actor:
    """Who caused an event: shown on the timeline and counted in reports."""

    kind: ActorKind
    id: int | None = None
    label: str = ""


SYSTEM = Actor(ActorKind.system, label="system")

# Sent after every move, inside the caller's transaction, as `moved.send(ticket, move=move)`.
# Other packages react here (volunteers stand down when a ticket is cancelled or escalated)
# instead of tickets calling into them.
moved = Namespace().signal("ticket-moved")


class Move(StrEnum):
    dispatch = "dispatch"  # offers sent to volunteers or a unit
    no_taker = "no_taker"  # the last wave expired
    no_unit = "no_unit"  # units handle its category, but none of its street: staff arrange it
    assign = "assign"  # someone accepted, or staff assigned by hand
    start = "start"  # the volunteer is on the way
    revisit = "revisit"  # another visit is needed; the ticket stays with the same person
    release = "release"  # the assignee gave it back; dispatch starts again
    escalate = "escalate"  # handed to a street department
    return_ = "return"  # the department sent it back to the community
    resolve = "resolve"  # work reported done
    close = "close"  # rated, unanswered survey, return visit accepted, or closed by staff
    return_visit = "return_visit"  # rated unsatisfied (or "not fixed"): a return visit is owed
    reopen = "reopen"  # a return visit found more to do
    cancel = "cancel"  # withdrawn, or merged into another ticket
    split = "split"  # type: ignore[assignment]  # the member, not str.split; staff separate a merged report again; it starts over as new


_OPEN = {S.new, S.dispatching, S.unassigned, S.assigned, S.in_progress, S.escalated, S.reopened}

TRANSITIONS: dict[Move, tuple[frozenset[S], S]] = {
    Move.dispatch: (frozenset({S.new, S.unassigned, S.reopened}), S.dispatching),
    Move.no_taker: (frozenset({S.dispatching}), S.unassigned),
    Move.no_unit: (frozenset({S.new}), S.unassigned),
    Move.assign: (frozenset({S.new, S.dispatching, S.unassigned, S.reopened}), S.assigned),
    Move.start: (frozenset({S.assigned}), S.in_progress),
    Move.revisit: (frozenset({S.assigned, S.in_progress}), S.in_progress),
    Move.release: (frozenset({S.assigned, S.in_progress}), S.new),
    Move.escalate: (frozenset(_OPEN - {S.escalated}), S.escalated),
    Move.return_: (frozenset({S.escalated}), S.new),
    Move.resolve: (frozenset({S.assigned, S.in_progress, S.escalated}), S.resolved),
    Move.close: (frozenset({S.resolved, S.return_visit}), S.closed),
    Move.return_visit: (frozenset({S.resolved, S.closed}), S.return_visit),
    Move.reopen: (frozenset({S.resolved, S.closed, S.return_visit}), S.reopened),
    Move.cancel: (frozenset(_OPEN), S.cancelled),
    Move.split: (frozenset({S.cancelled}), S.new),
}

# A visit is a volunteer reporting back from the door: "done" or "another visit needed".
# Counted here, where the event is written, so `visits` always equals those events.
_VISIT_MOVES = frozenset({Move.resolve, Move.revisit})


class IllegalTransition(Exception):
    """A move the state machine does not allow from the ticket's current status."""

    def __init__(self, ticket: Ticket, move: Move) -> None:
        super().__init__(f"ticket {ticket.code}: cannot {move.value} from {ticket.status.value}")
        self.ticket = ticket
        self.move = move


class MovedMeanwhile(IllegalTransition, LostRace):
    """The move was allowed from the status read, but a concurrent unit moved the ticket first."""


def can(ticket: Ticket, move: Move) -> bool:
    return ticket.status in TRANSITIONS[move][0]


def transition(
    ticket: Ticket,
    move: Move,
    actor: Actor,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Apply `move` to `ticket`, stamping the matching timestamp, and append its event."""
    sources, target = TRANSITIONS[move]
    if ticket.status not in sources:
        raise IllegalTransition(ticket, move)
    before = ticket.status
    session = object_session(ticket)
    now = utcnow()
    # Compare and set in the database: of two requests that both read `before`, the second
    # finds the ticket moved on (re-read) and is refused like any other illegal move. The
    # ticket's time is the event's, so recording the event changes nothing more.
    if session is None:
        ticket.status = target
    elif not claim(session, ticket, Ticket.status == before, status=target, updated_at=now):
        raise MovedMeanwhile(ticket, move)
    if move is Move.resolve:
        ticket.resolved_at = now
        data = {**(data or {}), **_punctuality(ticket, now)}
    elif move is Move.close:
        ticket.closed_at = now
    elif move is Move.escalate:
        ticket.escalated_at = now
    if move in _VISIT_MOVES and actor.kind is ActorKind.volunteer:
        ticket.visits = (ticket.visits or 0) + 1
    event = record(
        ticket, EventKind(move.value), actor, reason=reason, data=data, from_status=before, at=now
    )
    moved.send(ticket, move=move)
    return event


def _punctuality(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """On time is judged when the work is reported done, against the deadline of that moment
    (a later survey, return visit or new deadline does not change it): kept on the event. A
    ticket without a deadline then (past the holiday calendar) is neither on time nor late."""
    due = ticket.due_at
    if due is None:
        return {"due_at": None, "on_time": None}
    return {"due_at": due.isoformat(), "on_time": now <= due}


def record(
    ticket: Ticket,
    kind: EventKind,
    actor: Actor,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    from_status: S | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """Append an event to the timeline; for a status change `from_status` is the old status."""
    event = TicketEvent(
        kind=kind,
        at=at or utcnow(),
        from_status=from_status,
        to_status=ticket.status if from_status is not None else None,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        reason=reason,
        data=data or {},
    )
    # Set the owning side rather than appending, so a long timeline is not loaded to add to it.
    event.ticket = ticket
    session = object_session(ticket)
    if session is not None:
        session.add(event)
    ticket.updated_at = event.at
    return event


def event_row(kind: EventKind, actor: Actor, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """Every column of a new ticket's first event but its `ticket_id`, for a Core INSERT (no
    flush) written with the ticket, in the ticket's own statement or one after it."""
    return {
        "at": at,
        "kind": kind,
        "from_status": None,
        "to_status": None,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "reason": "",
        "data": data,
    }
