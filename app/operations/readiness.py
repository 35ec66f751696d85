"""Is the line moving? A worker holds the sweep lease and the outbox is not falling behind.

`/readyz` answers from these, and `/metrics` reports the same two readings as gauges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.messaging.models import Direction, Message, MessageStatus
from app.scheduling.lease import SWEEPS
from app.scheduling.models import Lease

OUTBOX_STUCK_AFTER = timedelta(minutes=2)
WAITING = (MessageStatus.queued, MessageStatus.sending)


@dataclass(frozen=True)
class Reading:
    ok: bool
    detail: str


def oldest_waiting(session: Session, now: datetime) -> timedelta:
    """Age of the oldest outbound message not yet accepted by the provider (zero: none)."""
    oldest = session.scalar(
        select(func.min(Message.created_at)).where(
            Message.direction == Direction.outbound, Message.status.in_(WAITING)
        )
    )
    return now - oldest if oldest else timedelta(0)


def sweep_holder(session: Session, now: datetime) -> str | None:
    """Who holds the sweep lease now, if anyone."""
    lease = session.get(Lease, SWEEPS)
    return lease.holder if lease is not None and lease.expires_at > now else None


def readings(session: Session, now: datetime) -> dict[str, Reading]:
    holder = sweep_holder(session, now)
    lag = oldest_waiting(session, now)
    return {
        "sweeps": Reading(
            holder is not None, f"lease held by {holder}" if holder else "no worker holds the lease"
        ),
        "outbox": Reading(
            lag < OUTBOX_STUCK_AFTER,
            f"oldest waiting message {int(lag.total_seconds())} s old",
        ),
    }
