"""Building blocks for the closing-the-loop tests: a street, its people, and the moves that
the dispatch feature makes (assign, resolve), done directly through the lifecycle."""

from __future__ import annotations

from sqlalchemy import select

from app.categories.catalog import classify
from app.communities.models import Community, Department, UnitKind
from app.db import db
from app.messaging.models import Direction, Message, MessageKind
from app.residents.models import Resident
from app.scheduling.sweeps import SWEEPS
from app.tickets.intake import open_ticket
from app.tickets.lifecycle import Actor, Move, transition
from app.tickets.models import ActorKind, Channel, Ticket
from app.volunteers.models import Volunteer
from tests.support.texting import text_line

STAFF = Actor(ActorKind.staff, 1, "staff:zhang")
STAFF_PHONE = "+8613900000099"
LIAISON_PHONE = "+8613900000001"
MOBILE = "+8613800138000"
LANDLINE = "+862361520695"


def street() -> tuple[Community, Department]:
    """One community with a staff phone and the civil affairs department with its liaison."""
    community = Community(code="longxi", name="龙溪社区", name_en="Longxi", staff_phone=STAFF_PHONE)
    department = Department(
        code="civil",
        name="民政办",
        name_en="Civil Affairs Office",
        kind=UnitKind.department,
        liaison_phone=LIAISON_PHONE,
    )
    db.session.add_all([community, department])
    db.session.commit()
    return community, department


def resident(
    community: Community | None, phone: str = MOBILE, building: str = "3栋", **kw: object
) -> Resident:
    person = Resident(
        phone=phone,
        phone_kind="landline" if phone == LANDLINE else "mobile",
        community=community,
        building=building,
        name=kw.pop("name", "王奶奶"),
        **kw,
    )
    db.session.add(person)
    db.session.commit()
    return person


def volunteer(phone: str = "+8613700000001", community: Community | None = None) -> Volunteer:
    person = Volunteer(name="李师傅", phone=phone, community=community)
    db.session.add(person)
    db.session.commit()
    return person


def report(client, phone: str, body: str) -> Ticket:
    """Text the line and return the resident's newest ticket."""
    text_line(client, phone, body)
    db.session.expire_all()
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def assign(ticket: Ticket, helper: Volunteer) -> None:
    ticket.assignee = helper
    transition(ticket, Move.assign, STAFF)
    db.session.commit()


def landline_done(clock) -> Ticket:
    """A landline caller's washing machine (the ticket the IVR opens), fixed by a volunteer an
    hour and a minute ago: its survey is due."""
    community, _ = street()
    elder = resident(community, phone=LANDLINE)
    helper = volunteer(community=community)
    ticket = open_ticket(db.session, elder, "洗衣机坏了", Channel.voice, classify("洗衣机坏了"))
    db.session.commit()
    assign(ticket, helper)
    resolve(ticket, helper)
    clock.advance(minutes=61)
    return ticket


def volunteer_actor(helper: Volunteer) -> Actor:
    return Actor(ActorKind.volunteer, helper.id, helper.name)


def resolve(ticket: Ticket, helper: Volunteer) -> None:
    transition(ticket, Move.resolve, volunteer_actor(helper), reason="DONE")
    db.session.commit()


def sweep() -> None:
    """One tick of the worker's scheduler, each sweep committed as the runner does."""
    for _name, run in SWEEPS:
        run(db.session)
        db.session.commit()
    db.session.expire_all()


def texts_to(phone: str, template: str | None = None) -> list[Message]:
    """Outbound SMS queued or replied to `phone`, oldest first, optionally of one template."""
    query = select(Message).where(
        Message.direction == Direction.outbound,
        Message.kind == MessageKind.sms,
        Message.peer == phone,
    )
    if template is not None:
        query = query.where(Message.template == template)
    return list(db.session.scalars(query.order_by(Message.id)))


def event_kinds(ticket: Ticket) -> list[str]:
    db.session.refresh(ticket)
    return [e.kind for e in ticket.events]


def done_ticket(client) -> tuple[Ticket, Volunteer]:
    """MOBILE's appliance ticket on the street, just done by a volunteer."""
    community, _ = street()
    resident(community)
    helper = volunteer(community=community)
    ticket = report(client, MOBILE, "洗衣机坏了，转几下就不动了")
    assign(ticket, helper)
    resolve(ticket, helper)
    return ticket, helper


def surveyed_ticket(client, clock) -> tuple[Ticket, Volunteer]:
    """`done_ticket`, and the survey sent an hour later."""
    ticket, helper = done_ticket(client)
    clock.advance(minutes=61)
    sweep()
    return ticket, helper


def surveyed(client, clock) -> int:
    """`surveyed_ticket`, then the test's session closed, so threads that race afterwards
    read it all from the database; the helper's id."""
    _, helper = surveyed_ticket(client, clock)
    helper_id = helper.id
    db.session.remove()
    return helper_id
