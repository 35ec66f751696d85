"""Opening tickets from what residents report, and adding to an open one instead of duplicating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.categories.catalog import Classification, classify
from app.categories.models import Category
from app.clock import utcnow
from app.config import current_settings
from app.messaging.outbox import Text
from app.residents import directory
from app.residents.models import Resident
from app.scheduling.jobs import enqueue
from app.scheduling.models import JobKind
from app.tickets import repeats, urgent
from app.tickets.codes import new_code
from app.tickets.due_dates import set_community_deadline
from app.tickets.lifecycle import Actor, record
from app.tickets.models import ACTIVE_STATUSES, ActorKind, Channel, EventKind, Priority, Ticket


@dataclass(frozen=True)
class Report:
    ticket: Ticket
    created: bool  # False when the text was added to a ticket opened moments before
    classification: Classification


def resident_actor(resident: Resident) -> Actor:
    return Actor(ActorKind.resident, resident.id, resident.name or resident.phone)


def recent_open_ticket(session: Session, resident: Resident, window: timedelta) -> Ticket | None:
    """The resident's open ticket they last wrote about within `window`, if any."""
    return session.scalar(
        select(Ticket)
        .where(
            Ticket.resident_id == resident.id,
            Ticket.status.in_(ACTIVE_STATUSES),
            Ticket.last_report_at >= utcnow() - window,
        )
        .order_by(Ticket.last_report_at.desc())
        .limit(1)
    )


def report(session: Session, resident: Resident, text: str, channel: Channel) -> Report:
    """A resident reports a problem: a new ticket, or more words for the one just opened."""
    text = text.strip()
    found = classify(text)
    window = timedelta(hours=current_settings().HOTLINE_FOLLOWUP_WINDOW_HOURS)
    directory.hold(session, resident)  # the check below and the new ticket, one report at a time
    ticket = recent_open_ticket(session, resident, window)
    if ticket is not None:
        add_information(ticket, resident, text, found)
        return Report(ticket, created=False, classification=found)
    ticket = open_ticket(session, resident, text, channel, found)
    if ticket.parent_id is not None:  # a repeat, merged into the ticket already open
        original = session.get(Ticket, ticket.parent_id)
        assert original is not None
        return Report(original, created=False, classification=found)
    return Report(ticket, created=True, classification=found)


def open_ticket(
    session: Session,
    resident: Resident,
    text: str,
    channel: Channel,
    found: Classification,
) -> Ticket:
    now = utcnow()
    ticket = Ticket(
        code=new_code(session),
        channel=channel,
        category_code=found.category,
        # Held by the ticket, so escalation, dispatch and the reply find it without a query.
        category=session.get(Category, found.category),
        description=text,
        resident=resident,
        community_id=resident.community_id,
        building=resident.building,
        address=resident.address,
        priority=Priority.urgent if found.urgent else Priority.normal,
        received_at=now,
        last_report_at=now,
    )
    session.add(ticket)
    set_community_deadline(ticket, now)
    record(
        ticket,
        EventKind.received,
        resident_actor(resident),
        data={
            "channel": channel.value,
            "category": found.category,
            "keyword": found.matched,
            "danger_word": found.danger_word,
            "hazard": found.hazard,
        },
    )
    session.flush()
    if found.urgent:
        urgent.alert_staff(session, ticket, found.hazard)
    # The repeat check stays here: it decides which ticket the resident is told about. What a
    # new ticket needs next (escalation by category, or dispatch) the worker does at once.
    if repeats.link_repeat(session, ticket) is None:
        enqueue(session, JobKind.ticket_opened, ticket.id)
    return ticket


def confirmation(ticket: Ticket, language: str, found: Classification, new: bool = True) -> Text:
    """What every channel tells the resident: their ticket's code, and for a new one its
    category (with safety advice first when the words spoke of danger)."""
    if not new:
        return Text("ticket_added", language, {"code": ticket.code})
    name = ticket.category.display_name(language) if ticket.category else ticket.category_code
    template = urgent.advice_template(found.hazard) if found.urgent else "ticket_created"
    return Text(template, language, {"code": ticket.code, "category": name})


def add_information(ticket: Ticket, resident: Resident, text: str, found: Classification) -> None:
    """Append a follow-up text; it may sharpen the category or reveal danger."""
    ticket.description = f"{ticket.description}\n{text}".strip()
    ticket.last_report_at = utcnow()
    data: dict[str, str] = {"text": text}
    if ticket.category_code == "other" and found.category != "other":
        ticket.category_code = found.category
        data["category"] = found.category
    now_urgent = found.urgent and ticket.priority != Priority.urgent
    if now_urgent:
        ticket.priority = Priority.urgent
        data["danger_word"] = found.danger_word or ""
    record(ticket, EventKind.info_added, resident_actor(resident), data=data)
    session = object_session(ticket)
    if now_urgent and session is not None:
        urgent.alert_staff(session, ticket, found.hazard)
