"""The outbox worker sends through the real twilio client to a local double of Twilio's API."""

from __future__ import annotations

import logging
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from app.db import db
from app.messaging import outbox
from app.messaging.models import Message, MessageStatus, Priority
from app.messaging.optouts import is_opted_out
from app.messaging.outbox import Text
from app.operations import logs
from app.residents.models import Resident
from app.scheduling.runner import send_outbox_once
from app.telephony.rest import make_client
from app.telephony.sender import TwilioSender, build_sender
from tests.conftest import PUBLIC_BASE_URL

TO = "+8613800138000"


@pytest.fixture
def sender(twilio_double):
    sender = TwilioSender(
        make_client(twilio_double.account_sid, twilio_double.auth_token, twilio_double.base_url),
        "+8658000000",
    )
    yield sender
    sender.close()


def queue(to: str = TO, priority: Priority = Priority.notice) -> int:
    message = outbox.queue_sms(db.session, to, Text("help", "zh"), priority=priority)
    db.session.commit()
    return message.id


def row(message_id: int) -> Message:
    db.session.expire_all()
    message = db.session.get(Message, message_id)
    assert message is not None
    return message


def test_a_queued_sms_is_sent_once_with_a_status_callback(app, ctx, clock, sender, twilio_double):
    message_id = queue()
    outcome = send_outbox_once(app, sender)
    assert outcome.sent == 1
    [request] = twilio_double.messages()
    assert request.form["To"] == TO and request.form["From"] == "+8658000000"
    assert request.form["Body"].startswith("【580】")
    assert request.form["StatusCallback"] == f"{PUBLIC_BASE_URL}/twilio/status/sms"
    sent = row(message_id)
    assert sent.status == MessageStatus.sent and sent.provider_sid.startswith("SM")
    assert send_outbox_once(app, sender).sent == 0
    assert len(twilio_double.messages()) == 1


def test_a_send_logs_the_workers_line_not_the_clients_request_dump(app, ctx, clock, sender, caplog):
    logs.configure()
    caplog.set_level(logging.INFO)  # the root's level: each library's own still holds
    message_id = queue()
    assert send_outbox_once(app, sender).sent == 1
    lines = [(r.name, r.getMessage()) for r in caplog.records]
    assert ("app.messaging.worker", "sms sent") in lines
    assert not [name for name, _ in lines if name.startswith("twilio")], lines
    assert row(message_id).status == MessageStatus.sent


@pytest.mark.parametrize("failure", ["500", "429", "refused"])
def test_transient_failures_retry_with_backoff(app, ctx, clock, sender, twilio_double, failure):
    message_id = queue()
    if failure == "refused":
        twilio_double.refuse()
    else:
        twilio_double.fail_next(1, status=int(failure))
    outcome = send_outbox_once(app, sender)
    assert outcome.retried == 1
    waiting = row(message_id)
    assert waiting.status == MessageStatus.queued and waiting.attempts == 1
    assert waiting.next_attempt_at > clock.now
    twilio_double.recover()
    assert send_outbox_once(app, sender).sent == 0  # not due yet
    clock.advance(minutes=1)
    assert send_outbox_once(app, sender).sent == 1
    assert row(message_id).status == MessageStatus.sent


def test_backoff_grows_and_gives_up_after_max_attempts_and_a_day(
    app, ctx, clock, sender, twilio_double
):
    """A provider outage of hours loses nothing; a message failing for a day is given up."""
    message_id = queue()
    twilio_double.fail_with(status=503, code=None)
    delays = []
    for _ in range(app.config["HOTLINE_OUTBOX_MAX_ATTEMPTS"] + 2):
        send_outbox_once(app, sender)
        message = row(message_id)
        delays.append((message.next_attempt_at - clock.now).total_seconds())
        clock.set(message.next_attempt_at)
    assert row(message_id).status == MessageStatus.queued
    assert delays[-1] > delays[0] * 4
    clock.advance(hours=24)
    send_outbox_once(app, sender)
    assert row(message_id).status == MessageStatus.failed


def test_unsubscribed_number_is_never_texted_again(app, ctx, clock, sender, twilio_double):
    twilio_double.fail_with(status=400, code=21610, to=TO)
    message_id = queue()
    assert send_outbox_once(app, sender).failed == 1
    failed = row(message_id)
    assert failed.status == MessageStatus.failed and failed.error_code == 21610
    assert is_opted_out(db.session, TO)
    later = outbox.queue_sms(db.session, TO, Text("help", "en"))
    assert later.status == MessageStatus.suppressed
    assert len(twilio_double.messages()) == 1


def test_landline_error_marks_the_resident_as_landline(app, ctx, clock, sender, twilio_double):
    db.session.add(Resident(phone=TO, phone_kind="mobile"))
    db.session.commit()
    twilio_double.fail_with(status=400, code=21614, to=TO)
    queue()
    send_outbox_once(app, sender)
    db.session.expire_all()
    assert db.session.scalars(select(Resident)).one().phone_kind == "landline"


def test_urgent_messages_leave_before_surveys(app, ctx, clock, sender, twilio_double):
    queue("+8613800138001", Priority.survey)
    queue("+8613800138002", Priority.urgent)
    queue("+8613800138003", Priority.offer)
    send_outbox_once(app, sender)
    order = [r.form["To"] for r in twilio_double.messages()]
    assert order == ["+8613800138002", "+8613800138003", "+8613800138001"]


def test_several_workers_send_each_row_once(app, ctx, clock, sender, twilio_double):
    ids = [queue(f"+86138001380{i:02d}") for i in range(30)]

    def work() -> None:
        while send_outbox_once(app, sender).sent:
            pass

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(r.form["To"] for r in twilio_double.messages())
    assert len(counts) == 30 and set(counts.values()) == {1}
    assert {row(i).status for i in ids} == {MessageStatus.sent}


def test_an_abandoned_claim_is_sent_after_its_lease_expires(app, ctx, clock, sender, twilio_double):
    from app.messaging.worker import claim

    message_id = queue()
    claim(db.session, batch=10, lease_seconds=60)  # a worker that died right after claiming
    assert send_outbox_once(app, sender).sent == 0
    clock.advance(seconds=61)
    assert send_outbox_once(app, sender).sent == 1
    assert row(message_id).status == MessageStatus.sent


def test_local_mode_uses_the_recording_provider(app, ctx, clock):
    message_id = queue()
    send_outbox_once(app, build_sender(app.config["SETTINGS"]))
    delivered = row(message_id)
    assert delivered.status == MessageStatus.delivered and delivered.provider_sid.startswith("LM")


def test_rejected_credentials_are_retried_not_failed(app, ctx, clock, twilio_double):
    wrong = TwilioSender(
        make_client(twilio_double.account_sid, "not-the-token", twilio_double.base_url), "580"
    )
    message_id = queue()
    assert send_outbox_once(app, wrong).retried == 1
    assert row(message_id).error_code == 20003
    wrong.close()
