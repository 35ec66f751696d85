"""Voice test helpers: staff on duty, known residents, the call walker."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import db
from app.messaging.models import Message
from app.residents.models import Resident
from app.tickets.models import Ticket
from app.voice.models import Call
from app.voice.roster import set_shift
from tests.support.call_walker import CallWalker

MOBILE = "+8613800138000"
LANDLINE = "+862361520695"
DUTY_PHONE = "+8613900139000"
CHINESE_DIGITS = "零一二三四五六七八九"


@pytest.fixture
def on_duty(ctx: None) -> Iterator[str]:
    """One staff member on duty in office hours (Mon-Fri 08:30-17:30)."""
    set_shift(db.session, "张主任", DUTY_PHONE, "Mon-Fri 08:30-17:30", "CN")
    db.session.commit()
    yield DUTY_PHONE


@pytest.fixture
def call(client: FlaskClient, ctx: None, clock: object) -> Callable[..., CallWalker]:
    """Start a call to the line from a number; time is frozen in office hours."""

    def start(caller: str = MOBILE) -> CallWalker:
        return CallWalker(client, caller).dial_in()

    return start


def resident(phone: str = MOBILE, *, address: str = "龙溪街道5栋1单元203", language: str = "zh"):
    kind = "landline" if phone == LANDLINE else "mobile"
    person = Resident(
        phone=phone, phone_kind=kind, name="李大爷", address=address, language=language
    )
    db.session.add(person)
    db.session.commit()
    return person


def tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def the_call(walker: CallWalker) -> Call:
    db.session.expire_all()
    return db.session.scalars(select(Call).where(Call.sid == walker.sid)).one()


def messages() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).order_by(Message.id)))


def spelled(code: str, language: str) -> str:
    """A ticket code as the line reads it: digit by digit."""
    return " ".join(CHINESE_DIGITS[int(c)] if language == "zh" else c for c in code)
