"""Workers claiming at the same instant: the sweep lease goes to one scheduler, and every job
and every queued text to one worker, with no duplicate-key error for the losers."""

from __future__ import annotations

from datetime import timedelta

from app.db import db
from app.messaging import worker
from app.messaging.outbox import Text, queue_sms
from app.scheduling import jobs, lease
from app.scheduling.lease import SWEEPS as LEASE_NAME
from app.scheduling.models import JobKind
from tests.support.crowd import together

WORKERS = 8
TTL = timedelta(seconds=60)
ROWS = 40


def in_own_units(app, count: int, work):
    """`work(session, n)` on `count` threads at once, each in its own writing unit of work."""

    def one(n: int):
        with app.app_context(), db.unit_of_work(writes=True) as session:
            return work(session, n)

    return together(count, one)


def test_one_of_many_schedulers_gets_a_new_or_lapsed_lease(app, ctx, clock):
    def ask(session, n):
        return lease.acquire(session, LEASE_NAME, f"worker-{n}", TTL)

    first = in_own_units(app, WORKERS, ask)
    assert first.count(True) == 1
    clock.advance(seconds=61)  # the holder died: its lease lapsed
    second = in_own_units(app, WORKERS, ask)
    assert second.count(True) == 1


def test_each_due_job_is_claimed_by_one_worker(app, ctx, clock):
    for _ in range(ROWS):
        jobs.enqueue(db.session, JobKind.ticket_opened, None)
    db.session.commit()
    db.session.remove()

    claimed = in_own_units(app, 4, lambda session, n: jobs.claim(session, ROWS // 2))

    ids = [job_id for batch in claimed for job_id in batch]
    assert len(ids) == len(set(ids)) == ROWS


def test_each_queued_text_is_claimed_by_one_worker(app, ctx, clock):
    for n in range(ROWS):
        queue_sms(db.session, f"+86138001380{n:02d}", Text("help", "zh"))
    db.session.commit()
    db.session.remove()

    def take(session, n):
        return [m.id for m in worker.claim(session, batch=ROWS // 2, lease_seconds=120)]

    claimed = in_own_units(app, 4, take)

    ids = [message_id for batch in claimed for message_id in batch]
    assert len(ids) == len(set(ids)) == ROWS
