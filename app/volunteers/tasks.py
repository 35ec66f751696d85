"""Dispatch sweeps, run by the worker's scheduler. Each reads columns, so a restart loses nothing,
and each is harmless to run twice: an offer closes only while it is still open, and a ticket
is only dispatched or advanced when nothing is open for it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, func, not_, select, update
from sqlalchemy.orm import Session, joinedload

from app.clock import utcnow
from app.config import current_settings
from app.messaging.delivery import FAILED_STATUSES
from app.messaging.models import Message
from app.scheduling.models import Job
from app.tickets import escalation, routing
from app.tickets.models import Ticket
from app.tickets.models import TicketStatus as S
from app.volunteers import dispatch
from app.volunteers.models import Offer, OfferStatus, Volunteer
from app.volunteers.progress import HELD

BATCH = 500
_NO_OPEN_OFFER = not_(
    exists().where(Offer.ticket_id == Ticket.id, Offer.status == OfferStatus.open)
)
# A new ticket's own job escalates or dispatches it (and carries its text's trace): the sweep
# only catches what no job holds, or it would offer a department's category to volunteers.
_NO_JOB = not_(exists().where(Job.ticket_id == Ticket.id))


def ticket_opened(session: Session, job: Job) -> None:
    """A new ticket (any channel): to its department if its category is one's, else dispatched.

    A job may run twice (a worker died after the work, before the commit): only a ticket still
    new and unheld is acted on."""
    ticket = _unheld(session, job, S.new)
    if ticket is not None:
        _escalate_or_dispatch(session, ticket, routing.route(session, ticket))


def category_found(session: Session, job: Job) -> None:
    """A ticket that found nobody as "other" and waited for staff, until its resident's next
    text said what it is: routed and offered as a new one of that category would be. Only a
    ticket still waiting, unheld, is acted on (a job may run twice)."""
    ticket = _unheld(session, job, S.unassigned)
    if ticket is None:
        return
    route = routing.route(session, ticket)
    if route.unit is None and route.elsewhere and ticket.community_id is not None:
        return  # only other streets' units do it: staff arrange it, as they were told
    _escalate_or_dispatch(session, ticket, route)


def ticket_reopened(session: Session, job: Job) -> None:
    """A fixed problem came back (`tickets.recurrence`): routed and offered again, as a new
    ticket of its category would be. Only a ticket still reopened and unheld is acted on."""
    ticket = _unheld(session, job, S.reopened)
    if ticket is not None:
        _escalate_or_dispatch(session, ticket, routing.route(session, ticket))


def _unheld(session: Session, job: Job, status: S) -> Ticket | None:
    """The job's ticket while it is still `status` and nobody holds it; with its community:
    its street decides the route, its place the offers' wording."""
    ticket = session.get(Ticket, job.ticket_id, options=[joinedload(Ticket.community)])
    if ticket is None or ticket.status is not status or ticket.assignee_id is not None:
        return None
    return ticket


def _escalate_or_dispatch(session: Session, ticket: Ticket, route: routing.Route) -> None:
    if not escalation.auto_escalate(session, ticket, route):
        dispatch.start(session, ticket, route)


def expire_offers(session: Session) -> int:
    """Close offers past their expiry or whose SMS failed, then move their tickets on."""
    now = utcnow()
    expired = session.scalars(
        select(Offer).where(Offer.status == OfferStatus.open, Offer.expires_at <= now).limit(BATCH)
    ).all()
    undelivered = session.scalars(
        select(Offer)
        .join(Message, Offer.message_id == Message.id)
        .where(Offer.status == OfferStatus.open, Message.status.in_(FAILED_STATUSES))
        .limit(BATCH)
    ).all()
    closed = sum(dispatch.give_up(session, o, OfferStatus.expired) for o in expired)
    for offer in undelivered:
        if dispatch.give_up(session, offer, OfferStatus.failed):
            closed += 1
            dispatch.replace(session, offer)
    stalled = session.scalars(
        select(Ticket).where(Ticket.status == S.dispatching, _NO_OPEN_OFFER).limit(BATCH)
    )
    for ticket in stalled:
        dispatch.advance(session, ticket)
    return closed


def dispatch_waiting(session: Session) -> int:
    """Dispatch tickets that need someone and have nobody asked: new ones from any channel,
    ones given back (DROP, a department's return) and reopened ones."""
    # A ticket without a community is looked at while its resident may still say where (then
    # staff are told, once); after that only the answer or a staff edit sends it on.
    placeless_since = utcnow() - 2 * timedelta(
        minutes=current_settings().HOTLINE_PLACE_WAIT_MINUTES
    )
    waiting = session.scalars(
        select(Ticket)
        .where(
            Ticket.status.in_((S.new, S.reopened)),
            Ticket.assignee_id.is_(None),
            _NO_OPEN_OFFER,
            _NO_JOB,
            Ticket.community_id.is_not(None) | (Ticket.received_at >= placeless_since),
        )
        .order_by(Ticket.received_at)
        .limit(BATCH)
    ).all()
    for ticket in waiting:
        dispatch.start(session, ticket)
    return len(waiting)


def refresh_load(session: Session) -> None:
    """Correct `active_tasks` where others' changes (a cancel, a staff close) left it high."""
    held = (
        select(func.count())
        .where(Ticket.assignee_id == Volunteer.id, Ticket.status.in_(HELD))
        .scalar_subquery()
    )
    session.execute(
        update(Volunteer)
        .where(Volunteer.active_tasks > 0, Volunteer.active_tasks != held)
        .values(active_tasks=held)
    )
