"""The job queue: work asked for in a transaction, done by the worker as soon as it commits.

`enqueue` adds the row to the caller's transaction (and, on PostgreSQL, a NOTIFY that is
delivered only if that transaction commits), so the work exists exactly when its cause does.
The worker claims due jobs with a conditional UPDATE (SKIP LOCKED first on PostgreSQL, so
claimers do not queue on each other's rows), runs each in its own transaction and deletes the row
in that same transaction. A failure rolls the work back and puts the job off with backoff; a
worker that dies holding a job lets its claim lapse. Handlers must therefore be harmless to run
again (each checks the ticket still needs the work).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from app.clock import utcnow
from app.db import table
from app.operations import tracing
from app.scheduling.models import Job, JobKind

log = logging.getLogger(__name__)

CHANNEL = "hotline_jobs"  # the PostgreSQL LISTEN/NOTIFY channel that wakes workers
CLAIM_SECONDS = 60  # a claimed job whose worker died is taken again after this
BACKOFF_CAP = timedelta(minutes=15)

Handler = Callable[[Session, Job], object]


_INSERT = insert(table(Job))
# PostgreSQL: the wake-up rides on the statement that writes the job (delivered at commit).
WAKE = func.pg_notify(CHANNEL, "")
_INSERT_AND_NOTIFY = _INSERT.returning(WAKE)


def job_row(kind: JobKind, **data: Any) -> dict[str, Any]:
    """Every column of a new job but its `ticket_id` (what `enqueue` writes, or a ticket's own
    statement with the ticket)."""
    return {
        "kind": kind,
        "data": data,
        "run_at": utcnow(),
        "locked_until": None,
        "attempts": 0,
        "last_error": "",
        "trace": tracing.current_trace(),
    }


def enqueue(session: Session, kind: JobKind, ticket_id: int | None, **data: Any) -> None:
    """Ask the worker for `kind` once the caller's transaction commits.

    One Core INSERT, no flush: the row's values are all known here and nothing reads it back.
    """
    write_job(session, ticket_id, job_row(kind, **data))


def write_job(session: Session, ticket_id: int | None, row: dict[str, Any]) -> None:
    """The `job_row` for `ticket_id` in one Core INSERT (with its wake-up on PostgreSQL)."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    connection.execute(_INSERT_AND_NOTIFY if postgres else _INSERT, row | {"ticket_id": ticket_id})


@dataclass
class Ran:
    done: int = 0
    failed: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.done or self.failed)


def _claim_statement(*, skip_locked: bool) -> Update:
    """UPDATE ... RETURNING that takes up to `batch` due jobs until `until`; `free` again in
    its WHERE: a row another worker took after the subquery read it (PostgreSQL re-checks it
    under the row lock) is not taken twice."""
    now = bindparam("now", type_=Job.run_at.type)
    free = or_(Job.locked_until.is_(None), Job.locked_until < now)
    due = select(Job.id).where(Job.run_at <= now, free).order_by(Job.id).limit(bindparam("batch"))
    if skip_locked:
        due = due.with_for_update(skip_locked=True)
    return (
        update(Job)
        .where(Job.id.in_(due.scalar_subquery()), free)
        .values(locked_until=bindparam("until", type_=Job.locked_until.type))
        .returning(Job.id)
    )


# Built once: a worker claims after every job it ran and whenever it is woken, so building
# the statement (and its cache key) each time cost more than running it.
_CLAIM = {
    "postgresql": _claim_statement(skip_locked=True),
    "sqlite": _claim_statement(skip_locked=False),
}
_CLAIMED = select(Job).where(Job.id.in_(bindparam("ids", expanding=True))).order_by(Job.id)
_DONE = delete(Job).where(Job.id == bindparam("id"))


def claim(session: Session, batch: int) -> list[int]:
    """Ids of up to `batch` due jobs now held by this worker for CLAIM_SECONDS."""
    now = utcnow()
    values = {"now": now, "batch": batch, "until": now + timedelta(seconds=CLAIM_SECONDS)}
    statement = _CLAIM[session.get_bind().dialect.name]
    # On the connection: the ORM's path for an UPDATE copies the statement and keys it again.
    claimed = session.connection().execute(statement, values).scalars().all()
    session.commit()
    return sorted(claimed)


def run_due(session: Session, handlers: Mapping[JobKind, Handler], *, batch: int = 20) -> Ran:
    """Claim and run one batch of due jobs, each in its own transaction."""
    ran = Ran()
    claimed = claim(session, batch)
    if not claimed:
        return ran
    for job in session.scalars(_CLAIMED, {"ids": claimed}).all():
        with tracing.bound(trace=job.trace, job=f"{job.kind}:{job.id}"):
            _run(session, job, handlers[job.kind], ran)
    return ran


def _run(session: Session, job: Job, handler: Handler, ran: Ran) -> None:
    started = time.perf_counter()
    job_id = job.id
    try:
        handler(session, job)
        session.connection().execute(_DONE, {"id": job_id})
        session.commit()
        ran.done += 1
        log.info("job done", extra={"ms": round((time.perf_counter() - started) * 1000, 1)})
    except Exception as error:
        session.rollback()
        log.exception("job failed; it will be tried again")
        _put_off(session, job_id, error)
        ran.failed += 1


def _put_off(session: Session, job_id: int, error: Exception) -> None:
    attempts = session.scalar(select(Job.attempts).where(Job.id == job_id)) or 0
    wait = min(BACKOFF_CAP, timedelta(seconds=2 ** min(attempts, 20)))
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            attempts=Job.attempts + 1,
            run_at=utcnow() + wait,
            locked_until=None,
            last_error=f"{type(error).__name__}: {error}"[:500],
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
