"""Waking the worker's job loop the moment a job is committed.

PostgreSQL: a connection LISTENs on the jobs channel; `enqueue` NOTIFYs in the same transaction,
so the wake-up arrives exactly when the job becomes visible. SQLite has no such thing: a short
poll. Either way a missed wake-up costs at most one poll period (notifications are only a hint;
the jobs table is the truth).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

from app.scheduling.jobs import CHANNEL

log = logging.getLogger(__name__)

SQLITE_POLL_SECONDS = 0.1
POSTGRES_POLL_SECONDS = 2.0  # a safety net should a notification be lost with a connection
RECONNECT_SECONDS = 1.0


class Wakeup:
    """`wait()` returns when a job may be due: on a notification or after a poll period."""

    def __init__(self, engine: Engine, stopping: threading.Event) -> None:
        self.engine = engine
        self.stopping = stopping
        self.event = threading.Event()
        self.listens = engine.dialect.name == "postgresql"
        self.poll = POSTGRES_POLL_SECONDS if self.listens else SQLITE_POLL_SECONDS
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.listens and self.thread is None:
            self.thread = threading.Thread(target=self._listen, name="jobs-listen", daemon=True)
            self.thread.start()

    def wait(self) -> None:
        self.event.wait(self.poll)
        self.event.clear()

    def stop(self) -> None:
        self.event.set()

    def _listen(self) -> None:
        while not self.stopping.is_set():
            try:
                with self.engine.connect() as connection:
                    raw = connection.connection.driver_connection
                    assert raw is not None  # a live connection has its driver's
                    raw.autocommit = True
                    raw.execute(f"LISTEN {CHANNEL}")
                    self.event.set()  # jobs committed while nobody listened are due too
                    while not self.stopping.is_set():
                        for _ in raw.notifies(timeout=1.0, stop_after=1):
                            self.event.set()
                    connection.invalidate()  # not back to the pool in LISTEN/autocommit state
            except Exception:
                log.exception("listening for jobs failed; polling until it reconnects")
                self.stopping.wait(RECONNECT_SECONDS)
