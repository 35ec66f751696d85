"""Neighbours in one building text the same problem at the same instant (the stairwell light goes
out for everyone at once): one request is dispatched, the others are merged into it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.db import db
from app.tickets.models import Ticket
from tests.support.closure import resident, street
from tests.support.crowd import together
from tests.support.texting import post_signed, replies, run_jobs, sms_form

NEIGHBOURS = [f"+86138001380{n:02d}" for n in range(10, 16)]


def test_neighbours_reporting_the_same_problem_at_once_open_one_request(app, ctx, clock):
    community, _ = street()
    for phone in NEIGHBOURS:
        resident(community, phone=phone, name="邻居")
    db.session.remove()

    clients = [app.test_client() for _ in NEIGHBOURS]

    def send(n):
        form = sms_form(NEIGHBOURS[n], "楼道灯不亮了", "SM" + uuid.uuid4().hex)
        return post_signed(clients[n], "/twilio/sms", form)

    responses = together(len(NEIGHBOURS), send)
    run_jobs(app)
    assert [r.status_code for r in responses] == [200] * len(NEIGHBOURS)
    tickets = list(db.session.scalars(select(Ticket).order_by(Ticket.id)))
    originals = [t for t in tickets if t.parent_id is None]
    assert len(originals) == 1, [(t.code, t.parent_id) for t in tickets]
    said = {replies(r)[0] for r in responses}
    assert all(originals[0].code in s for s in said)
