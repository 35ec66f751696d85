"""What the provider tells us after sending: delivery statuses and permanent refusals.

Callbacks are at-least-once and unordered. Each (message, status) pair is stored once, and a
status only replaces one of lower rank, so a late "sent" never overwrites "delivered".
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.db import claim
from app.messaging.models import STATUS_RANK, Message, MessageStatus, MessageStatusEvent
from app.messaging.optouts import opt_out
from app.residents.models import Resident
from app.volunteers.models import Volunteer

UNSUBSCRIBED = {21610}  # the recipient replied STOP to the provider
LANDLINE = {21614, 30006}  # not a mobile number / landline or unreachable carrier
FAILED_STATUSES = {MessageStatus.failed, MessageStatus.undelivered}


def mark_number(session: Session, message: Message, code: int | None) -> None:
    """Remember what a permanent error says about the number, so no one repeats the mistake."""
    if code in UNSUBSCRIBED:
        opt_out(session, message.peer, f"provider:{code}")
    elif code in LANDLINE:
        for model in (Resident, Volunteer):
            session.execute(
                update(model).where(model.phone == message.peer).values(phone_kind="landline")
            )


def apply_status(session: Session, sid: str, status: str, error_code: int | None) -> Message | None:
    """Record a delivery status callback; returns the message when its status moved forward."""
    try:
        new = MessageStatus(status)
    except ValueError:
        return None  # statuses we do not track (e.g. "accepted", "scheduled")
    if new not in STATUS_RANK:
        return None
    message = session.scalar(select(Message).where(Message.provider_sid == sid))
    if message is None:
        return None
    try:
        with session.begin_nested():
            session.add(
                MessageStatusEvent(message_id=message.id, status=new.value, error_code=error_code)
            )
    except IntegrityError:
        return None  # this status was already reported
    # Forward only, by a conditional UPDATE: of a "sent" and a "delivered" arriving together,
    # the later commit must not put "sent" back over "delivered".
    ahead = [status for status, rank in STATUS_RANK.items() if rank >= STATUS_RANK[new]]
    if not claim(session, message, Message.status.not_in(ahead), status=new, status_at=utcnow()):
        return None
    if new in FAILED_STATUSES:
        message.error_code = error_code
        mark_number(session, message, error_code)
    return message
