"""Whom staff can assign a ticket to by hand: the dispatch matching's own ranking first, with
its reasons, then the community's other volunteers with why the matching passed them over.

The ranked part is `matching.candidates` itself, so staff see the order dispatch would use
(proximity, reliability, free capacity, fairness). Only volunteers who declined or gave the
ticket back are left out of it; someone who simply did not answer an offer may still be
picked after a phone call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.categories.models import Category
from app.clock import utcnow
from app.config import current_settings
from app.messaging.models import OptOut
from app.tickets.models import Priority, Ticket
from app.volunteers import matching
from app.volunteers.availability import Availability, InvalidAvailability
from app.volunteers.models import Offer, OfferStatus, Volunteer

RANKED = 10  # the matching's best, shown first
OTHERS = 40  # the community's other volunteers, shown after
NO_ROUND = -1  # a dispatch round no offer has: only refusals rule anyone out
# Why the matching passed someone over, in the order the rules are checked.
PASSED_OVER = (
    "paused",
    "landline",
    "opted_out",
    "skill",
    "busy",
    "declined",
    "not_now",
    "offers_today",
)


@dataclass(frozen=True)
class Choice:
    volunteer: Volunteer
    score: float | None  # None: the matching passed this volunteer over
    reasons: dict[str, Any] = field(default_factory=dict)
    passed_over: str = ""  # why, when score is None: paused, landline, skill, busy, ...


def choices(session: Session, ticket: Ticket) -> list[Choice]:
    """The ranked candidates best first, then the ticket community's other volunteers."""
    ranked = matching.candidates(session, ticket, RANKED, round_=NO_ROUND)
    people = {
        v.id: v
        for v in session.scalars(
            select(Volunteer)
            .where(Volunteer.id.in_([c.volunteer_id for c in ranked]))
            .options(joinedload(Volunteer.community))
        )
    }
    found = [Choice(people[c.volunteer_id], c.score, c.reasons) for c in ranked]
    others = select(Volunteer).options(joinedload(Volunteer.community))
    if ticket.community_id is not None:
        others = others.where(Volunteer.community_id == ticket.community_id)
    others = others.where(Volunteer.id.not_in(list(people))).order_by(
        Volunteer.active.desc(), Volunteer.active_tasks, Volunteer.id
    )
    found += [
        Choice(v, None, passed_over=_passed_over(session, ticket, v))
        for v in session.scalars(others.limit(OTHERS))
    ]
    return found


def _passed_over(session: Session, ticket: Ticket, volunteer: Volunteer) -> str:
    """The first rule of the matching this volunteer fails."""
    category = session.get(Category, ticket.category_code)
    skill = (category.skill or category.code) if category else ""
    if not volunteer.active or volunteer.paused_at is not None:
        return "paused"
    if volunteer.phone_kind == "landline":
        return "landline"
    if session.scalar(select(OptOut.phone).where(OptOut.phone == volunteer.phone)):
        return "opted_out"
    if skill not in volunteer.skills:
        return "skill"
    if volunteer.active_tasks >= volunteer.max_active:
        return "busy"
    refused = select(Offer.id).where(
        Offer.ticket_id == ticket.id,
        Offer.volunteer_id == volunteer.id,
        Offer.status.in_((OfferStatus.declined, OfferStatus.dropped)),
    )
    if session.scalar(refused.limit(1)):
        return "declined"
    if ticket.priority is not Priority.urgent and not _available_now(volunteer):
        return "not_now"
    return "offers_today"


def _available_now(volunteer: Volunteer) -> bool:
    try:
        hours = Availability.from_json(volunteer.availability or [])
    except InvalidAvailability:
        return False
    if volunteer.always_available:
        return True
    return hours.is_available(utcnow(), current_settings().HOTLINE_TIMEZONE)
