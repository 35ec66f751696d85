"""A small street for the end-to-end walks: its people, and the walk's view of what each of
them is sent. Everything after setting up the people goes through the app's real entry points:
signed webhooks, the offer link page, and the worker (sweeps, then the outbox through the
twilio client and the REST double)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from app.communities.models import Community
from app.db import db
from app.messaging.models import Direction, Message, MessageKind
from app.residents.models import Resident
from app.tickets.models import Ticket, TicketEvent
from app.volunteers.availability import Availability
from app.volunteers.models import Offer, Volunteer
from tests.support.closure import LANDLINE as LANDLINE_PHONE
from tests.support.closure import LIAISON_PHONE, MOBILE, STAFF_PHONE, street
from tests.support.texting import replies, text_line
from tests.support.worker import TestWorker

STAFF, LIAISON, RESIDENT, LANDLINE = STAFF_PHONE, LIAISON_PHONE, MOBILE, LANDLINE_PHONE
FIXER = "+8613700000001"  # 李师傅
HELPER = "+8613700000002"  # 张师傅
ELDER = "+862361529999"  # 王师傅: a volunteer on a landline, offered tickets by call


def build_street() -> None:
    """Longxi community (staff phone), the civil affairs office (liaison), two residents, two
    appliance-and-electrical volunteers available at any hour."""
    longxi, _ = street()
    for phone, name in ((RESIDENT, "王奶奶"), (LANDLINE, "李大爷")):
        kind = "landline" if phone == LANDLINE else "mobile"
        db.session.add(
            Resident(
                phone=phone,
                phone_kind=kind,
                name=name,
                community=longxi,
                building="3栋",
                address="龙溪街道3栋2单元401",
            )
        )
    for phone, name in ((FIXER, "李师傅"), (HELPER, "张师傅")):
        volunteer = Volunteer(name=name, phone=phone, community=longxi, building="5栋")
        volunteer.skills = ["appliance", "electrical"]
        volunteer.set_availability(Availability.parse("always"))
        db.session.add(volunteer)
    db.session.commit()


def elder_volunteer() -> Volunteer:
    """王师傅, an appliance volunteer with no mobile phone, in Longxi."""
    longxi = db.session.scalars(select(Community).where(Community.code == "longxi")).one()
    elder = Volunteer(
        name="王师傅", phone=ELDER, phone_kind="landline", community=longxi, building="3栋"
    )
    elder.skills = ["appliance"]
    elder.set_availability(Availability.parse("always"))
    db.session.add(elder)
    db.session.commit()
    return elder


class Walk:
    """Drives the street through HTTP and the worker, and reads back what happened."""

    def __init__(self, client: FlaskClient, worker: TestWorker) -> None:
        self.client = client
        self.worker = worker

    def text(self, phone: str, body: str) -> str:
        """Text the line; the one reply the line texts straight back."""
        [answer] = replies(text_line(self.client, phone, body))
        db.session.expire_all()
        return answer

    def tick(self) -> dict[str, list[str]]:
        """One worker tick: sweeps, then the outbox. Returns the templates each number was
        actually sent through the provider."""
        sent: dict[str, list[str]] = {}
        for request in self.worker.tick():
            to = request.form["To"]
            body = request.form.get("Body")
            sent.setdefault(to, []).append(template_of(to, body) if body else "call")
        return sent

    def accept_on_page(self, phone: str, code: str) -> bytes:
        """The volunteer opens the offer link from the SMS, then presses the page's button."""
        path = offer_path(phone, code)
        page = self.client.get(path)
        assert page.status_code == 200 and b"<form" in page.data
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data)
        assert token
        form = {"answer": "accept", "csrf_token": token.group(1).decode()}
        answer = self.client.post(path, data=form)
        assert answer.status_code == 200
        db.session.expire_all()
        return answer.data


def ticket(code: str) -> Ticket:
    """The ticket as the database has it now (the worker ends sessions, objects go stale)."""
    db.session.expire_all()
    return db.session.scalars(select(Ticket).where(Ticket.code == code)).one()


def latest_code() -> str:
    db.session.expire_all()
    return db.session.scalars(select(Ticket.code).order_by(Ticket.id.desc())).first()


def kinds(code: str) -> list[str]:
    query = select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket(code).id)
    return list(db.session.scalars(query.order_by(TicketEvent.id)))


def template_of(to: str, body: str) -> str:
    query = select(Message.template).where(
        Message.direction == Direction.outbound, Message.peer == to, Message.body == body
    )
    return db.session.scalars(query.order_by(Message.id.desc())).first() or "?"


def last_text_to(phone: str) -> str:
    query = select(Message.body).where(
        Message.direction == Direction.outbound, Message.peer == phone
    )
    return db.session.scalars(query.order_by(Message.id.desc())).first() or ""


def offer_path(phone: str, code: str) -> str:
    """The /o/<token> link the offer SMS to `phone` about ticket `code` carried."""
    query = select(Message.body).where(
        Message.peer == phone, Message.template == "offer", Message.body.contains(code)
    )
    body = db.session.scalars(query.order_by(Message.id.desc())).first()
    assert body, f"no offer to {phone} about {code}"
    path = re.search(r"https://hotline\.example\.org(/o/[\w-]+)", body)
    assert path
    return path[1]


def offered_to(code: str, round_: int) -> set[str]:
    """Who was asked about the ticket in one dispatch round."""
    query = (
        select(Volunteer.phone)
        .join(Offer, Offer.volunteer_id == Volunteer.id)
        .where(Offer.ticket_id == ticket(code).id, Offer.round == round_)
    )
    return set(db.session.scalars(query))


def placed_call_sid(code: str) -> str:
    """The CallSid the provider gave the newest call about the ticket."""
    query = select(Message.provider_sid).where(
        Message.ticket_id == ticket(code).id, Message.kind == MessageKind.call
    )
    sid = db.session.scalars(query.order_by(Message.id.desc())).first()
    assert sid
    return sid
