"""What each staff user may see and act on: the one place the rule is written.

Every dashboard query and the Open311 POST go through `ticket_scope`/`ticket_in_scope`, so a
community office can never reach another community's ticket by guessing a code. An office or
admin user with a street (`StaffUser.street_id`) is limited to that street's communities; one
without a street sees the whole district.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session, object_session

from app.auth.models import StaffRole, StaffUser
from app.communities.models import Community, Department
from app.tickets.models import Ticket

_WIDE = (StaffRole.office, StaffRole.admin)


def ticket_scope(user: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause on Ticket limiting it to what `user` may see.

    A liaison sees tickets escalated to their department, still there or since handled there
    (`escalated_at` stays set once a ticket has been escalated).
    """
    if user.role is StaffRole.liaison and user.department_id is not None:
        return (Ticket.unit_id == user.department_id) & Ticket.escalated_at.is_not(None)
    return community_scope(user, Ticket.community_id)


def community_scope(user: StaffUser, column: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting a community id `column` (of tickets, residents, volunteers...)
    to the communities `user` covers: all, one street's, their own, or none."""
    if user.role in _WIDE:
        if user.street_id is None:
            return true()
        streets: ColumnElement[bool] = column.in_(
            select(Community.id).where(Community.street_id == user.street_id)
        )
        return streets
    if user.role is StaffRole.community and user.community_id is not None:
        own: ColumnElement[bool] = column == user.community_id
        return own
    return false()


def ticket_in_scope(session: Session, user: StaffUser, code: str) -> Ticket | None:
    """The ticket with this public code, or None if it does not exist or is out of scope."""
    return session.scalar(select(Ticket).where(Ticket.code == code, ticket_scope(user)))


def community_in_scope(user: StaffUser, community_id: int | None) -> bool:
    """May `user` act for this community (Open311 POST, staff entry, its volunteers)?"""
    if user.role in _WIDE:
        if user.street_id is None:
            return True
        session = object_session(user)
        community = session.get(Community, community_id) if session and community_id else None
        return community is not None and community.street_id == user.street_id
    return user.role is StaffRole.community and community_id == user.community_id


def sees_all_communities(user: StaffUser) -> bool:
    """The whole district: an office or admin user not limited to a street."""
    return user.role in _WIDE and user.street_id is None


def street_of(user: StaffUser) -> int | None:
    """The street whose figures and rankings `user` is shown (None: the district). Community
    staff and liaisons see their own community's or department's street."""
    if user.street_id is not None:
        return user.street_id
    session = object_session(user)
    if session is None:
        return None
    if user.role is StaffRole.community and user.community_id is not None:
        return session.scalar(select(Community.street_id).where(Community.id == user.community_id))
    if user.role is StaffRole.liaison and user.department_id is not None:
        return session.scalar(
            select(Department.street_id).where(Department.id == user.department_id)
        )
    return None


def staff_scope(user: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause on StaffUser: the accounts `user` may see and manage. Without a street,
    every account; with one, the accounts inside that street: office and admin users limited to
    it, its communities' staff and its departments' liaisons (a district-wide account, or one
    of another street, is out of reach)."""
    if user.street_id is None:
        return true()
    street = user.street_id
    return or_(
        and_(StaffUser.role.in_(_WIDE), StaffUser.street_id == street),
        and_(
            StaffUser.role == StaffRole.community,
            StaffUser.community_id.in_(select(Community.id).where(Community.street_id == street)),
        ),
        and_(
            StaffUser.role == StaffRole.liaison,
            StaffUser.department_id.in_(
                select(Department.id).where(Department.street_id == street)
            ),
        ),
    )


def manages(session: Session, by: StaffUser | None, user: StaffUser) -> bool:
    """Is `user` (as stored now) within `by`'s reach? `by` None is the operator at the console,
    who manages every account."""
    if by is None or by.street_id is None:
        return True
    session.flush()
    query = select(StaffUser.id).where(StaffUser.id == user.id, staff_scope(by))
    return session.scalar(query) is not None
