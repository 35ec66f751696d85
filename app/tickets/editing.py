"""Staff correct a ticket or a resident; every change is an event on the timeline.

A ticket's edit records `ticket_edited` with each changed field as [old, new] (a new category is
a `recategorised` event, so the corrections page lists it too). A resident has no timeline of
their own: their edit is recorded on each of their open tickets (else their latest one), and a
place they lacked fills the open tickets that lack one, which then go on to dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.auth.models import StaffUser
from app.auth.scope import community_in_scope
from app.communities.models import Community
from app.residents.models import Resident
from app.scheduling.jobs import enqueue
from app.scheduling.models import JobKind
from app.tickets import places, staff_actions, urgent
from app.tickets.lifecycle import Actor, record
from app.tickets.models import OPEN_STATUSES, EventKind, Priority, Ticket, TicketStatus
from app.tickets.staff_entry import Refused

LANGUAGES = ("zh", "en")
PHONE_KINDS = ("mobile", "landline")


@dataclass(frozen=True)
class TicketFields:
    category_code: str
    community_id: int | None
    building: str
    address: str
    description: str
    urgent: bool


@dataclass(frozen=True)
class ResidentFields:
    name: str
    community_id: int | None
    building: str
    address: str
    language: str
    phone_kind: str  # "landline" or "mobile"


Changes = dict[str, list[object]]


def edit_ticket(
    session: Session, user: StaffUser, actor: Actor, ticket: Ticket, new: TicketFields
) -> Changes:
    if ticket.status not in OPEN_STATUSES:
        raise Refused("edit_closed")
    _check_community(session, user, ticket.community_id, new.community_id)
    if not new.description.strip():
        raise Refused("entry_no_problem")
    try:
        staff_actions.recategorise(session, ticket, actor, new.category_code)
    except staff_actions.ActionRefused as refused:
        raise Refused("entry_bad_category") from refused
    was_placeless = ticket.community_id is None
    changes = _apply(
        ticket,
        {
            "community_id": new.community_id,
            "building": new.building.strip()[:60],
            "address": new.address.strip()[:200],
            "description": new.description.strip()[:2000],
        },
    )
    priority = Priority.urgent if new.urgent else Priority.normal
    if priority != ticket.priority:
        changes["priority"] = [ticket.priority.value, priority.value]
        ticket.priority = priority
    if changes:
        record(ticket, EventKind.ticket_edited, actor, data={"changes": changes})
        if {"community", "building", "address"} & changes.keys():
            places.tell_holder(session, ticket)
        session.flush()
    if "priority" in changes and priority is Priority.urgent:  # urgent means now: tell them
        urgent.alert_staff(session, ticket, None)
    if was_placeless and ticket.community_id is not None:
        _send_on(session, ticket)
    return changes


def edit_resident(
    session: Session, user: StaffUser, actor: Actor, resident: Resident, new: ResidentFields
) -> Changes:
    _check_community(session, user, resident.community_id, new.community_id)
    if new.language not in LANGUAGES or new.phone_kind not in PHONE_KINDS:
        raise Refused("edit_bad_value")
    changes = _apply(
        resident,
        {
            "name": new.name.strip()[:100],
            "community_id": new.community_id,
            "building": new.building.strip()[:60],
            "address": new.address.strip()[:200],
            "language": new.language,
            "phone_kind": new.phone_kind,
        },
    )
    if not changes:
        return changes
    session.flush()
    tickets = _timelines_of(session, resident)
    for ticket in tickets:
        record(ticket, EventKind.resident_edited, actor, data={"changes": changes})
        if ticket.community_id is None and resident.community_id is not None:
            ticket.community = resident.community
            ticket.building = ticket.building or resident.building
            ticket.address = ticket.address or resident.address
            session.flush()
            _send_on(session, ticket)
    session.flush()
    return changes


def _check_community(
    session: Session, user: StaffUser, current: int | None, wanted: int | None
) -> None:
    """A community office may place someone in its own community only; the office anywhere."""
    if wanted == current:
        return
    if wanted is not None and session.get(Community, wanted) is None:
        raise Refused("entry_bad_community")
    if not community_in_scope(user, wanted):
        raise Refused("entry_out_of_scope")


def _apply(row: Ticket | Resident, values: dict[str, object]) -> Changes:
    changes: Changes = {}
    for name, value in values.items():
        old = getattr(row, name)
        if old != value:
            changes[name] = [old, value]
            setattr(row, name, value)
    if "community_id" in changes:  # the relationship too, for alerts made in this request
        session = object_session(row)
        before, wanted = (
            session.get(Community, cid) if session and cid else None
            for cid in changes.pop("community_id")
        )
        row.community = wanted
        # The timeline shows names; a community's id means nothing to the reader.
        changes["community"] = [before.name if before else None, wanted.name if wanted else None]
    return changes


def _timelines_of(session: Session, resident: Resident) -> list[Ticket]:
    tickets = list(
        session.scalars(
            select(Ticket).where(
                Ticket.resident_id == resident.id, Ticket.status.in_(sorted(OPEN_STATUSES))
            )
        )
    )
    if tickets:
        return tickets
    latest = session.scalar(
        select(Ticket)
        .where(Ticket.resident_id == resident.id)
        .order_by(Ticket.received_at.desc())
        .limit(1)
    )
    return [latest] if latest else []


def _send_on(session: Session, ticket: Ticket) -> None:
    """A ticket held for want of a place has one now: dispatch (the worker) takes it on."""
    if ticket.status is TicketStatus.new and ticket.assignee_id is None:
        enqueue(session, JobKind.ticket_opened, ticket.id)
