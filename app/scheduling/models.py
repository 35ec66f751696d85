"""Leases: a row per named job that at most one process holds at a time; and the indexes the
deadline sweeps need on the tickets table.

The reminder and breach sweeps ask for active tickets whose time has come and that were not yet
reminded (flagged). Late tickets stay open, already flagged, until someone closes them; with the
plain (status, due_at) index every pass walks past all of them, and the planner, taking "open"
and "not flagged" as independent, prefers a scan of the whole table (10^6 tickets, 50,000 open:
480 ms a pass). Partial indexes over only the unflagged active tickets hold just what is due or
about to be (the same pass: under 1 ms).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.tickets.models import ACTIVE_STATUSES, Ticket


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]


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
