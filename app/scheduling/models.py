"""Jobs: work the worker does at once. Leases: a row per named job that at most one process holds
at a time. And the indexes the deadline sweeps need on the tickets table.

The reminder and breach sweeps ask for active tickets whose time has come and that were not yet
reminded (flagged). Late tickets stay open, already flagged, until someone closes them; with the
plain (status, due_at) index every pass walks past all of them, and the planner, taking "open"
and "not flagged" as independent, prefers a scan of the whole table (10^6 tickets, 50,000 open:
480 ms a pass). Partial indexes over only the unflagged active tickets hold just what is due or
about to be (the same pass: under 1 ms).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum
from app.operations.tracing import current_trace
from app.tickets.models import ACTIVE_STATUSES, Ticket


class JobKind(StrEnum):
    """Work the worker does at once, asked for in the transaction that made it necessary."""

    ticket_opened = "ticket_opened"  # a new ticket: escalate it by category, or dispatch it
    # one that waited for staff as "other" until its resident said what it is: route it again
    category_found = "category_found"
    ticket_reopened = "ticket_reopened"  # its resident said the problem is back: dispatch again


class Job(Base):
    """One piece of work for the worker. Deleted in the transaction that does it, so a job is
    done once or, after a crash or a failure, tried again: never lost.

    `locked_until` is the claim: a worker that dies holding a job lets it lapse and another
    takes it; `run_at` moves forward after each failed attempt.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_run_at", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(str_enum(JobKind, 30, strict=True))
    ticket_id: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    trace: Mapped[str | None] = mapped_column(String(64), default=current_trace)


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]


class SweepRun(Base):
    """When each sweep last finished and how long it took: what /metrics and /readyz report."""

    __tablename__ = "sweep_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    finished_at: Mapped[datetime]
    seconds: Mapped[float]


_ACTIVE = Ticket.status.in_(sorted(ACTIVE_STATUSES))
_UNREMINDED = _ACTIVE & Ticket.reminded_at.is_(None)
_UNBREACHED = _ACTIVE & Ticket.breached_at.is_(None)

REMINDERS_DUE = Index(
    "ix_tickets_unreminded_remind_at",
    Ticket.remind_at,
    postgresql_where=_UNREMINDED,
    sqlite_where=_UNREMINDED,
)
BREACHES_DUE = Index(
    "ix_tickets_unbreached_due_at",
    Ticket.due_at,
    postgresql_where=_UNBREACHED,
    sqlite_where=_UNBREACHED,
)
