"""Staff pausing and resuming volunteers, and how many active tickets each one holds."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.tickets.models import ACTIVE_STATUSES, Ticket
from app.volunteers.models import Volunteer


def pause(volunteer: Volunteer) -> None:
    """A paused volunteer gets no offers and cannot be assigned until resumed."""
    volunteer.active = False
    volunteer.paused_at = utcnow()


def resume(volunteer: Volunteer) -> None:
    volunteer.active = True
    volunteer.paused_at = None


def active_loads(session: Session, volunteer_ids: list[int]) -> dict[int, int]:
    """Active tickets assigned to each volunteer (missing ids hold none)."""
    if not volunteer_ids:
        return {}
    rows = session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(volunteer_ids), Ticket.status.in_(ACTIVE_STATUSES))
        .group_by(Ticket.assignee_id)
    )
    return {vid: count for vid, count in rows}
