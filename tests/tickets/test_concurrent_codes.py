"""Twelve residents text at the same moment and every random draw first lands on the same code:
twelve tickets with twelve different codes, and no text fails on the unique index."""

from __future__ import annotations

import secrets
import threading

from sqlalchemy import select

from app.db import db
from app.tickets import codes
from app.tickets.models import EventKind, Ticket, TicketEvent
from tests.support.closure import resident, street
from tests.support.crowd import at_once
from tests.support.texting import text_line

RESIDENTS = 12


def test_tickets_opened_together_never_share_a_code(app, ctx, clock, monkeypatch):
    community, _ = street()
    phones = [f"+86138001380{n:02d}" for n in range(RESIDENTS)]
    for phone in phones:
        resident(community, phone=phone)
    db.session.commit()
    db.session.remove()
    drawn = threading.local()
    draw = secrets.randbelow

    def same_first_draw(below: int) -> int:
        """Each request's first draw is the smallest code; later draws are random."""
        if getattr(drawn, "once", False):
            return draw(below)
        drawn.once = True
        return 0

    monkeypatch.setattr(codes.secrets, "randbelow", same_first_draw)
    numbers = iter(phones)

    def text(client):
        client.phone = next(numbers)

    statuses = at_once(
        app, RESIDENTS, lambda c: text_line(c, c.phone, "楼道灯坏了").status_code, text
    )

    assert statuses == [200] * RESIDENTS
    found = db.session.scalars(select(Ticket.code)).all()
    assert len(found) == RESIDENTS and len(set(found)) == RESIDENTS
    assert "100000" in found
    # A taken code writes nothing: each ticket has one "received" event however many codes it
    # tried (on PostgreSQL the ticket, its event and its job are one statement).
    received = select(TicketEvent.ticket_id).where(TicketEvent.kind == EventKind.received)
    assert sorted(db.session.scalars(received)) == sorted(db.session.scalars(select(Ticket.id)))
