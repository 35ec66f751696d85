"""Acquire or renew a named lease with one conditional statement, so two schedulers never both run.

Works the same on SQLite and PostgreSQL: the UPDATE only matches when the lease is ours or has
lapsed, and the INSERT for a first-ever lease is protected by the primary key.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.scheduling.models import Lease

SWEEPS = "sweeps"  # the lease whose holder runs the periodic sweeps


def acquire(session: Session, name: str, holder: str, ttl: timedelta) -> bool:
    """True when `holder` now holds `name` until now + ttl. Commits its own short transaction."""
    now = utcnow()
    result = session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
    )
    if result.rowcount == 1:
        session.commit()
        return True
    session.rollback()
    if session.get(Lease, name) is not None:
        session.rollback()
        return False
    try:
        session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def release(session: Session, name: str, holder: str) -> None:
    session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
