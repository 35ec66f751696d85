"""The outbox sender: claim due rows, hand them to the provider, record what happened.

Claiming is one short transaction (SKIP LOCKED on PostgreSQL; SQLite's IMMEDIATE transactions
serialise claimers), so any number of workers can run. The provider call happens outside any
transaction; a worker that dies mid-send leaves a lease that expires and the row is retried.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.messaging.models import Direction, Message, MessageKind, MessageStatus
from app.messaging.optouts import is_opted_out
from app.messaging.senders import Sender, SendError, Sent

BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 15 * 60


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0


# What a permanent failure means for the number, beyond this one message.
OnPermanentFailure = Callable[[Session, Message, int | None], None]


def claim(session: Session, *, batch: int, lease_seconds: int) -> list[Message]:
    """Take up to `batch` due rows, most urgent first, and lease them to this worker."""
    now = utcnow()
    rows = list(
        session.scalars(
            select(Message)
            .where(
                Message.direction == Direction.outbound,
                or_(
                    (Message.status == MessageStatus.queued) & (Message.next_attempt_at <= now),
                    (Message.status == MessageStatus.sending) & (Message.lease_expires_at < now),
                ),
            )
            .order_by(Message.priority, Message.next_attempt_at, Message.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    for message in rows:
        message.status = MessageStatus.sending
        message.lease_expires_at = now + timedelta(seconds=lease_seconds)
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
) -> Outcome:
    """Send one batch. Each row's result is committed on its own, so a crash loses one at most."""
    outcome = Outcome()
    for message in claim(session, batch=batch, lease_seconds=lease_seconds):
        if message.kind == MessageKind.sms and is_opted_out(session, message.peer):
            message.status = MessageStatus.suppressed
            message.error_message = "opted out"
            outcome.suppressed += 1
        else:
            _attempt(
                session,
                message,
                sender,
                status_callback,
                on_permanent_failure,
                max_attempts,
                outcome,
            )
        session.commit()
    return outcome


def _attempt(
    session: Session,
    message: Message,
    sender: Sender,
    status_callback: Callable[[Message], str],
    on_permanent_failure: OnPermanentFailure,
    max_attempts: int,
    outcome: Outcome,
) -> None:
    message.attempts += 1
    try:
        result = _send(sender, message, status_callback(message))
    except SendError as error:
        message.error_code = error.code
        message.error_message = str(error)[:300]
        if error.permanent or message.attempts >= max_attempts:
            message.status = MessageStatus.failed
            message.status_at = utcnow()
            on_permanent_failure(session, message, error.code)
            outcome.failed += 1
        else:
            message.status = MessageStatus.queued
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            outcome.retried += 1
        return
    message.provider_sid = result.sid
    message.status = MessageStatus.delivered if result.status == "delivered" else MessageStatus.sent
    message.sent_at = message.status_at = utcnow()
    message.error_code = None
    message.error_message = ""
    outcome.sent += 1


def _send(sender: Sender, message: Message, callback: str) -> Sent:
    if message.kind == MessageKind.call:
        return sender.place_call(message.peer, message.callback_url or "", callback)
    return sender.send_sms(message.peer, message.body, callback)


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter, so a recovering provider is not hit all at once."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
