"""Faults at a domestic gateway lose nothing: down (refused connections, 503) or throttled, the
texts stay queued and leave once it is back; a wrong template is failed for good, with the
gateway's code on the row; a wrong key is refused by the gateway's signature check."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from app.db import db
from app.messaging import outbox
from app.messaging.models import Message, MessageStatus
from app.messaging.outbox import Text
from app.messaging.senders import SendError, TemplateUse
from app.providers.choice import build_sender
from app.scheduling.runner import send_outbox_once
from app.tickets.links import call_url
from tests.support.gateway import Gateway

pytestmark = pytest.mark.faults

PHONES = [f"+861380013{n:04d}" for n in range(3)]
THROTTLED = {
    "aliyun": "isv.BUSINESS_LIMIT_CONTROL",
    "tencent": "LimitExceeded.PhoneNumberDailyLimit",
}
WRONG_TEMPLATE = {
    "aliyun": "isv.SMS_TEMPLATE_ILLEGAL",
    "tencent": "FailedOperation.TemplateIncorrectOrUnapproved",
}


def queue_three() -> list[int]:
    ids = [
        outbox.queue_sms(db.session, phone, Text("cancelled", "zh", {"code": "80421" + str(i)})).id
        for i, phone in enumerate(PHONES)
    ]
    db.session.commit()
    return ids


def break_gateway(gateway: Gateway, fault: str) -> None:
    """The gateway down (port closed, or answering 503) or throttling, until it recovers."""
    if fault == "refused":
        gateway.double.refuse()
    elif fault == "503":
        gateway.double.fail_next(10, 503, "ServiceUnavailable")
    else:
        gateway.double.fail_next(10, 200, THROTTLED[gateway.provider])


def statuses(ids: list[int]) -> list[MessageStatus]:
    db.session.expire_all()
    return [db.session.get(Message, i).status for i in ids]


def send_once(gateway: Gateway):
    return send_outbox_once(gateway.app, build_sender(gateway.app.config["SETTINGS"]))


@pytest.mark.parametrize("fault", ["refused", "503", "throttled"])
def test_a_gateway_down_or_throttled_keeps_every_text_queued_until_it_is_back(
    gateway, clock, fault
):
    ids = queue_three()
    break_gateway(gateway, fault)
    outcome = send_once(gateway)
    assert outcome.provider_trouble and outcome.failed == 0
    assert set(statuses(ids)) == {MessageStatus.queued}

    gateway.double.recover()
    clock.advance(minutes=20)
    outcome = send_once(gateway)
    assert outcome.sent == 3
    assert set(statuses(ids)) == {MessageStatus.sent}
    assert sorted(to for to, _ in gateway.new_requests()[-3:]) == sorted(
        p.removeprefix("+86") if gateway.provider == "aliyun" else p for p in PHONES
    )


def test_a_wrong_template_fails_that_text_for_good_with_the_gateways_code(gateway):
    [first, *rest] = queue_three()
    gateway.double.fail_next(1, 200, WRONG_TEMPLATE[gateway.provider])
    outcome = send_once(gateway)
    assert outcome.failed == 1 and outcome.sent == 2
    failed = db.session.get(Message, first)
    assert failed.status == MessageStatus.failed
    assert WRONG_TEMPLATE[gateway.provider] in failed.error_message
    assert statuses(rest) == [MessageStatus.sent, MessageStatus.sent]


def test_a_text_without_a_registered_template_is_never_sent(gateway):
    message = outbox.queue_sms(
        db.session,
        PHONES[0],
        Text("survey_link", "zh", {"code": "1", "link": "https://x.example/s/1"}),
    )
    db.session.commit()
    assert send_once(gateway).failed == 1
    db.session.expire_all()
    row = db.session.get(Message, message.id)
    assert row.status == MessageStatus.failed and "has no" in row.error_message
    assert gateway.double.received == []


def test_the_double_refuses_a_request_signed_with_the_wrong_secret(gateway):
    settings = gateway.app.config["SETTINGS"]
    key = "ALIYUN_ACCESS_KEY_SECRET" if gateway.provider == "aliyun" else "TENCENT_SECRET_KEY"
    wrong = dataclasses.replace(settings, **{key: "not-the-secret"})
    with pytest.raises(SendError):
        build_sender(wrong).send_sms(
            PHONES[0], "x", "", TemplateUse("cancelled", "zh", {"code": "804213"})
        )
    assert gateway.double.bad_signatures == 1 and gateway.double.received == []


@pytest.mark.parametrize("known", [True, False], ids=["marked", "unmarked"])
def test_landlines_are_never_texted(gateway, known):
    message = outbox.queue_sms(
        db.session, "+862361520695", Text("cancelled", "zh", {"code": "1"}), landline=known
    )
    db.session.commit()
    send_once(gateway)
    status = db.session.scalar(select(Message.status).where(Message.id == message.id))
    assert status == (MessageStatus.suppressed if known else MessageStatus.failed)
    assert gateway.double.received == []


def test_a_failed_delivery_report_marks_the_text_undelivered_once(gateway):
    [first, *_] = queue_three()
    send_once(gateway)
    message = db.session.get(Message, first)
    for _ in range(2):  # the gateway's retry of the same report changes nothing
        assert (
            gateway.report(message.provider_sid, message.peer, delivered=False).status_code == 200
        )
    assert statuses([first]) == [MessageStatus.undelivered]
    assert gateway.report(message.provider_sid, message.peer, delivered=True).status_code == 200
    assert statuses([first]) == [MessageStatus.undelivered]  # a final status stays final


@pytest.mark.parametrize("fault", ["refused", "503", "throttled"])
def test_a_call_waits_out_a_fault_and_is_placed_once_the_gateway_is_back(gateway, clock, fault):
    call = outbox.queue_call(
        db.session,
        "+862361520695",
        call_url("coming", "804213"),
        language="zh",
        values={"code": "804213", "volunteer": "李师傅"},
    )
    db.session.commit()
    break_gateway(gateway, fault)
    assert send_once(gateway).provider_trouble
    assert statuses([call.id]) == [MessageStatus.queued]

    gateway.double.recover()
    clock.advance(minutes=20)
    assert send_once(gateway).sent == 1
    assert statuses([call.id]) == [MessageStatus.sent]
    [(to, name)] = gateway.new_requests()
    assert name == "coming" and to.endswith("2361520695")
    assert send_once(gateway).sent == 0  # placed once


def test_a_call_the_gateway_refuses_for_its_template_fails_for_good(gateway):
    call = outbox.queue_call(
        db.session, "+862361520695", call_url("coming", "804213"), values={"code": "804213"}
    )
    db.session.commit()
    gateway.double.fail_next(1, 200, WRONG_TEMPLATE[gateway.provider])
    assert send_once(gateway).failed == 1
    db.session.expire_all()
    failed = db.session.get(Message, call.id)
    assert failed.status == MessageStatus.failed
    assert WRONG_TEMPLATE[gateway.provider] in failed.error_message
