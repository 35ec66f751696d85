"""Read-side queries of the dashboard. Every ticket query is limited by `ticket_scope`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, case, or_, select, true
from sqlalchemy.orm import Session, joinedload

from app.auth.models import StaffRole, StaffUser
from app.auth.scope import community_scope, sees_all_communities, ticket_scope
from app.bad_input import whole_number
from app.communities.models import Department
from app.phones import InvalidPhone, normalize
from app.residents.models import Resident
from app.tickets.models import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from app.volunteers.models import Volunteer

QUEUE_LIMIT = 200
SOON_SHARE = 0.25  # under a quarter of the allowed time left: amber


@dataclass(frozen=True)
class QueueFilters:
    community: int | None = None
    category: str = ""
    status: str = ""
    channel: str = ""
    urgent: bool = False
    q: str = ""

    @classmethod
    def parse(cls, args: dict[str, str]) -> QueueFilters:
        return cls(
            community=whole_number(args.get("community"), "community"),
            category=args.get("category", "")[:40],
            status=_member(TicketStatus, args.get("status", "")),
            channel=_member(Channel, args.get("channel", "")),
            urgent=args.get("urgent") == "1",
            q=args.get("q", "").strip()[:100],
        )


def _member(kind: type[StrEnum], value: str) -> str:
    """`value` if it names a member of `kind`, else "" (no filter)."""
    return value if value in {m.value for m in kind} else ""


def queue(session: Session, user: StaffUser, filters: QueueFilters, region: str) -> list[Ticket]:
    """Open tickets in scope, soonest deadline first (tickets without one last)."""
    query = _open_tickets(user).options(
        joinedload(Ticket.community), joinedload(Ticket.category), joinedload(Ticket.resident)
    )
    if filters.community is not None:
        query = query.where(Ticket.community_id == filters.community)
    if filters.category:
        query = query.where(Ticket.category_code == filters.category)
    if filters.status:
        query = query.where(Ticket.status == TicketStatus(filters.status))
    if filters.channel:
        query = query.where(Ticket.channel == Channel(filters.channel))
    if filters.urgent:
        query = query.where(Ticket.priority == Priority.urgent)
    if filters.q:
        query = query.where(_search(filters.q, region))
    # Urgent first (danger: gas, fire, someone hurt), then by deadline.
    urgent_first = case((Ticket.priority == Priority.urgent, 0), else_=1)
    ordered = query.order_by(urgent_first, Ticket.due_at.asc().nulls_last(), Ticket.id)
    ordered = ordered.limit(QUEUE_LIMIT)
    return list(session.scalars(ordered))


def _open_tickets(user: StaffUser) -> Select[Ticket]:
    # The same sorted list as the partial index's predicate, so the planner can use it.
    return select(Ticket).where(Ticket.status.in_(sorted(OPEN_STATUSES)), ticket_scope(user))


def _search(q: str, region: str) -> ColumnElement[bool]:
    """A ticket code, a phone number (any way it is written) or words of the description."""
    terms = [Ticket.code == q, Ticket.description.contains(q, autoescape=True)]
    try:
        phone = normalize(q, region).e164
    except InvalidPhone:
        phone = None
    if phone:
        terms.append(Ticket.resident_id.in_(select(Resident.id).where(Resident.phone == phone)))
    return or_(*terms)


def time_left(ticket: Ticket, now: datetime) -> str:
    """ "late", "soon" (under a quarter of the allowed time left) or "fine"."""
    if ticket.due_at is None:
        return "fine"
    if ticket.due_at <= now:
        return "late"
    start = ticket.escalated_at or ticket.received_at
    allowed = (ticket.due_at - start).total_seconds()
    left = (ticket.due_at - now).total_seconds()
    return "soon" if allowed > 0 and left < allowed * SOON_SHARE else "fine"


def volunteers_for(session: Session, ticket: Ticket) -> list[Volunteer]:
    """Active volunteers of the ticket's community (everyone active if it has none)."""
    query = select(Volunteer).where(Volunteer.active).order_by(Volunteer.name)
    if ticket.community_id is not None:
        query = query.where(Volunteer.community_id == ticket.community_id)
    return list(session.scalars(query))


def departments(session: Session) -> list[Department]:
    """The street's departments, then its partner units: a ticket can be handed to either."""
    query = select(Department).order_by(Department.kind, Department.code)
    return list(session.scalars(query))


def roster(session: Session, user: StaffUser) -> list[Volunteer]:
    """Volunteers a user works with: their own community's, their street's, or all."""
    query = select(Volunteer).options(joinedload(Volunteer.community)).order_by(Volunteer.name)
    if not sees_all_communities(user) and user.role is not StaffRole.liaison:
        query = query.where(community_scope(user, Volunteer.community_id))
    return list(session.scalars(query))


def find_residents(session: Session, user: StaffUser, q: str, region: str) -> list[Resident]:
    """Residents by phone or name, limited to those the user's scope covers."""
    try:
        phone = normalize(q, region).e164
    except InvalidPhone:
        phone = None
    match = Resident.phone == phone if phone else Resident.name.contains(q, autoescape=True)
    query = select(Resident).where(match, _resident_scope(user)).order_by(Resident.name)
    return list(session.scalars(query.limit(50)))


def resident_in_scope(session: Session, user: StaffUser, resident_id: int) -> Resident | None:
    return session.scalar(select(Resident).where(Resident.id == resident_id, _resident_scope(user)))


def _resident_scope(user: StaffUser) -> ColumnElement[bool]:
    """Residents of the user's community, or with a ticket the user may see."""
    if sees_all_communities(user):
        return true()
    with_ticket = Resident.id.in_(select(Ticket.resident_id).where(ticket_scope(user)))
    return or_(community_scope(user, Resident.community_id), with_ticket)


def resident_tickets(session: Session, user: StaffUser, resident: Resident) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.resident_id == resident.id, ticket_scope(user))
            .order_by(Ticket.received_at.desc())
            .limit(100)
        )
    )


def category_corrections(session: Session, user: StaffUser, limit: int = 200) -> list[TicketEvent]:
    """Staff corrections of a category in scope, newest first, with their tickets."""
    query = (
        select(TicketEvent)
        .join(Ticket, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.kind == EventKind.recategorised, ticket_scope(user))
        .options(joinedload(TicketEvent.ticket))
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
