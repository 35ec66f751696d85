"""Building communities, residents and volunteers for dispatch tests, committed like real data."""

from __future__ import annotations

from sqlalchemy import select

from app.communities.models import Community, Department, UnitKind
from app.db import db
from app.messaging.models import Direction, Message
from app.residents.models import Resident
from app.tickets.models import Ticket
from app.volunteers.availability import Availability
from app.volunteers.models import Offer, Volunteer

RESIDENT = "13800138000"


def community(code: str = "longxi", staff_phone: str | None = "+8613900002001") -> Community:
    row = Community(code=code, name=f"{code}社区", name_en=code.title(), staff_phone=staff_phone)
    db.session.add(row)
    db.session.commit()
    return row


def resident(home: Community, phone: str = RESIDENT, building: str = "3栋") -> Resident:
    row = Resident(
        phone="+86" + phone,
        name="王奶奶",
        community_id=home.id,
        building=building,
        address=f"龙溪街道{building}2单元401",
    )
    db.session.add(row)
    db.session.commit()
    return row


def volunteer(
    number: int,
    home: Community | None,
    skills: tuple[str, ...] = ("appliance",),
    building: str = "",
    availability: str = "always",
    **fields: object,
) -> Volunteer:
    row = Volunteer(
        name=f"志愿者{number}",
        phone=phone_of(number),
        community_id=home.id if home else None,
        building=building,
        **fields,
    )
    row.skills = list(skills)
    row.set_availability(Availability.parse(availability))
    db.session.add(row)
    db.session.commit()
    return row


def unit(code: str = "sanitation", liaison: str = "+8613900000009") -> Department:
    row = Department(code=code, name="环卫所", kind=UnitKind.partner, liaison_phone=liaison)
    db.session.add(row)
    db.session.commit()
    return row


def neighbourhood(skills: tuple[str, ...] = ("appliance",)) -> Community:
    """A community with a resident in building 3 and three volunteers with these skills."""
    home = community()
    resident(home)
    for n in range(1, 4):
        volunteer(n, home, skills=skills)
    return home


def phone_of(number: int) -> str:
    return f"+86139{number:08d}"


def texter(number: int) -> str:
    """How a volunteer's number arrives from the provider (national form works too)."""
    return phone_of(number)[3:]


def offers() -> list[Offer]:
    return list(db.session.scalars(select(Offer).order_by(Offer.id)))


def only_ticket() -> Ticket:
    return db.session.scalars(select(Ticket)).one()


def sent_to(phone: str, template: str | None = None) -> list[Message]:
    query = select(Message).where(Message.direction == Direction.outbound, Message.peer == phone)
    if template is not None:
        query = query.where(Message.template == template)
    return list(db.session.scalars(query.order_by(Message.id)))
