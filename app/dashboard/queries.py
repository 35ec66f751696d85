"""Read-side queries of the dashboard. Every ticket query is limited by `ticket_scope`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from app.auth.models import StaffRole, StaffUser
from app.auth.scope import community_scope, sees_all_communities, staff_scope, ticket_scope
from app.bad_input import calendar_date, whole_number
from app.communities.models import Community, Department, Street
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

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000  # rows in one CSV download
SOON_SHARE = 0.25  # under a quarter of the allowed time left: amber
DEFAULT_DAYS = 30  # a period not asked for: the last 30 days
MAX_DAYS = 366
ANY_STATUS = "all"  # the status filter's "every status" choice; "" means the open ones


@dataclass(frozen=True)
class QueueFilters:
    community: int | None = None
    category: str = ""
    status: str = ""  # "": open tickets (or every status when searching); "all"; one status
    channel: str = ""
    urgent: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> QueueFilters:
        status = args.get("status", "")
        page = whole_number(args.get("page"), "page", 100_000) or 1
        return cls(
            community=whole_number(args.get("community"), "community"),
            category=args.get("category", "")[:40],
            status=ANY_STATUS if status == ANY_STATUS else _member(TicketStatus, status),
            channel=_member(Channel, args.get("channel", "")),
            urgent=args.get("urgent") == "1",
            q=args.get("q", "").strip()[:100],
            page=page,
        )

    @property
    def shown(self) -> str:
        """What the page lists, for its heading and count: "open" tickets, a "search" through
        every status, "all" statuses, or one status's value."""
        if self.status:
            return self.status
        return "search" if self.q else "open"

    def query_args(self, **changes: object) -> dict[str, str]:
        """The filters as URL arguments (defaults left out), with `changes` applied."""
        values = {**self.__dict__, **changes}
        args = {
            "community": "" if values["community"] is None else str(values["community"]),
            "category": values["category"],
            "status": values["status"],
            "channel": values["channel"],
            "urgent": "1" if values["urgent"] else "",
            "q": values["q"],
            "page": "" if values["page"] == 1 else str(values["page"]),
        }
        return {name: value for name, value in args.items() if value}


def _member(kind: type[StrEnum], value: str) -> str:
    """`value` if it names a member of `kind`, else "" (no filter)."""
    return value if value in {m.value for m in kind} else ""


def period(args: Mapping[str, str], today: date) -> tuple[date, date]:
    """The asked-for local dates (`start`, `end`), defaulting to the last 30 days, at most a
    year long."""
    last = calendar_date(args.get("end"), "end") or today
    first = calendar_date(args.get("start"), "start") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        first, last = last, first
    return max(first, last - timedelta(days=MAX_DAYS - 1)), last


def period_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From local midnight starting `first` to local midnight after `last`."""
    return (
        datetime.combine(first, time(0), zone),
        datetime.combine(last + timedelta(days=1), time(0), zone),
    )


@dataclass(frozen=True)
class QueuePage:
    tickets: list[Ticket]
    total: int
    page: int
    pages: int


def queue(session: Session, user: StaffUser, filters: QueueFilters, region: str) -> QueuePage:
    """One page of the tickets in scope that match: urgent first, then the least time left
    (tickets without a deadline last). Without a status or a search: open tickets only; a
    search looks through every status, so a closed ticket's code still finds it."""
    where = _matching(user, filters, region)
    total = session.scalar(select(func.count()).select_from(Ticket).where(where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    query = _ordered(where).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return QueuePage(list(session.scalars(query)), total, page, pages)


def queue_export(
    session: Session, user: StaffUser, filters: QueueFilters, region: str
) -> list[Ticket]:
    """Every ticket the filters match (not one page), in queue order, for a CSV download."""
    query = _ordered(_matching(user, filters, region)).limit(EXPORT_LIMIT)
    return list(
        session.scalars(query.options(joinedload(Ticket.assignee), joinedload(Ticket.unit)))
    )


def received_between(
    session: Session, user: StaffUser, start: datetime, end: datetime
) -> list[Ticket]:
    """Tickets in scope received in [start, end), oldest first, for a period's CSV."""
    query = (
        select(Ticket)
        .where(ticket_scope(user), Ticket.received_at >= start, Ticket.received_at < end)
        .options(*_row_loads(), joinedload(Ticket.unit))
        .order_by(Ticket.received_at, Ticket.id)
        .limit(EXPORT_LIMIT)
    )
    return list(session.scalars(query))


def _row_loads() -> tuple[Any, ...]:
    return (
        joinedload(Ticket.community),
        joinedload(Ticket.category),
        joinedload(Ticket.resident),
        joinedload(Ticket.assignee),
    )


def _matching(user: StaffUser, filters: QueueFilters, region: str) -> ColumnElement[bool]:
    terms: list[ColumnElement[bool]] = [ticket_scope(user)]
    if filters.status == ANY_STATUS or (filters.q and not filters.status):
        pass
    elif filters.status:
        terms.append(Ticket.status == TicketStatus(filters.status))
    else:
        # The same sorted list as the partial index's predicate, so the planner can use it.
        terms.append(Ticket.status.in_(sorted(OPEN_STATUSES)))
    if filters.community is not None:
        terms.append(Ticket.community_id == filters.community)
    if filters.category:
        terms.append(Ticket.category_code == filters.category)
    if filters.channel:
        terms.append(Ticket.channel == Channel(filters.channel))
    if filters.urgent:
        terms.append(Ticket.priority == Priority.urgent)
    if filters.q:
        terms.append(_search(filters.q, region))
    return and_(*terms)


def _ordered(where: ColumnElement[bool]) -> Select[Ticket]:
    # Urgent first (danger: gas, fire, someone hurt), then by deadline.
    urgent_first = case((Ticket.priority == Priority.urgent, 0), else_=1)
    return (
        select(Ticket)
        .where(where)
        .options(*_row_loads())
        .order_by(urgent_first, Ticket.due_at.asc().nulls_last(), Ticket.id)
    )


def _search(q: str, region: str) -> ColumnElement[bool]:
    """A ticket code, a phone number (any way it is written) or words of the description."""
    terms = [
        Ticket.code.in_({q, q.upper()}),
        Ticket.description.contains(q, autoescape=True),
        Ticket.address.contains(q, autoescape=True),
    ]
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


def accounts(session: Session, user: StaffUser) -> list[StaffUser]:
    """The staff accounts `user` manages: all, or those inside their street."""
    query = select(StaffUser).where(staff_scope(user)).order_by(StaffUser.username)
    return list(session.scalars(query))


def account_places(session: Session, user: StaffUser) -> dict[str, list[Any]]:
    """The communities, units and streets `user` may put an account in: all of them, or their
    street's (and then no district-wide choice)."""
    street = user.street_id
    places: dict[str, list[Any]] = {}
    for name, model in (("communities", Community), ("departments", Department)):
        query = select(model).order_by(model.code)
        if street is not None:
            query = query.where(model.street_id == street)
        places[name] = list(session.scalars(query))
    streets = select(Street).order_by(Street.code)
    places["streets"] = list(
        session.scalars(streets if street is None else streets.where(Street.id == street))
    )
    return places


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
