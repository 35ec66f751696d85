"""Staff write down a call, a visit or a message: the ticket opens exactly as a text opens one.

The same intake (`intake.open_ticket`: code, deadline, repeat check, urgent alert, dispatch by
the worker) and the same confirmation, texted to the resident's mobile (a landline gets none;
staff told them the code on the phone). What staff add: the caller's number as typed, the
place, a category chosen over the suggestion, and "urgent" even without danger words.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.auth.models import StaffUser
from app.auth.scope import community_in_scope
from app.categories.catalog import Classification, classify
from app.categories.models import Category
from app.communities.models import Community
from app.i18n import language_of
from app.messaging.outbox import queue_sms
from app.phones import InvalidPhone, normalize
from app.residents.directory import find_or_create
from app.residents.models import Resident
from app.tickets.intake import Place, confirmation, open_ticket
from app.tickets.lifecycle import Actor, record
from app.tickets.models import Channel, EventKind, Ticket

# How a ticket reached staff: a call they took, a visit to the office, a message or web form.
ENTRY_CHANNELS = (Channel.phone, Channel.walk_in, Channel.web)
MAX_PROBLEM = 2000


class Refused(ValueError):
    """A staff form (new ticket, edit) cannot be done as filled in; `key` names the wording
    shown to staff."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Entry:
    """The new-ticket form as staff filled it in."""

    phone: str
    problem: str
    channel: str
    name: str = ""
    community_id: int | None = None
    building: str = ""
    address: str = ""
    category: str = ""  # empty: the suggestion from the words
    urgent: bool = False


@dataclass(frozen=True)
class Entered:
    ticket: Ticket  # the ticket the resident is told about (an open one, for a repeat)
    resident: Resident
    created: bool
    texted: bool  # a confirmation SMS was queued to the resident's mobile


def enter(session: Session, user: StaffUser, actor: Actor, entry: Entry, region: str) -> Entered:
    try:
        phone = normalize(entry.phone, region)
    except InvalidPhone as error:
        raise Refused("entry_bad_phone") from error
    problem = entry.problem.strip()[:MAX_PROBLEM]
    if not problem:
        raise Refused("entry_no_problem")
    if entry.channel not in {c.value for c in ENTRY_CHANNELS}:
        raise Refused("entry_bad_channel")
    if entry.category and session.get(Category, entry.category) is None:
        raise Refused("entry_bad_category")
    resident = find_or_create(session, phone, language_of(problem, "zh"))
    community_id = entry.community_id or resident.community_id or user.community_id
    if community_id is not None and session.get(Community, community_id) is None:
        raise Refused("entry_bad_community")
    if not community_in_scope(user, community_id):
        raise Refused("entry_out_of_scope")
    where = Place(
        community_id,
        entry.building.strip()[:60] or resident.building,
        entry.address.strip()[:200] or resident.address,
    )
    _fill_blanks(resident, entry.name, where)
    found = classify(problem)
    chosen = entry.category or found.category
    found = Classification(
        category=chosen,
        matched=found.matched if chosen == found.category else None,
        urgent=found.urgent or entry.urgent,
        danger_word=found.danger_word,
        hazard=found.hazard,
    )
    ticket = open_ticket(session, resident, problem, Channel(entry.channel), found, where)
    record(ticket, EventKind.entered, actor, data={"via": entry.channel, "category": chosen})
    told = ticket if ticket.parent_id is None else session.get(Ticket, ticket.parent_id)
    assert told is not None
    created = told is ticket
    text = confirmation(told, resident.language, found, created)
    message = queue_sms(
        session, resident.phone, text, ticket_id=told.id, landline=not resident.can_receive_sms
    )
    session.flush()
    return Entered(told, resident, created, texted=message.error_message == "")


def _fill_blanks(resident: Resident, name: str, where: Place) -> None:
    """What staff learnt about an unknown or half-known caller; nothing known is overwritten
    (changing a resident's details is the edit page's work, and on the timeline)."""
    resident.name = resident.name or name.strip()[:100]
    if resident.community_id is None:
        resident.community_id = where.community_id
    resident.building = resident.building or where.building
    resident.address = resident.address or where.address
