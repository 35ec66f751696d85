"""Where a ticket is: asking a stranger, reading their answer, and holding offers until known.

A first text from a number we cannot place (no community) opens its ticket like any other, and
the reply asks once for the community and address. The next text that reads like a place fills
the ticket (and the resident's blank details) instead of opening a ticket; then dispatch runs.
Nobody is offered a ticket without a community: it waits HOTLINE_PLACE_WAIT_MINUTES for the
answer (an urgent one not at all), then the staff (the office, for a ticket with no community)
are texted once to arrange it by phone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from app.categories.catalog import Classification, category_name
from app.clock import utcnow
from app.communities.models import Community
from app.config import current_settings
from app.i18n import fold
from app.messaging.models import Message
from app.messaging.outbox import Text, queue_sms
from app.phones import dialable
from app.residents.models import Resident
from app.scheduling.jobs import enqueue
from app.scheduling.models import JobKind
from app.tickets import office
from app.tickets.lifecycle import SYSTEM, Actor, record
from app.tickets.models import ACTIVE_STATUSES, EventKind, Priority, Ticket, TicketEvent
from app.tickets.models import TicketStatus as S
from app.tickets.summary import place, problem_summary

ANSWER_HOURS = 24  # an answer to "where are you?" is taken as one for this long

_BUILDING = re.compile(r"\d+\s*(?:栋|幢|号楼|座)|(?i:\b(?:building|block|bldg\.?)\s*(\d+\w?))")


def _building(found: re.Match[str]) -> str:
    """A building as the street writes it: "building 5" is 5栋, like the neighbour's "5栋", so
    repeats and nearby volunteers are found whatever the language of the text."""
    number = found.group(1)
    return f"{number}栋" if number else found.group(0).replace(" ", "")[:60]


# Words an address has and a description of a problem seldom does.
_PLACE_WORDS = re.compile(
    r"社区|小区|栋|幢|单元|号楼|楼\d|\d+\s*楼|\d+\s*号|室|路|街|巷|村|苑|院|花园|大厦|新村"
    r"|(?i:\b(?:community|estate|building|block|road|street|lane|flat|unit|floor)\b)"
)


def has_place(ticket: Ticket) -> bool:
    """Offers can name where to go: the ticket belongs to a community."""
    return ticket.community_id is not None


def should_ask(ticket: Ticket, found: Classification) -> bool:
    """Ask a new ticket's resident where, unless danger comes first (staff call them at once)."""
    return not has_place(ticket) and not found.urgent


QUESTION = "ticket_created_where"  # the reply that asks; its row (ticket_id, time) records it


def ask(ticket: Ticket, language: str) -> Text:
    """The new ticket's confirmation, carrying the one question: which community, what address.
    The reply is recorded with the ticket, which is what marks the question asked."""
    name = category_name(ticket.category_code, language) or ticket.category_code
    return Text(QUESTION, language, {"code": ticket.code, "category": name})


def _question_asked(since: datetime | None = None) -> ColumnElement[bool]:
    asked = (Message.ticket_id == Ticket.id) & (Message.template == QUESTION)
    if since is not None:
        asked &= Message.created_at >= since
    return exists().where(asked)


def awaiting_answer(session: Session, resident: Resident) -> Ticket | None:
    """The resident's open ticket still without a place whose question is unanswered; an urgent
    one was never asked (safety came first), but the place they send next is still its place."""
    answered = exists().where(
        TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == EventKind.place_given
    )
    since = utcnow() - timedelta(hours=ANSWER_HOURS)
    return session.scalar(
        select(Ticket)
        .where(
            Ticket.resident_id == resident.id,
            Ticket.community_id.is_(None),
            Ticket.status.in_(ACTIVE_STATUSES),
            _question_asked(since)
            | ((Ticket.priority == Priority.urgent) & (Ticket.received_at >= since)),
            ~answered,
        )
        .order_by(Ticket.id.desc())
        .limit(1)
    )


def find_community(session: Session, text: str) -> Community | None:
    """The community `text` names (龙溪社区, 龙溪, Longxi or its code); the longest name wins."""
    lowered = text.lower()
    best: tuple[int, Community] | None = None
    for community in session.scalars(select(Community)):
        for name in _names(community):
            if len(name) >= 2 and name.lower() in lowered and (best is None or len(name) > best[0]):
                best = (len(name), community)
    return best[1] if best else None


def _names(community: Community) -> set[str]:
    """What residents call a community: 龙溪社区, 龙溪, Longxi, or its code."""
    names = {community.name, community.name.removesuffix("社区"), community.code}
    return names | ({community.name_en} if community.name_en else set())


# The end of an address: its building, unit, floor, door or room.
_ADDRESS_END = re.compile(
    r"\d+\s*(?:栋|幢|号楼|座|单元|楼|层|号|室)(?:\s*\d+(?:室|号)?(?!\s*(?:\d|栋|幢|座|单元|楼|层)))?"
    r"|(?i:\b(?:building|block|bldg\.?|unit|flat|room|apt\.?|floor)\s*\d+\w?)"
)


def named_in(session: Session, text: str) -> tuple[Community, str, str] | None:
    """The community, building and address a report names itself ("我是龙溪社区3栋2单元的王奶奶，
    家里马桶堵了"), so the resident is not asked where; None unless it names both a community
    and a building. The address runs from the community's name to the last number of the place
    after it."""
    building = _BUILDING.search(text)
    if building is None:  # most reports: and then the communities are not read at all
        return None
    community = find_community(session, text)
    if community is None:
        return None
    return community, _building(building), address_in(text, community)


def address_in(text: str, community: Community) -> str:
    """The address in a text that names `community`, without the words around it ("我住在龙溪
    社区7栋1单元302，麻烦了" gives "龙溪社区7栋1单元302"): from the community's name to the last
    number of the place after it; the whole text when no such number follows the name."""
    lowered = text.lower()
    start = min(i for n in _names(community) if (i := lowered.find(n.lower())) >= 0)
    ends = [m.end() for m in _ADDRESS_END.finditer(text, start)]
    return text[start : max(ends)].strip()[:200] if ends else text.strip()[:200]


def reads_like_place(session: Session, text: str) -> bool:
    return bool(_PLACE_WORDS.search(text)) or find_community(session, text) is not None


def fill(session: Session, ticket: Ticket, actor: Actor, text: str) -> Community | None:
    """The answer becomes the ticket's place (and fills the resident's blank details); the
    ticket then goes on to dispatch. Returns the community found, if any."""
    text = " ".join(text.split())[:200]
    community = _put(session, ticket, text, replace_building=False)
    if ticket.resident is not None:
        fill_blanks(ticket.resident, community, ticket.building, ticket.address or text)
    record(
        ticket,
        EventKind.place_given,
        actor,
        data={"text": text, "community": community.code if community else ""},
    )
    if ticket.status is S.new and ticket.assignee_id is None:
        enqueue(session, JobKind.ticket_opened, ticket.id)
    session.flush()
    return community


def fill_blanks(
    resident: Resident, community: Community | None, building: str, address: str
) -> None:
    """A place the resident gave fills what their record lacks, and changes nothing it has."""
    if resident.community_id is None and community is not None:
        resident.community_id = community.id
    resident.building = resident.building or building
    resident.address = resident.address or address


# "不对，说错了，是3栋2单元301": words that take back the place given before.
_CORRECTION = re.compile(r"不对|说错|搞错|写错|打错|发错|错了|更正|纠正|应该是")
_CORRECTION_LEAD = re.compile(
    r"^(?:[\s,，.。!！:：]*(?:不对|说错了|搞错了|写错了|打错了|发错了|错了|更正|纠正|应该是|是))+"
    r"[\s,，.。!！:：]*"
)


def says_corrected(text: str) -> bool:
    return bool(_CORRECTION.search(fold(text)))


def recently_placed(session: Session, resident: Resident) -> Ticket | None:
    """The resident's open ticket whose place they gave by text within the answer window."""
    since = utcnow() - timedelta(hours=ANSWER_HOURS)
    given = exists().where(
        TicketEvent.ticket_id == Ticket.id,
        TicketEvent.kind == EventKind.place_given,
        TicketEvent.at >= since,
    )
    return session.scalar(
        select(Ticket)
        .where(Ticket.resident_id == resident.id, Ticket.status.in_(ACTIVE_STATUSES), given)
        .order_by(Ticket.id.desc())
        .limit(1)
    )


def correct(session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
    """A place given and then taken back ("不对，是3栋") is replaced, on the resident too where
    it came from that answer; whoever holds the ticket is told."""
    before = (ticket.building, ticket.address)
    address = _CORRECTION_LEAD.sub("", " ".join(fold(text).split()))[:200]
    community = _put(session, ticket, address, replace_building=True)
    resident = ticket.resident
    if resident is not None and (resident.building, resident.address) == before:
        resident.building, resident.address = ticket.building, ticket.address
        resident.community_id = ticket.community_id
    data = {"text": address, "community": community.code if community else "", "corrected": "1"}
    record(ticket, EventKind.place_given, actor, data=data)
    tell_holder(session, ticket)
    session.flush()


def tell_holder(session: Session, ticket: Ticket) -> None:
    """Whoever holds the ticket is texted its new address (a resident's correction, a staff
    edit), so nobody knocks at the wrong door."""
    holder = ticket.assignee
    if holder is None:
        return
    address = ticket.address or place(ticket, holder.language)
    values = {"code": ticket.code, "address": address}
    notice = Text("task_place_corrected", holder.language, values)
    queue_sms(session, holder.phone, notice, ticket_id=ticket.id, flush=False)


def _put(
    session: Session, ticket: Ticket, address: str, *, replace_building: bool
) -> Community | None:
    """`address` becomes the ticket's, with the community and building it names (a building
    the ticket has is kept unless `replace_building`); the community found, if any."""
    community = find_community(session, address)
    building = _BUILDING.search(address)
    if community is not None:
        ticket.community_id = community.id
        ticket.community = community
    if building is not None and (replace_building or not ticket.building):
        ticket.building = _building(building)
    ticket.address = address_in(address, community) if community is not None else address
    return community


def noted(ticket: Ticket, language: str) -> Text:
    """The place read back as the resident gave it ("龙溪社区7栋1单元302", so a wrong door
    number can be caught), or the community and building when the address is loose words."""
    where = place(ticket, language) or ticket.address
    if ticket.community is not None and ticket.address.startswith(ticket.community.name):
        where = ticket.address
    return Text("place_noted", language, {"code": ticket.code, "place": where})


def hold(session: Session, ticket: Ticket) -> None:
    """A ticket without a community is offered to nobody: it waits for the resident's answer,
    then (or at once, if urgent or nobody was asked) the staff are texted, once."""
    events = {e.kind: e for e in _place_events(session, ticket)}
    if EventKind.place_missing in events:
        return
    asked = session.scalar(
        select(func.max(Message.created_at)).where(
            Message.ticket_id == ticket.id, Message.template == QUESTION
        )
    )
    wait = timedelta(minutes=current_settings().HOTLINE_PLACE_WAIT_MINUTES)
    waiting = asked is not None and EventKind.place_given not in events
    if (
        asked is not None
        and waiting
        and ticket.priority != Priority.urgent
        and asked > utcnow() - wait
    ):
        return
    phone = office.staff_phone(ticket)
    if ticket.priority == Priority.urgent:  # the urgent alert gave staff the number: call now
        record(ticket, EventKind.place_missing, SYSTEM, data={"to": "urgent alert"})
        return
    if phone is not None:
        resident = ticket.resident
        values = {
            "code": ticket.code,
            "category": ticket.category.display_name("zh") if ticket.category else "",
            "phone": dialable(resident.phone, current_settings().HOTLINE_REGION)
            if resident
            else "",
            "summary": problem_summary(ticket.description, hide=False),
        }
        queue_sms(session, phone, Text("staff_no_place", "zh", values), ticket_id=ticket.id)
    record(ticket, EventKind.place_missing, SYSTEM, data={"to": phone or "nobody"})


def _place_events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    kinds = (EventKind.place_given, EventKind.place_missing)
    return list(
        session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_(kinds))
            .order_by(TicketEvent.id)
        )
    )
