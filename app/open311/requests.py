"""Tickets as Open311 service requests, the standard search, and creating one by API.

What is public: the code, category, status, dates, the community or department responsible,
and a coarse location (community and building). GET needs no key, so without one the
`description` is the category's name, never the resident's own words: those carry names, phone
numbers and flat addresses ("我是张三，3栋2单元501，电话…"), and no pattern finds every name.
A valid staff key shows the words of the tickets that key's holder may see on the dashboard
(`ticket_scope`), and the category's name for the rest. The phone number, the resident's name and
the flat-level address are never part of an answer.

A search covers the last 90 days unless dates are given, newest first, at most 1000 requests a
page (GeoReport v2's defaults); `page` and `page_size` page through more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.auth.accounts import staff_actor
from app.auth.models import StaffUser
from app.auth.scope import community_in_scope, ticket_scope
from app.bad_input import BadInput, aware_datetime, whole_number
from app.categories.catalog import Classification, classify
from app.categories.models import Category
from app.clock import utcnow
from app.i18n import language_of, status_name
from app.phones import InvalidPhone, normalize
from app.residents.directory import find_or_create
from app.tickets.intake import open_ticket
from app.tickets.lifecycle import record
from app.tickets.models import OPEN_STATUSES, Channel, EventKind, Ticket

MAX_RESULTS = 1000  # per page
MAX_PAGE = 10_000
DEFAULT_WINDOW = timedelta(days=90)
MAX_DESCRIPTION = 4000


class Open311Error(Exception):
    """An error the API answers as [{"code": ..., "description": ...}]."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def service(category: Category) -> dict[str, Any]:
    keywords = [w for words in (category.keywords or {}).values() for w in words or []]
    return {
        "service_code": category.code,
        "service_name": category.name_zh,
        "description": category.name_en,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": category.handled_by or category.skill or category.code,
    }


def public_description(category: Category) -> str:
    """What a keyless reader learns of the problem: its category, in both languages."""
    return f"{category.name_zh} ({category.name_en})"


def as_request(ticket: Ticket, timezone: str, own_words: bool = False) -> dict[str, Any]:
    """The service request; `own_words` only for a key holder whose scope includes it."""
    zone = ZoneInfo(timezone)
    is_open = ticket.status in OPEN_STATUSES
    agency = ticket.unit if ticket.unit is not None else ticket.community
    place = " ".join(p for p in (_name(ticket.community), ticket.building) if p)
    updated = ticket.updated_at if is_open else (ticket.closed_at or ticket.updated_at)
    return {
        "service_request_id": ticket.code,
        "status": "open" if is_open else "closed",
        "status_notes": status_name(ticket.status.value, "zh"),
        "service_name": ticket.category.name_zh,
        "service_code": ticket.category_code,
        "description": ticket.description[:MAX_DESCRIPTION]
        if own_words
        else public_description(ticket.category),
        "agency_responsible": agency.name if agency is not None else None,
        "service_notice": None,
        "requested_datetime": _iso(ticket.received_at, zone),
        "updated_datetime": _iso(updated, zone),
        "expected_datetime": _iso(ticket.due_at, zone),
        "address": place or None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _name(community: Any) -> str:
    return community.name if community is not None else ""


def _iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Search:
    codes: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    statuses: list[str]
    page: int = 1
    page_size: int = MAX_RESULTS

    @classmethod
    def parse(cls, args: dict[str, str]) -> Search:
        return cls(
            codes=_list(args.get("service_request_id")),
            service_codes=_list(args.get("service_code")),
            start=_datetime(args.get("start_date"), "start_date"),
            end=_datetime(args.get("end_date"), "end_date"),
            statuses=[s for s in _list(args.get("status")) if s in ("open", "closed")],
            page=_whole(args.get("page"), "page", MAX_PAGE) or 1,
            page_size=_whole(args.get("page_size"), "page_size", MAX_RESULTS) or MAX_RESULTS,
        )


def search(session: Session, query: Search) -> list[Ticket]:
    """The standard filters; a list of ids overrides all the others (as the spec says)."""
    select_tickets = select(Ticket).options(
        joinedload(Ticket.category), joinedload(Ticket.community), joinedload(Ticket.unit)
    )
    if query.codes:
        select_tickets = select_tickets.where(Ticket.code.in_(query.codes[:MAX_RESULTS]))
    else:
        end = query.end or utcnow()
        start = query.start or end - DEFAULT_WINDOW
        select_tickets = select_tickets.where(Ticket.received_at.between(start, end))
        if query.service_codes:
            select_tickets = select_tickets.where(Ticket.category_code.in_(query.service_codes))
        if query.statuses == ["open"]:
            select_tickets = select_tickets.where(Ticket.status.in_(OPEN_STATUSES))
        elif query.statuses == ["closed"]:
            select_tickets = select_tickets.where(Ticket.status.not_in(OPEN_STATUSES))
    ordered = select_tickets.order_by(Ticket.received_at.desc(), Ticket.id.desc())
    page = ordered.limit(query.page_size).offset((query.page - 1) * query.page_size)
    return list(session.scalars(page).unique())


def in_scope(session: Session, user: StaffUser | None, tickets: list[Ticket]) -> set[int]:
    """Ids of those `tickets` whose own words `user`'s key may read (none without a key)."""
    if user is None or not tickets:
        return set()
    ids = [t.id for t in tickets]
    return set(session.scalars(select(Ticket.id).where(Ticket.id.in_(ids), ticket_scope(user))))


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()][:MAX_RESULTS]


def _whole(value: str | None, name: str, maximum: int) -> int | None:
    try:
        return whole_number(value, name, maximum)
    except BadInput as error:
        raise Open311Error(400, str(error)) from error


def _datetime(value: str | None, name: str) -> datetime | None:
    try:
        return aware_datetime(value, name)
    except BadInput as error:
        raise Open311Error(400, f"{error} (ISO 8601 with a UTC offset)") from error


def create_request(session: Session, user: StaffUser, form: dict[str, str], region: str) -> Ticket:
    """Open a ticket for a resident identified by phone, within the key holder's scope."""
    code = form.get("service_code", "").strip()
    category = session.get(Category, code) if code else None
    if category is None:
        raise Open311Error(400, "service_code is missing or unknown")
    text = form.get("description", "").strip()[:MAX_DESCRIPTION]
    if not text:
        raise Open311Error(400, "description is required")
    try:
        phone = normalize(form.get("phone", ""), region)
    except InvalidPhone as error:
        raise Open311Error(400, "phone is required: residents are known by their number") from error
    resident = find_or_create(session, phone, language_of(text, "zh"))
    if resident.community_id is None and user.community_id is not None:
        resident.community_id = user.community_id
    if not community_in_scope(user, resident.community_id):
        raise Open311Error(403, "this api_key may not open tickets for that community")
    name = " ".join(form.get(k, "").strip() for k in ("first_name", "last_name")).strip()
    if name and not resident.name:
        resident.name = name[:100]
    danger = classify(text)
    found = Classification(code, None, danger.urgent, danger.danger_word)
    ticket = open_ticket(session, resident, text, Channel.open311, found)
    address = form.get("address_string", "").strip()
    if address:
        ticket.address = address[:200]
    record(ticket, EventKind.entered, staff_actor(user), data={"via": "open311"})
    session.flush()
    return ticket
