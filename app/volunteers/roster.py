"""Staff pausing and resuming volunteers, and the figures the roster page shows for each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.tickets.models import ACTIVE_STATUSES, Ticket
from app.volunteers import matching
from app.volunteers.models import Offer, Volunteer


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
    return {vid: count for vid, count in rows if vid is not None}


def reliabilities(session: Session, volunteer_ids: list[int]) -> dict[int, float]:
    """Each volunteer's reliability (0..1), the same figure matching ranks by."""
    if not volunteer_ids:
        return {}
    rows = session.execute(
        select(Volunteer.id, matching.reliability()).where(Volunteer.id.in_(volunteer_ids))
    )
    return {vid: float(score) for vid, score in rows}


def last_offers(session: Session, volunteer_ids: list[int]) -> dict[int, datetime]:
    """When each volunteer was last asked about a ticket (missing ids: never)."""
    if not volunteer_ids:
        return {}
    rows = session.execute(
        select(Offer.volunteer_id, func.max(Offer.created_at))
        .where(Offer.volunteer_id.in_(volunteer_ids))
        .group_by(Offer.volunteer_id)
    )
    return {vid: at for vid, at in rows if vid is not None}
