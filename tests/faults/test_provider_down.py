"""The provider is down for ten minutes (refusing connections, answering 500, or 429): every text
still becomes a ticket, and once it is back every queued SMS leaves exactly once, offers first,
then notices, then surveys. Driven by the real worker loop's batches under the frozen clock."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import db
from app.messaging import outbox
from app.messaging.models import Direction, Message, MessageStatus, Priority
from app.messaging.outbox import Text
from app.scheduling.runner import Worker, run_sweeps_once
from app.telephony.rest import make_client
from app.telephony.sender import TwilioSender
from app.tickets.models import Ticket
from tests.support.closure import assign, report, resident, resolve, street
from tests.support.texting import replies, text_line
from tests.volunteers.factories import volunteer

pytestmark = pytest.mark.faults

STEP = timedelta(seconds=5)
OUTAGE = timedelta(minutes=10)
SKILLS = ("appliance", "electrical", "plumbing")


@pytest.fixture
def worker(app, twilio_double):
    client = make_client(
        twilio_double.account_sid, twilio_double.auth_token, twilio_double.base_url
    )
    running = Worker(app, TwilioSender(client, "+8658000000"))
    yield running
    running.sender.close()


class Loop:
    """The worker's outbox loop and scheduler, ticking on the frozen clock."""

    def __init__(self, app, clock, worker: Worker) -> None:
        self.app, self.clock, self.worker = app, clock, worker
        self.next_batch = clock.now

    def tick(self, *, sweep: bool) -> None:
        if sweep:
            run_sweeps_once(self.app, self.worker.holder)
        if self.clock.now >= self.next_batch:
            self.next_batch = self.clock.now + timedelta(seconds=self.worker.send_batch())
        self.clock.advance(seconds=STEP.total_seconds())


def waiting() -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.direction == Direction.outbound, Message.status == MessageStatus.queued)
    )


def surveys_due(client, clock, community) -> None:
    """Three tickets resolved an hour ago: their surveys go out at the next sweep."""
    helper = volunteer(99, community, skills=SKILLS)
    for n in range(3):
        ticket = report(client, f"+86138001390{n:02d}", "楼道灯不亮了")
        assign(ticket, helper)
        resolve(ticket, helper)
    clock.advance(minutes=61)


def break_provider(twilio_double, failure: str) -> None:
    if failure == "refused":
        twilio_double.refuse()
    else:
        twilio_double.fail_with(status=int(failure), code=None)


@pytest.mark.parametrize("failure", ["refused", "500", "429"])
@pytest.mark.slow
def test_ten_minutes_without_the_provider(app, client, ctx, clock, twilio_double, worker, failure):
    community, _ = street()  # its staff phone is texted about tickets nobody can take
    for n in range(10):
        volunteer(n, community, skills=SKILLS)
    surveys_due(client, clock, community)
    for n in range(4):  # the texters below live in the community: their tickets are offered
        resident(community, phone=f"+8613800138{n:03d}")
    loop = Loop(app, clock, worker)
    break_provider(twilio_double, failure)

    texts, answered = 0, 0
    outage_ends = clock.now + OUTAGE
    while clock.now < outage_ends:
        if int(clock.now.timestamp()) % 150 == 0:  # a text every 2.5 minutes: the backlog
            # fits one batch, so only the order of the queue decides what leaves first
            body = "洗衣机坏了" if texts % 3 else "门口垃圾没人清"  # nobody has sanitation
            response = text_line(client, f"13800138{texts:03d}", body)
            answered += response.status_code == 200 and len(replies(response)) == 1
            texts += 1
        loop.tick(sweep=int(clock.now.timestamp()) % 15 == 0)
    assert answered == texts == 4
    assert not [r for r in twilio_double.requests if r.status == 201]
    backlog = waiting()
    tried = len(twilio_double.requests)

    twilio_double.recover()
    for _ in range(200):
        if not waiting():
            break
        loop.tick(sweep=False)

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == texts + 3
    sent = list(
        db.session.scalars(
            select(Message).where(Message.direction == Direction.outbound, Message.body != "")
        )
    )
    assert {m.status for m in sent} <= {MessageStatus.sent, MessageStatus.replied}
    outbox = {(m.peer, m.body): m.priority for m in sent if m.status == MessageStatus.sent}
    assert len(outbox) == backlog > 0
    delivered = [(r.form["To"], r.form["Body"]) for r in twilio_double.requests if r.status == 201]
    assert Counter(delivered) == Counter(outbox.keys())  # each once
    order = [outbox[key] for key in delivered]
    assert order == sorted(order)  # offers, then notices, then surveys
    assert {"offer", "survey"} <= {m.template.split("_")[0] for m in sent if m.template}
    assert tried < 60, "the worker backs off as a whole instead of hammering a dead provider"


def test_a_message_that_backed_off_long_still_leaves_before_lower_priorities(
    app, ctx, clock, twilio_double, worker
):
    """Per-message backoff grows past the worker's pause; after the pause the queue's order
    decides again, so the long-waiting offer is not overtaken by a survey queued later."""
    offer = outbox.queue_sms(
        db.session, "+8613900000001", Text("help", "zh"), priority=Priority.offer
    )
    db.session.commit()
    twilio_double.fail_with(status=500, code=None)
    for _ in range(7):
        clock.advance(seconds=worker.send_batch())
    offer = db.session.get(Message, offer.id)
    assert offer.attempts == 7 and offer.next_attempt_at > clock.now + timedelta(minutes=1)

    twilio_double.recover()
    outbox.queue_sms(db.session, "+8613900000002", Text("help", "zh"), priority=Priority.survey)
    db.session.commit()
    clock.advance(seconds=60)
    while worker.send_batch() == 0:
        pass
    assert [r.form["To"] for r in twilio_double.requests if r.status == 201] == [
        "+8613900000001",
        "+8613900000002",
    ]


def test_one_failing_message_does_not_hold_up_the_others(app, ctx, clock, twilio_double, worker):
    """A transient failure of one message among successes is that message's: no pause."""
    for n in range(3):
        outbox.queue_sms(db.session, f"+861390000000{n}", Text("help", "zh"))
    db.session.commit()
    twilio_double.fail_next(1, status=500)
    worker.send_batch()
    assert [r.status for r in twilio_double.requests] == [500, 201, 201]
    assert worker.outages == 0
