"""Acquire or renew a named lease with one conditional statement, so two schedulers never both run.

Works the same on SQLite and PostgreSQL: an upsert whose update only applies when the lease is
ours or has lapsed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.db import conflict_insert
from app.scheduling.models import Lease

SWEEPS = "sweeps"  # the lease whose holder runs the periodic sweeps


def acquire(session: Session, name: str, holder: str, ttl: timedelta) -> bool:
    """True when `holder` now holds `name` until now + ttl. Commits its own short transaction.

    One `INSERT ... ON CONFLICT DO UPDATE ... WHERE <ours or lapsed> RETURNING`: the first-ever
    lease is inserted, ours is renewed, a lapsed one is taken over, and of any number of
    schedulers asking at once exactly one wins, with no duplicate-key error for the others.
    """
    now = utcnow()
    statement = (
        conflict_insert(session, Lease)
        .values(name=name, holder=holder, expires_at=now + ttl)
        .on_conflict_do_update(
            index_elements=[Lease.name],
            set_={"holder": holder, "expires_at": now + ttl},
            where=or_(Lease.holder == holder, Lease.expires_at < now),
        )
        .returning(Lease.name)
    )
    won = session.execute(statement).one_or_none() is not None
    session.commit()
    return won


def release(session: Session, name: str, holder: str) -> None:
    session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
