"""Opening tickets from what residents report, and adding to an open one instead of duplicating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    Column,
    Connection,
    Executable,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from app.categories.catalog import FALLBACK, Classification, category_name, classify
from app.clock import utcnow
from app.config import current_settings
from app.db import insert_skipping, persistent, table
from app.messaging.outbox import Text
from app.messaging.sender_context import Sender
from app.residents import directory
from app.residents.models import Resident
from app.scheduling.jobs import WAKE, enqueue, job_row
from app.scheduling.models import Job, JobKind
from app.tickets import neighbours, places, repeats, routing, urgent
from app.tickets.codes import candidates
from app.tickets.due_dates import set_community_deadline
from app.tickets.lifecycle import SYSTEM, Actor, event_row, record
from app.tickets.models import (
    ACTIVE_STATUSES,
    ActorKind,
    Channel,
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)


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


class _LookUp:
    """The caller has not looked for the ticket this one repeats: `open_ticket` asks."""


LOOK_UP = _LookUp()


def report(
    session: Session,
    resident: Resident,
    text: str,
    channel: Channel,
    *,
    found: Classification | None = None,
    sender: Sender | None = None,
) -> Report:
    """A resident reports a problem: a new ticket, or more words for the one just opened.

    With `sender` (the inbound text's one SELECT) neither the open ticket to add to nor the one
    a new ticket would repeat is looked up again.
    """
    text = text.strip()
    found = found or classify(text)
    if sender is None:
        window = timedelta(hours=current_settings().HOTLINE_FOLLOWUP_WINDOW_HOURS)
        directory.hold(session, resident)  # the check below and the new ticket, one at a time
        ticket = recent_open_ticket(session, resident, window)
        original: int | _LookUp | None = LOOK_UP
    else:  # read after the sender's number was held (messaging.sender_context): current
        recent = sender.recent_ticket_id
        ticket = session.get(Ticket, recent) if recent is not None else None
        original = sender.original_id
    if ticket is not None and not another_problem(ticket, found):
        add_information(ticket, resident, text, found)
        return Report(ticket, created=False, classification=found)
    held = sender.held_place if sender is not None else None
    where = _named_place(session, resident, text) if resident.community_id is None else None
    if where is not None:
        original = LOOK_UP  # a place the sender's context knew nothing of: its repeat, if any
    ticket = open_ticket(
        session, resident, text, channel, found, original=original, held=held, where=where
    )
    if ticket.parent_id is not None:  # a repeat, merged into the ticket already open
        parent = session.get(Ticket, ticket.parent_id)
        assert parent is not None
        return Report(parent, created=False, classification=found)
    return Report(ticket, created=True, classification=found)


def _named_place(session: Session, resident: Resident, text: str) -> Place | None:
    """A stranger who says where in the report itself is not asked again: the place is the
    ticket's, and fills the resident's blank details."""
    named = places.named_in(session, text)
    if named is None:
        return None
    community, building, address = named
    places.fill_blanks(resident, community, building, address)
    return Place(community.id, building, address)


def another_problem(ticket: Ticket, found: Classification) -> bool:
    """A text about another kind of problem than the open ticket's ("厨房水管漏水了" while the
    washing machine waits) is a request of its own: the volunteer found for the one cannot fix
    the other. Words of no category ("是海尔的，用了十年了") add to the open ticket."""
    return FALLBACK not in (found.category, ticket.category_code) and (
        found.category != ticket.category_code
    )


@dataclass(frozen=True)
class Place:
    """Where the work is, when staff write down another place than the resident's own."""

    community_id: int | None
    building: str
    address: str


def open_ticket(
    session: Session,
    resident: Resident,
    text: str,
    channel: Channel,
    found: Classification,
    where: Place | None = None,
    *,
    original: int | _LookUp | None = LOOK_UP,
    held: str | None = None,
) -> Ticket:
    """Every channel's new ticket: the ticket and its "received" event, a repeat merged into its
    original (`original`: its id, None for none, or LOOK_UP; `held`: the place the caller
    held before it looked, see `_hold_building`), staff alerted to danger, and the
    worker asked to escalate or dispatch it.

    The ticket, its event and the worker's job are Core INSERTs, no flush (one statement on
    PostgreSQL); the code is made unique by the ticket's own INSERT, which skips a taken code
    and is tried again with another. The returned Ticket is persistent in `session` without
    being read back.
    """
    if resident.id is None or session.new:
        session.flush()  # a resident (or their place) created by the caller and not yet written
    now = utcnow()
    where = where or Place(resident.community_id, resident.building, resident.address)
    ticket = Ticket(
        channel=channel,
        category_code=found.category,
        description=text,
        recording_url=None,
        resident_id=resident.id,
        community_id=where.community_id,
        building=where.building,
        address=where.address,
        priority=Priority.urgent if found.urgent else Priority.normal,
        status=TicketStatus.new,
        callback_requested=False,
        received_at=now,
        updated_at=now,
        last_report_at=now,
        visits=0,
    )
    set_community_deadline(ticket, now)
    if original is None and _hold_building(session, ticket, held):
        original = LOOK_UP  # a neighbour's report of it may have been written meanwhile
    data = {
        "channel": channel.value,
        "category": found.category,
        "keyword": found.matched,
        "danger_word": found.danger_word,
        "hazard": found.hazard,
    }
    event = event_row(EventKind.received, resident_actor(resident), now, data)
    # Known to repeat nothing: what a new ticket needs next (escalation by category, or
    # dispatch) is asked of the worker in the ticket's own write.
    job = job_row(JobKind.ticket_opened) if original is None else None
    _insert(session, ticket, event, job)
    set_committed_value(ticket, "resident", resident)
    if found.urgent:
        urgent.alert_staff(session, ticket, found.hazard)
    # The repeat check stays here: it decides which ticket the resident is told about.
    if isinstance(original, _LookUp):
        repeated = repeats.link_repeat(session, ticket)
        if repeated is None:
            enqueue(session, JobKind.ticket_opened, ticket.id)
    elif original is not None:
        repeated = session.get(Ticket, original)
        assert repeated is not None
        repeats.merge(session, ticket, repeated, SYSTEM)
    return ticket


_HOLD_BUILDING = select(neighbours.hold(bindparam("building", type_=String)))


def _hold_building(session: Session, ticket: Ticket, held: str | None) -> bool:
    """PostgreSQL: wait until another new report of this category from this building (the
    neighbours texting the same stairwell light in the same second) is committed, so the repeat
    check sees it; True when held here. False when `held` already names the place (a text holds
    its sender's building before the sender is read, so what was read is current), and on
    SQLite, whose single writer already orders them."""
    key = neighbours.place_key(ticket.community_id, ticket.building, ticket.category_code)
    if key is None or key == held or session.get_bind().dialect.name != "postgresql":
        return False
    session.execute(_HOLD_BUILDING, {"building": key})
    return True


_COLUMNS = [c for c in Ticket.__table__.columns if c.key != "id"]
_INSERT_TICKET = insert_skipping(table(Ticket), "code", Ticket.id)


def _with_ticket(target: Table, ticket: CTE, prefix: str) -> CTE:
    """PostgreSQL: an INSERT of one row of `target` that refers to the row `ticket` inserts
    (none when the ticket's INSERT skipped), its other values bound as `prefix` + column."""
    columns = [c for c in target.columns if c.key not in ("id", "ticket_id")]
    row = select(ticket.c.id, *(bindparam(prefix + c.key, type_=c.type) for c in columns))
    into = ["ticket_id", *(c.key for c in columns)]
    return postgresql.insert(target).from_select(into, row).cte(f"{prefix}row")


def _opening(job: bool) -> Select[Any]:
    """PostgreSQL: the ticket under a code (skipped if taken), its "received" event and, with
    `job`, the worker's job and its wake-up, in one statement that returns the ticket's id."""
    tickets = table(Ticket)
    ticket = (
        postgresql.insert(tickets)
        .values({c.key: bindparam(c.key, type_=c.type) for c in _COLUMNS})
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(tickets.c.id)
        .cte("ticket")
    )
    followers = [_with_ticket(table(TicketEvent), ticket, "event_")]
    if not job:
        return select(ticket.c.id).add_cte(*followers)
    followers.append(_with_ticket(table(Job), ticket, "job_"))
    return select(ticket.c.id, WAKE).add_cte(*followers)


_OPENING = {job: _opening(job) for job in (False, True)}  # built once; each ticket binds


def _openings() -> Table:
    """SQLite: the view an INSERT into which writes a ticket's first event and, when its
    `job_kind` is given, the worker's job (migration 0019: no INSERT inside WITH there)."""
    jobs = [c for c in table(Job).columns if c.key not in ("id", "ticket_id")]
    return Table(
        "ticket_openings",
        MetaData(),  # not the models': no table is created for it
        *(Column(c.key, c.type) for c in table(TicketEvent).columns if c.key != "id"),
        *(Column("job_" + c.key, c.type) for c in jobs),
    )


_OPENING_SQLITE = insert(_openings())


def _insert(
    session: Session, ticket: Ticket, event: dict[str, Any], job: dict[str, Any] | None
) -> None:
    """Write `ticket` under the first free code with its first `event` and, if given, the
    worker's `job`, and make the ticket persistent in `session`. PostgreSQL: one statement;
    SQLite: the ticket's INSERT, then one INSERT for the event and the job."""
    values = {c.key: getattr(ticket, c.key) for c in _COLUMNS}
    connection = session.connection()
    followers = _bound("job_", job or {})
    if connection.dialect.name == "postgresql":
        followers |= _bound("event_", event)
        statement = _OPENING[job is not None]
        ticket_id, code = _under_free_code(connection, statement, values | followers)
    else:
        ticket_id, code = _under_free_code(connection, _INSERT_TICKET["sqlite"], values)
        connection.execute(_OPENING_SQLITE, event | followers | {"ticket_id": ticket_id})
    persistent(session, ticket, values | {"id": ticket_id, "code": code})


def _bound(prefix: str, row: dict[str, Any]) -> dict[str, Any]:
    return {prefix + key: value for key, value in row.items()}


def _under_free_code(
    connection: Connection, statement: Executable, params: dict[str, Any]
) -> tuple[int, str]:
    """Run the ticket's INSERT with each candidate code until one is free (the INSERT skips a
    taken code and returns nothing); the ticket's id and code."""
    for code in candidates():
        ticket_id = connection.execute(statement, params | {"code": code}).scalar()
        if ticket_id is not None:
            return ticket_id, code
    raise AssertionError("candidates() never ends")


def confirmation(
    ticket: Ticket,
    language: str,
    found: Classification,
    new: bool = True,
    by: Resident | None = None,
) -> Text:
    """What every channel tells the resident: their ticket's code, and for a new one its
    category (with safety advice first when the words spoke of danger, and the unit's name when
    a department or partner unit handles it). Danger in words added to an open ticket gets its
    advice too ("煤气味好大" while the washing machine waits)."""
    if not new and not found.urgent:
        # `by` a neighbour: their report joined the one already open for the building.
        neighbour = by is not None and ticket.resident_id != by.id
        return Text(
            "ticket_neighbour" if neighbour else "ticket_added", language, {"code": ticket.code}
        )
    name = category_name(ticket.category_code, language)
    if name is None:  # a category the data file lacks
        name = ticket.category.display_name(language) if ticket.category else ticket.category_code
    values = {"code": ticket.code, "category": name}
    if found.urgent:
        return Text(urgent.advice_template(found.hazard), language, values)
    session = object_session(ticket)
    unit = routing.unit_for(session, ticket) if session else None
    if unit is not None:  # partner work: say who handles it, not "finding a volunteer"
        values["unit"] = unit.display_name(language)
        return Text("ticket_created_unit", language, values)
    return Text("ticket_created", language, values)


def add_information(ticket: Ticket, resident: Resident, text: str, found: Classification) -> None:
    """Append a follow-up text; it may sharpen the category or reveal danger."""
    session = object_session(ticket)
    ticket.description = f"{ticket.description}\n{text}".strip()
    ticket.last_report_at = utcnow()
    data: dict[str, str] = {"text": text}
    if ticket.category_code == "other" and found.category != "other":
        ticket.category_code = found.category
        data["category"] = found.category
        if ticket.status is TicketStatus.unassigned and session is not None:
            enqueue(session, JobKind.category_found, ticket.id)  # someone may do it now
    # Staff hear of each kind of danger once: gas, then someone who falls, is news again.
    new_danger = found.urgent and str(found.hazard or "") not in {
        e.data.get("hazard") for e in ticket.events if e.kind == EventKind.urgent_alert
    }
    if found.urgent:
        ticket.priority = Priority.urgent
        data["danger_word"] = found.danger_word or ""
    record(ticket, EventKind.info_added, resident_actor(resident), data=data)
    if new_danger and session is not None:
        urgent.alert_staff(session, ticket, found.hazard)
