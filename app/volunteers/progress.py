"""What the holder of a ticket reports after accepting: on the way, done, again, or giving it back.

Each report is a lifecycle move made by the holder (a volunteer or a unit) and keeps the
volunteer's counters, which matching reads for load and reliability, in step.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.messaging.outbox import Text
from app.tickets import resolution
from app.tickets.lifecycle import Move, can, record, transition
from app.tickets.models import EventKind, Ticket
from app.tickets.models import TicketStatus as S
from app.volunteers import dispatch
from app.volunteers.dispatch import Party, bump
from app.volunteers.models import Offer, OfferStatus, Volunteer

HELD = (S.assigned, S.in_progress)
# Points per survey answer, as the survey records them: 满意, 基本满意, 不满意.
RATING_POINTS = {"satisfied": 2, "basically_satisfied": 1, "unsatisfied": 0}


def held_offers(session: Session, parties: list[Party]) -> list[Offer]:
    """The accepted offers of tickets these parties still hold, newest first."""
    return list(
        session.scalars(
            select(Offer)
            .join(Ticket, Offer.ticket_id == Ticket.id)
            .where(
                dispatch.offers_of(parties),
                Offer.status == OfferStatus.accepted,
                Ticket.status.in_(HELD),
            )
            .order_by(Offer.id.desc())
        )
    )


def on_the_way(session: Session, offer: Offer) -> Text:
    ticket = offer.ticket
    party = Party.of(offer)
    if can(ticket, Move.start):
        transition(ticket, Move.start, party.actor)
    else:
        record(ticket, EventKind.on_the_way, party.actor)  # setting off for a further visit
    return Text("task_started", party.language, {"code": ticket.code})


def done(session: Session, offer: Offer, note: str) -> Text:
    """Resolved by the holder; the resident is told."""
    ticket = offer.ticket
    party = Party.of(offer)
    resolution.resolve(session, ticket, party.actor, note)
    offer.status = OfferStatus.completed
    bump(offer.volunteer, completions=1, active_tasks=-1)
    return Text("task_done", party.language, {"code": ticket.code})


def again(session: Session, offer: Offer, note: str) -> Text:
    """Another visit is needed (a part to fetch): the ticket stays with the same holder."""
    ticket = offer.ticket
    party = Party.of(offer)
    transition(ticket, Move.revisit, party.actor, reason=note)  # the transition counts the visit
    return Text("task_again", party.language, {"code": ticket.code, "visits": ticket.visits})


def drop(session: Session, offer: Offer, note: str) -> Text:
    """Given back: it counts against the volunteer, and dispatch starts again at once."""
    ticket = offer.ticket
    party = Party.of(offer)
    transition(ticket, Move.release, party.actor, reason=note)
    ticket.assignee_id = None
    if offer.unit_id is not None:
        ticket.unit_id = None
    offer.status = OfferStatus.dropped
    bump(offer.volunteer, drops=1, active_tasks=-1)
    session.flush()
    dispatch.start(session, ticket)
    return Text("task_dropped", party.language, {"code": ticket.code})


def rate(volunteer: Volunteer, answer: str) -> None:
    """Count a resident's survey answer for the volunteer who did the work (for surveys)."""
    bump(volunteer, rating_points=RATING_POINTS[answer], ratings=1)
