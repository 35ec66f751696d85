"""Throttling password guessing without letting guessers lock a known account out.

Every login attempt is counted before its password is checked, on three counters (rows of
login_throttles, each with a `Rule`):

- `pair:<account>|<address>`: five attempts in 15 minutes, then that address waits 15 minutes
  before trying that account again;
- `addr:<address>`: twenty attempts in 15 minutes on any accounts, then that address waits;
- `user:<account>`: five attempts are free, then each one makes the next wait twice as long
  (1 s, 2 s, 4 s ... at most 15 minutes), whatever the address; an hour without attempts
  forgets them. An address the account logged in from in the last 30 days is exempt, so
  guesses from elsewhere never keep the account's own people out.

Counting is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE <may try now> RETURNING` per
counter: of any number of concurrent attempts only as many as the rules allow reach the (slow)
password check, and none fails on a duplicate key. A right password takes its attempt back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, false, or_, select, update
from sqlalchemy.orm import Session

from app.auth.models import LoginThrottle as T
from app.clock import utcnow
from app.db import conflict_insert

WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
PAIR_ATTEMPTS = 5
ADDRESS_ATTEMPTS = 20
FREE_ACCOUNT_ATTEMPTS = 5
LONGEST_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
KNOWN_FOR = timedelta(days=30)
COUNTERS_KEPT = timedelta(days=1)
KEY_LENGTH = 120


@dataclass(frozen=True)
class Rule:
    """How one counter limits attempts.

    `wait(n)`: how long after the n-th counted attempt the next may come. The count starts again
    once `window` has passed since its first attempt, or once the wait has been over for
    `forget` (whichever rule is set).
    """

    wait: Callable[[int], timedelta]
    window: timedelta | None = None
    forget: timedelta | None = None
    longest_ladder: int = 1

    def restarts(self, now: datetime) -> ColumnElement[bool]:
        stale = []
        if self.window is not None:
            stale.append(T.window_started_at <= now - self.window)
        if self.forget is not None:
            stale.append(T.locked_until <= now - self.forget)
        return or_(false(), *stale)


def _lock_after(attempts: int) -> Callable[[int], timedelta]:
    return lambda n: LOCK if n >= attempts else timedelta(0)


_DOUBLINGS = math.ceil(math.log2(LONGEST_DELAY.total_seconds()))


def account_delay(n: int) -> timedelta:
    """The wait after the n-th attempt: none before the fifth, then 1 s, doubling, at most
    LONGEST_DELAY."""
    if n < FREE_ACCOUNT_ATTEMPTS:
        return timedelta(0)
    doublings = min(n - FREE_ACCOUNT_ATTEMPTS, _DOUBLINGS)
    return min(LONGEST_DELAY, timedelta(seconds=2**doublings))


PAIR = Rule(_lock_after(PAIR_ATTEMPTS), window=WINDOW, longest_ladder=PAIR_ATTEMPTS)
ADDRESS = Rule(_lock_after(ADDRESS_ATTEMPTS), window=WINDOW, longest_ladder=ADDRESS_ATTEMPTS)
ACCOUNT = Rule(
    account_delay, forget=FORGET_AFTER, longest_ladder=FREE_ACCOUNT_ATTEMPTS + _DOUBLINGS + 1
)


@dataclass(frozen=True)
class Attempt:
    """An attempt to log in as `account` from `address`; `wait` > 0 when it was refused."""

    account: str
    address: str
    wait: timedelta = timedelta(0)

    @property
    def refused(self) -> bool:
        return self.wait > timedelta(0)


def _keys(account: str, address: str) -> dict[str, str]:
    return {
        "pair": f"pair:{account}|{address}"[:KEY_LENGTH],
        "addr": f"addr:{address}"[:KEY_LENGTH],
        "user": f"user:{account}"[:KEY_LENGTH],
        "known": f"known:{account}|{address}"[:KEY_LENGTH],
    }


def admit(session: Session, username: str, address: str) -> Attempt:
    """Count an attempt on every counter that applies, or on none if one refuses it."""
    account = username.strip().lower()
    keys = _keys(account, address)
    now = utcnow()
    rules = [(keys["pair"], PAIR), (keys["addr"], ADDRESS)]
    known = session.scalar(
        select(T.key).where(T.key == keys["known"], T.window_started_at > now - KNOWN_FOR)
    )
    if known is None:
        rules.append((keys["user"], ACCOUNT))
    savepoint = session.begin_nested()
    # Always in this order, so concurrent attempts lock the rows in the same order.
    for key, rule in rules:
        if not _count(session, key, rule, now):
            savepoint.rollback()
            until = session.scalar(select(T.locked_until).where(T.key == key))
            wait = until - now if until is not None and until > now else timedelta(seconds=1)
            return Attempt(account, address, wait)
    savepoint.commit()
    return Attempt(account, address)


def _count(session: Session, key: str, rule: Rule, now: datetime) -> bool:
    """One more attempt on `key` if it may be made now; False if it must wait."""
    restart = rule.restarts(now)
    count = case((restart, 1), else_=T.failures + 1)
    ladder = {n: now + rule.wait(n) for n in range(1, rule.longest_ladder + 1)}
    statement = (
        conflict_insert(session, T)
        .values(key=key, failures=1, window_started_at=now, locked_until=ladder[1])
        .on_conflict_do_update(
            index_elements=[T.key],
            set_={
                "failures": count,
                "window_started_at": case((restart, now), else_=T.window_started_at),
                "locked_until": case(ladder, value=count, else_=now + rule.wait(len(ladder) + 1)),
            },
            where=or_(T.locked_until.is_(None), T.locked_until <= now),
        )
        .returning(T.failures)
    )
    return session.execute(statement).one_or_none() is not None


def succeeded(session: Session, attempt: Attempt) -> None:
    """The password was right: the account's counters start again, the address gets this one
    attempt back (not its others: owning an account must not clear a guesser's address), and
    the address is known for the account."""
    keys = _keys(attempt.account, attempt.address)
    now = utcnow()
    session.execute(delete(T).where(T.key.in_([keys["pair"], keys["user"]])))
    session.execute(
        update(T)
        .where(T.key == keys["addr"], T.failures > 0)
        .values(
            failures=T.failures - 1,
            locked_until=case((T.failures <= ADDRESS_ATTEMPTS, now), else_=T.locked_until),
        )
    )
    session.execute(
        conflict_insert(session, T)
        .values(key=keys["known"], failures=0, window_started_at=now)
        .on_conflict_do_update(index_elements=[T.key], set_={"window_started_at": now})
    )


def forget_old_attempts(session: Session) -> int:
    """The sweep: drop counters no rule reads any more (every rule has forgotten them within
    the hour; a day is ample) and addresses not logged in from for KNOWN_FOR, so guessing
    random usernames cannot grow the table for good. Returns how many rows went."""
    now = utcnow()
    known = T.key.startswith("known:")
    gone = session.execute(
        delete(T).where(
            or_(
                ~known & (T.locked_until < now - COUNTERS_KEPT),
                known & (T.window_started_at <= now - KNOWN_FOR),
            )
        )
    )
    return gone.rowcount
