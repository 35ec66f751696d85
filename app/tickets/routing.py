"""Which department or partner unit takes a ticket of a category: always one of the ticket's own
street, never another street's.

A unit declares the categories it handles for its street (`Department.categories`, the
`categories` column of `hotline import departments`); a unit that declares none handles what the
categories' data file names it for (`handled_by: civil`), so an installation of one street works
from the data file alone. A ticket's street is its community's; a ticket with no community yet
is matched against the units without a street. When units elsewhere handle the category but the
ticket's street has none (`handled_elsewhere`), the ticket goes to staff, not across streets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.communities.models import Community, Department, Street, UnitKind
from app.tickets.models import Ticket


def street_id(ticket: Ticket) -> int | None:
    return ticket.community.street_id if ticket.community is not None else None


@dataclass(frozen=True)
class Route:
    """Where a new ticket goes, read once for the worker's intake (escalate, offer or dispatch):
    the unit of its street that takes its category (None: volunteers), and whether units of
    other streets handle it (then, with none in its own, staff arrange it)."""

    unit: Department | None
    elsewhere: bool


def route(session: Session, ticket: Ticket) -> Route:
    """`unit_for` and `handled_elsewhere` together, from one read of every unit (a short list)."""
    own, code = street_id(ticket), ticket.category_code
    units = session.scalars(select(Department).order_by(Department.kind, Department.code)).all()
    mine = [u for u in units if u.street_id == own]
    return Route(_taker(_ordered(mine, code), code), _elsewhere(units, own, code))


def unit_for(session: Session, ticket: Ticket) -> Department | None:
    """The unit of `ticket`'s street that handles its category: a department (escalated to),
    else a partner unit its liaison can be offered the ticket by; None when there is none."""
    return _taker(street_units(session, ticket), ticket.category_code)


def handled_elsewhere(session: Session, ticket: Ticket) -> bool:
    """Does a unit of another street (or of none) handle `ticket`'s category? Asked when its own
    street has none: then the category is a unit's, and staff must arrange it."""
    units = session.scalars(select(Department))
    return _elsewhere(units, street_id(ticket), ticket.category_code)


def street_units(session: Session, ticket: Ticket) -> list[Department]:
    """The units staff may hand `ticket` to: its street's, those handling its category first,
    then departments before partner units."""
    query = select(Department).where(_in_street_of(ticket))
    units = session.scalars(query.order_by(Department.kind, Department.code))
    return _ordered(units, ticket.category_code)


def _ordered(units: Iterable[Department], code: str) -> list[Department]:
    return sorted(units, key=lambda u: not u.handles(code))


def _taker(ordered: list[Department], code: str) -> Department | None:
    for unit in ordered:
        if not unit.handles(code):
            return None
        if unit.kind is UnitKind.department or unit.liaison_phone:
            return unit
    return None


def _elsewhere(units: Iterable[Department], own: int | None, code: str) -> bool:
    return any(u.street_id != own and u.handles(code) for u in units)


def street_name(session: Session, ticket: Ticket, language: str) -> str:
    """The ticket's street as staff call it ("" without one)."""
    own = street_id(ticket)
    street = session.get(Street, own) if own is not None else None
    return street.display_name(language) if street else ""


def _in_street_of(ticket: Ticket) -> ColumnElement[bool]:
    """Units of the ticket's street, in one statement with its community's street (the SMS
    reply names the unit, on the webhook's budget of statements)."""
    if ticket.community_id is None:
        return Department.street_id.is_(None)
    street = select(Community.street_id).where(Community.id == ticket.community_id)
    own = street.scalar_subquery()
    return or_(Department.street_id == own, Department.street_id.is_(None) & own.is_(None))
