"""Delivery status callbacks: signed, idempotent, and safe out of order."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db import db
from app.messaging.models import (
    Direction,
    Message,
    MessageStatus,
    MessageStatusEvent,
)
from app.residents.models import Resident
from tests.support.crowd import at_once
from tests.support.texting import post_signed

TO = "+8613800138000"
SID = "SM" + "c" * 32


def sent_message(status: MessageStatus = MessageStatus.sent) -> Message:
    message = Message(
        direction=Direction.outbound,
        peer=TO,
        body="hi",
        status=status,
        provider_sid=SID,
    )
    db.session.add(message)
    db.session.commit()
    return message


def callback(client, status: str, error: str = ""):
    form = {"MessageSid": SID, "MessageStatus": status, "AccountSid": "AC" + "1" * 32}
    if error:
        form["ErrorCode"] = error
    return post_signed(client, "/twilio/status/sms", form)


def status_of(message: Message) -> MessageStatus:
    db.session.expire_all()
    return db.session.get(Message, message.id).status


def test_late_sent_does_not_overwrite_delivered(client, ctx):
    message = sent_message()
    assert callback(client, "delivered").status_code == 204
    assert callback(client, "sent").status_code == 204
    assert status_of(message) == MessageStatus.delivered


def test_repeated_callbacks_are_stored_once(client, ctx):
    message = sent_message()
    for _ in range(3):
        callback(client, "delivered")
    count = db.session.scalar(select(func.count()).select_from(MessageStatusEvent))
    assert count == 1 and status_of(message) == MessageStatus.delivered


def test_undelivered_to_a_landline_marks_the_number(client, ctx):
    db.session.add(Resident(phone=TO))
    message = sent_message()
    callback(client, "undelivered", "30006")
    assert status_of(message) == MessageStatus.undelivered
    assert db.session.scalars(select(Resident)).one().phone_kind == "landline"


def test_unknown_sid_and_unknown_status_are_ignored(client, ctx):
    form = {"MessageSid": "SM" + "d" * 32, "MessageStatus": "delivered"}
    assert post_signed(client, "/twilio/status/sms", form).status_code == 204
    message = sent_message()
    assert callback(client, "accepted").status_code == 204
    assert status_of(message) == MessageStatus.sent


def test_callbacks_must_be_signed_and_complete(client, ctx):
    sent_message()
    form = {"MessageSid": SID, "MessageStatus": "failed"}
    response = client.post("/twilio/status/sms", data=form)
    assert response.status_code == 403
    assert post_signed(client, "/twilio/status/sms", {"MessageSid": SID}).status_code == 400


def test_sent_and_delivered_arriving_together_end_delivered(app, ctx):
    """Six "sent" and six "delivered" callbacks in the same instant: "delivered" at the end,
    each status stored once, every callback answered 204."""
    sent_message(MessageStatus.sending)
    db.session.remove()
    order = iter(["sent", "delivered"] * 6)

    def prepare(client):
        client.status = next(order)

    statuses = at_once(app, 12, lambda client: callback(client, client.status).status_code, prepare)

    assert statuses == [204] * 12
    assert db.session.scalar(select(Message.status)) == MessageStatus.delivered
    assert db.session.scalar(select(func.count()).select_from(MessageStatusEvent)) == 2
