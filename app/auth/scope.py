"""What each staff user may see and act on: the one place the rule is written.

Every dashboard query and the Open311 POST go through `ticket_scope`/`ticket_in_scope`, so a
community office can never reach another community's ticket by guessing a code.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from app.auth.models import StaffRole, StaffUser
from app.tickets.models import Ticket


def ticket_scope(user: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause on Ticket limiting it to what `user` may see.

    A liaison sees tickets escalated to their department, still there or since handled there
    (`escalated_at` stays set once a ticket has been escalated).
    """
    if user.role in (StaffRole.office, StaffRole.admin):
        return true()
    if user.role is StaffRole.community and user.community_id is not None:
        return Ticket.community_id == user.community_id
    if user.role is StaffRole.liaison and user.department_id is not None:
        return (Ticket.unit_id == user.department_id) & Ticket.escalated_at.is_not(None)
    return false()


def ticket_in_scope(session: Session, user: StaffUser, code: str) -> Ticket | None:
    """The ticket with this public code, or None if it does not exist or is out of scope."""
    return session.scalar(select(Ticket).where(Ticket.code == code, ticket_scope(user)))


def community_in_scope(user: StaffUser, community_id: int | None) -> bool:
    """May `user` open a ticket for this community (Open311 POST, staff entry)?"""
    if user.role in (StaffRole.office, StaffRole.admin):
        return True
    return user.role is StaffRole.community and community_id == user.community_id


def sees_all_communities(user: StaffUser) -> bool:
    return user.role in (StaffRole.office, StaffRole.admin)
