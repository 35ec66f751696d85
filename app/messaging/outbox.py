"""Writing outbound messages: rows in the same transaction as the change that caused them.

Nothing here talks to the provider. The worker sends what is queued; an answer to the sender of
an inbound text goes back inside the webhook's own response and is recorded as `replied`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.clock import utcnow
from app.messaging import segments, templates
from app.messaging.models import Direction, Message, MessageKind, MessageStatus, Priority
from app.messaging.optouts import is_opted_out


@dataclass(frozen=True)
class Text:
    """A rendered SMS: which template, in which language, with which values."""

    template: str
    language: str
    values: Mapping[str, object] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return templates.render(self.template, self.language, **self.values)


def queue_sms(
    session: Session,
    to: str,
    text: Text,
    *,
    priority: Priority = Priority.notice,
    ticket_id: int | None = None,
    landline: bool = False,
    flush: bool = True,
    opted_out: bool | None = None,
) -> Message:
    """Queue an SMS for the worker; suppressed at once for opted-out numbers and landlines.

    A sweep queueing hundreds passes ``flush=False`` and flushes once for the batch (inside
    ``session.no_autoflush``, so the opt-out lookups do not flush row by row either); the row
    has no id until then. A caller that read `to`'s opt-out with its own query (a wave of
    offers, in the query that found its volunteers) passes `opted_out`; None looks it up. The
    worker looks again before it sends.
    """
    reason = _suppression(session, to, landline, opted_out)
    message = _message(
        to,
        text,
        status=MessageStatus.suppressed if reason else MessageStatus.queued,
        priority=priority,
        ticket_id=ticket_id,
    )
    message.error_message = reason
    if not reason:
        message.next_attempt_at = utcnow()
    session.add(message)
    if flush:
        session.flush()
    return message


def queue_call(
    session: Session,
    to: str,
    twiml_url: str,
    *,
    priority: Priority = Priority.survey,
    ticket_id: int | None = None,
    flush: bool = True,
    language: str = "zh",
    values: Mapping[str, object] | None = None,
) -> Message:
    """Queue an outbound call; the provider fetches `twiml_url` when it is answered.
    ``values`` are what a gateway's registered voice prompt reads out (a domestic gateway plays
    a prompt instead of fetching the URL). ``flush=False`` as for `queue_sms`."""
    message = Message(
        direction=Direction.outbound,
        kind=MessageKind.call,
        peer=to,
        status=MessageStatus.queued,
        priority=priority,
        callback_url=twiml_url,
        language=language,
        params={k: str(v) for k, v in (values or {}).items()},
        ticket_id=ticket_id,
        next_attempt_at=utcnow(),
        segments=0,
    )
    session.add(message)
    if flush:
        session.flush()
    return message


def record_reply(
    session: Session,
    to: str,
    text: Text,
    *,
    ticket_id: int | None = None,
    ignore_opt_out: bool = False,
) -> Message:
    """Record an answer that leaves inside the webhook response rather than through the worker.

    The caller only hands the provider replies whose status is `replied`; a reply to an
    opted-out number is kept as `suppressed`, for the record.
    """
    reason = "" if ignore_opt_out else _suppression(session, to, landline=False, opted_out=None)
    message = _message(
        to,
        text,
        status=MessageStatus.suppressed if reason else MessageStatus.replied,
        priority=Priority.reply,
        ticket_id=ticket_id,
    )
    message.error_message = reason
    message.sent_at = None if reason else utcnow()
    session.add(message)
    session.flush()
    return message


def _message(
    to: str, text: Text, *, status: MessageStatus, priority: int, ticket_id: int | None
) -> Message:
    return Message(**_text_values(to, text, status=status, priority=priority, ticket_id=ticket_id))


def _text_values(
    to: str, text: Text, *, status: MessageStatus, priority: int, ticket_id: int | None
) -> dict[str, object]:
    body = text.body
    info = segments.count(body)
    return {
        "direction": Direction.outbound,
        "kind": MessageKind.sms,
        "peer": to,
        "body": body,
        "template": text.template,
        "language": text.language,
        "params": {k: str(v) for k, v in text.values.items()},
        "segments": info.segments,
        "encoding": info.encoding,
        "status": status,
        "priority": priority,
        "ticket_id": ticket_id,
        "created_at": utcnow(),
    }


def answer_row(
    to: str, text: Text, *, inline: bool, opted_out: bool, ticket_id: int | None
) -> dict[str, object]:
    """The row of an answer to an inbound text, for `messaging.inbound` to write in one INSERT
    with the text itself: `replied` when it leaves inside the webhook response (`inline`), else
    queued for the worker as `record_reply` and `queue_sms` would; `suppressed` to an
    opted-out number. The sender's opt-out is already known, so this reads nothing."""
    if opted_out:
        status = MessageStatus.suppressed
    else:
        status = MessageStatus.replied if inline else MessageStatus.queued
    values = _text_values(to, text, status=status, priority=Priority.reply, ticket_id=ticket_id)
    values["error_message"] = "opted out" if opted_out else ""
    values["sent_at"] = values["created_at"] if status is MessageStatus.replied else None
    values["next_attempt_at"] = values["created_at"] if status is MessageStatus.queued else None
    return values


def _suppression(session: Session, to: str, landline: bool, opted_out: bool | None) -> str:
    if is_opted_out(session, to) if opted_out is None else opted_out:
        return "opted out"
    if landline:
        return "landline cannot receive SMS"
    return ""
