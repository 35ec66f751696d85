"""Delivery callbacks for one text arriving together ("sent" and "delivered" in the same
instant, each repeated): the status ends "delivered", each status is stored once, and every
callback is answered 204."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db import db
from app.messaging.models import Direction, Message, MessageStatus, MessageStatusEvent
from tests.support.crowd import at_once
from tests.support.texting import post_signed

SID = "SM" + "d" * 32
CALLBACKS = 12


def test_sent_and_delivered_together_end_delivered(app, ctx):
    message = Message(
        direction=Direction.outbound,
        peer="+8613800138000",
        body="hi",
        status=MessageStatus.sending,
        provider_sid=SID,
    )
    db.session.add(message)
    db.session.commit()
    db.session.remove()
    order = iter(["sent", "delivered"] * (CALLBACKS // 2))

    def prepare(client):
        client.status = next(order)

    def report(client):
        form = {"MessageSid": SID, "MessageStatus": client.status, "AccountSid": "AC" + "1" * 32}
        return post_signed(client, "/twilio/status/sms", form).status_code

    statuses = at_once(app, CALLBACKS, report, prepare)

    assert statuses == [204] * CALLBACKS
    assert db.session.scalar(select(Message.status)) == MessageStatus.delivered
    assert db.session.scalar(select(func.count()).select_from(MessageStatusEvent)) == 2
