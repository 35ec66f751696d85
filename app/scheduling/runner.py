"""The worker process: sends the outbox and, while it holds the lease, runs the sweeps.

APScheduler runs here only, never in web workers (it would run every job once per worker).
Several `hotline worker` processes may run: all send, one sweeps; if it dies its lease lapses
and another takes over within a lease period.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from app.clock import utcnow
from app.db import EXTENSION_KEY, db
from app.messaging import delivery, worker
from app.messaging.models import Message, MessageKind
from app.messaging.senders import Sender
from app.operations.metrics import PROVIDER_ERRORS, SENDS
from app.providers.choice import build_sender
from app.scheduling import jobs, lease
from app.scheduling.models import SweepRun
from app.scheduling.sweeps import JOBS, SWEEPS
from app.scheduling.wake import Wakeup

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
PROVIDER_PAUSE_CAP_SECONDS = 60  # a provider that is back is noticed within a minute


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def status_callback_for(app: Flask) -> Callable[[Message], str]:
    base = app.config["PUBLIC_BASE_URL"]

    def callback(message: Message) -> str:
        kind = "call" if message.kind == MessageKind.call else "sms"
        return f"{base}/twilio/status/{kind}"

    return callback


def send_outbox_once(app: Flask, sender: Sender, *, after_trouble: bool = False) -> worker.Outcome:
    """Send one batch of due messages (used by the loop and by tests); counted in the metrics."""
    with app.app_context(), db.unit_of_work(writes=True) as session:
        outcome = worker.send_due(
            session,
            sender,
            status_callback_for(app),
            delivery.mark_number,
            lease_seconds=app.config["HOTLINE_OUTBOX_LEASE_SECONDS"],
            max_attempts=app.config["HOTLINE_OUTBOX_MAX_ATTEMPTS"],
            after_trouble=after_trouble,
        )
    provider = app.config["SETTINGS"].sms_provider
    for result in ("sent", "retried", "failed", "suppressed"):
        if count := getattr(outcome, result):
            SENDS.labels(provider, result).inc(count)
    for code in outcome.error_codes:
        PROVIDER_ERRORS.labels(provider, str(code)).inc()
    return outcome


def run_jobs_once(app: Flask) -> jobs.Ran:
    """Run one batch of due jobs (used by the worker's job loop and by tests)."""
    with app.app_context(), db.unit_of_work(writes=True) as session:
        return jobs.run_due(session, JOBS)


def run_sweeps_once(app: Flask, holder: str) -> list[str]:
    """Run every sweep if this process holds the lease; returns the names that ran.

    Due jobs go first: the sweeps leave a ticket with a job waiting to that job, so a pass
    must not wait on the job loop to catch up."""
    ran: list[str] = []
    with app.app_context(), db.unit_of_work(writes=True) as session:
        ttl = timedelta(seconds=app.config["HOTLINE_SWEEP_LEASE_SECONDS"])
        if not lease.acquire(session, lease.SWEEPS, holder, ttl):
            return ran
        session.commit()
        jobs.run_due(session, JOBS)
        for name, sweep in SWEEPS:
            started = time.perf_counter()
            try:
                result = sweep(session)
                seconds = time.perf_counter() - started
                session.merge(SweepRun(name=name, finished_at=utcnow(), seconds=seconds))
                session.commit()
                ran.append(name)
                log.log(
                    logging.INFO if result else logging.DEBUG,
                    "sweep %s ran",
                    name,
                    extra={"ms": round(seconds * 1000, 1), "result": result},
                )
            except Exception:
                session.rollback()
                log.exception("sweep %s failed; it will run again next tick", name)
    return ran


class Worker:
    """Outbox loop in the calling thread, sweeps on an APScheduler thread."""

    def __init__(self, app: Flask, sender: Sender | None = None) -> None:
        self.app = app
        self.sender = sender or build_sender(app.config["SETTINGS"])
        self.holder = holder_id()
        self.stopping = threading.Event()
        self.outbox_due = threading.Event()  # set when jobs queued texts: send them now
        self.wakeup = Wakeup(app.extensions[EXTENSION_KEY], self.stopping)
        self.outages = 0  # batches in a row that met provider trouble
        self.scheduler = BackgroundScheduler(
            timezone=app.config["HOTLINE_TIMEZONE"],
            job_defaults={"misfire_grace_time": 300, "coalesce": True, "max_instances": 1},
        )

    def start_scheduler(self) -> None:
        self.scheduler.add_job(
            run_sweeps_once,
            "interval",
            seconds=self.app.config["HOTLINE_SWEEP_TICK_SECONDS"],
            args=[self.app, self.holder],
            id="sweeps",
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.start()

    def run_outbox(self) -> None:
        while not self.stopping.is_set():
            pause = self.send_batch()
            if pause == IDLE_SECONDS:  # nothing to send: until then, or until a job queues texts
                self.outbox_due.wait(pause)
                self.outbox_due.clear()
            elif pause:
                self.stopping.wait(pause)

    def start_jobs(self) -> threading.Thread:
        """Run jobs on their own thread, woken the moment one is committed."""
        self.wakeup.start()
        thread = threading.Thread(target=self.run_jobs, name="jobs", daemon=True)
        thread.start()
        return thread

    def run_jobs(self) -> None:
        while not self.stopping.is_set():
            try:
                ran = run_jobs_once(self.app)
            except Exception:
                log.exception("job batch failed; retrying shortly")
                self.stopping.wait(IDLE_SECONDS)
                continue
            if ran.done:
                self.outbox_due.set()
            if not ran.busy:
                self.wakeup.wait()

    def send_batch(self) -> float:
        """Send one batch; returns the seconds to wait before the next (0: go on at once).

        The database being unreachable or the provider failing both mean waiting: the first
        briefly (the pool reconnects), the second longer each time, up to a minute.
        """
        try:
            outcome = send_outbox_once(self.app, self.sender, after_trouble=self.outages > 0)
        except Exception:
            log.exception("outbox batch failed; retrying shortly")
            return IDLE_SECONDS
        if outcome.provider_trouble:
            self.outages += 1
            return worker.backoff(self.outages, PROVIDER_PAUSE_CAP_SECONDS).total_seconds()
        self.outages = 0
        return 0 if outcome.busy else IDLE_SECONDS

    def stop(self) -> None:
        self.stopping.set()
        self.outbox_due.set()
        self.wakeup.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        with self.app.app_context(), db.unit_of_work(writes=True) as session:
            lease.release(session, lease.SWEEPS, self.holder)
