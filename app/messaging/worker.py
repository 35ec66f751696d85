"""The outbox sender: claim due rows, hand them to the provider, record what happened.

Claiming is one short transaction (SKIP LOCKED on PostgreSQL; SQLite's IMMEDIATE transactions
serialise claimers), so any number of workers can run. The provider call happens outside any
transaction; a worker that dies mid-send leaves a lease that expires and the row is retried.

A transient failure (provider unreachable, 5xx, 429) is retried with backoff. Two in a row mean
the provider's trouble, not one message's: the batch stops, the rest of it goes back to the
queue untouched, and the caller pauses. After the pause every row waiting after a failed attempt
is due again before the next claim, so when the provider is back the backlog leaves in priority
order (offers before surveys), not in the order per-message backoffs happen to expire.
Transient failures are final only after max_attempts and a day, so an outage loses nothing.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.clock import utcnow
from app.db import changed, write_alone
from app.messaging.models import Direction, Message, MessageKind, MessageStatus
from app.messaging.optouts import is_opted_out
from app.messaging.senders import Sender, SendError, Sent, TemplateUse
from app.operations import tracing

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 15 * 60
# A transient failure is final only for a message this old (and past max_attempts).
GIVE_UP_AFTER = timedelta(hours=24)
TROUBLE_IN_A_ROW = 2  # transient failures in a row that stop a batch


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    error_codes: list[int] = field(default_factory=list)  # as the provider answered (0: none)

    @property
    def busy(self) -> bool:
        return bool(self.sent or self.retried or self.failed or self.suppressed)

    @property
    def provider_trouble(self) -> bool:
        """Attempts failed and none got through: the provider is down or throttling; pause."""
        return self.retried > 0 and self.sent == 0


# What a permanent failure means for the number, beyond this one message.
OnPermanentFailure = Callable[[Session, Message, int | None], None]


_NOW = bindparam("now", type_=Message.next_attempt_at.type)
# Built once: the outbox claims after every batch it sent and whenever jobs queued texts.
_DUE = (
    select(Message)
    .where(
        Message.direction == Direction.outbound,
        or_(
            (Message.status == MessageStatus.queued) & (Message.next_attempt_at <= _NOW),
            (Message.status == MessageStatus.sending) & (Message.lease_expires_at < _NOW),
        ),
    )
    .order_by(Message.priority, Message.next_attempt_at, Message.id)
    .limit(bindparam("batch"))
    .with_for_update(skip_locked=True)
)


_LEASED = (
    update(Message)
    .where(Message.id.in_(bindparam("ids", expanding=True)))
    .values(
        status=MessageStatus.sending,
        lease_expires_at=bindparam("until", type_=Message.lease_expires_at.type),
    )
)


def claim(session: Session, *, batch: int, lease_seconds: int) -> list[Message]:
    """Take up to `batch` due rows, most urgent first, and lease them to this worker: one
    SELECT and one UPDATE for the whole batch."""
    now = utcnow()
    rows = list(session.scalars(_DUE, {"now": now, "batch": batch}))
    if rows:
        until = now + timedelta(seconds=lease_seconds)
        session.connection().execute(_LEASED, {"ids": [m.id for m in rows], "until": until})
        for message in rows:  # as written, without marking them changed
            set_committed_value(message, "status", MessageStatus.sending)
            set_committed_value(message, "lease_expires_at", until)
    session.commit()  # the loaded rows keep their values: no re-read after the claim
    return rows


def send_due(
    session: Session,
    sender: Sender,
    status_callback: Callable[[Message], str],
    on_permanent_failure: OnPermanentFailure,
    *,
    batch: int = 20,
    lease_seconds: int = 120,
    max_attempts: int = 8,
    after_trouble: bool = False,
) -> Outcome:
    """Send one batch. Each row's result is committed on its own, so a crash loses one at most.

    `after_trouble`: the caller paused after provider trouble; rows waiting after a failed
    attempt are due again first, so they keep their place by priority.
    """
    if after_trouble:
        resume_waiting(session)
    outcome = Outcome()
    claimed = claim(session, batch=batch, lease_seconds=lease_seconds)
    in_a_row = 0
    for index, message in enumerate(claimed):
        transient = False
        with tracing.bound(trace=message.trace, message=str(message.id)):
            if message.kind == MessageKind.sms and is_opted_out(session, message.peer):
                message.status = MessageStatus.suppressed
                message.error_message = "opted out"
                outcome.suppressed += 1
                log.info("%s suppressed: opted out", message.kind)
            else:
                session.commit()  # nothing (no row, no SQLite write lock) is held during the call
                transient = _attempt(
                    session,
                    message,
                    sender,
                    status_callback,
                    on_permanent_failure,
                    max_attempts,
                    outcome,
                )
            write_alone(session, message)  # its result, without the flush's bookkeeping
            session.commit()
        in_a_row = in_a_row + 1 if transient else 0
        if in_a_row >= TROUBLE_IN_A_ROW:
            release(session, claimed[index + 1 :])
            break
    return outcome


def release(session: Session, rows: list[Message]) -> None:
    """Hand claimed rows back unsent, keeping their place in the queue."""
    if not rows:
        return
    session.execute(
        update(Message)
        .where(Message.id.in_([m.id for m in rows]), Message.status == MessageStatus.sending)
        .values(status=MessageStatus.queued, lease_expires_at=None)
    )
    session.commit()


def resume_waiting(session: Session) -> int:
    """Rows backing off after a failed attempt are due now (after a pause for the provider)."""
    now = utcnow()
    result = session.execute(
        update(Message)
        .where(
            Message.status == MessageStatus.queued,
            Message.next_attempt_at > now,
            Message.attempts > 0,
        )
        .values(next_attempt_at=now)
    )
    session.commit()
    return changed(result)


def _attempt(
    session: Session,
    message: Message,
    sender: Sender,
    status_callback: Callable[[Message], str],
    on_permanent_failure: OnPermanentFailure,
    max_attempts: int,
    outcome: Outcome,
) -> bool:
    """One provider call; True when it failed transiently (to be retried)."""
    message.attempts += 1
    try:
        result = _send(sender, message, status_callback(message))
    except SendError as error:
        message.error_code = error.code
        message.error_message = str(error)[:300]
        outcome.error_codes.append(error.code or 0)
        exhausted = message.attempts >= max_attempts and (
            message.created_at is None or utcnow() - message.created_at >= GIVE_UP_AFTER
        )
        if error.permanent or exhausted:
            message.status = MessageStatus.failed
            message.status_at = utcnow()
            on_permanent_failure(session, message, error.code)
            outcome.failed += 1
            log.warning("%s failed for good", message.kind, extra={"code": error.code})
            return False
        message.status = MessageStatus.queued
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        outcome.retried += 1
        log.warning("%s to retry", message.kind, extra={"code": error.code})
        return True
    message.provider_sid = result.sid
    message.status = MessageStatus.delivered if result.status == "delivered" else MessageStatus.sent
    message.sent_at = message.status_at = utcnow()
    message.error_code = None
    message.error_message = ""
    outcome.sent += 1
    log.info("%s %s", message.kind, message.status, extra={"sid": result.sid})
    return False


def _send(sender: Sender, message: Message, callback: str) -> Sent:
    if message.kind == MessageKind.call:
        values = TemplateUse("", message.language or "zh", message.params or {})
        return sender.place_call(message.peer, message.callback_url or "", callback, values)
    template = None
    if message.template:
        template = TemplateUse(message.template, message.language or "zh", message.params or {})
    return sender.send_sms(message.peer, message.body, callback, template)


def backoff(attempts: int, cap: float = BACKOFF_CAP_SECONDS) -> timedelta:
    """Exponential backoff with full jitter, so a recovering provider is not hit all at once."""
    ceiling = min(cap, BACKOFF_BASE_SECONDS * 2 ** min(attempts - 1, 30))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
