"""Writing outbound messages: rows in the same transaction as the change that caused them.

Nothing here talks to the provider. The worker sends what is queued; an answer to the sender of
an inbound text goes back inside the webhook's own response and is recorded as `replied`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert
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
    has no id until then. A caller that read `to`'s opt-out with its own query passes
    `opted_out`; None looks it up. The worker looks again before it sends.
    """
    suppressed = suppression(session, to, landline=landline, opted_out=opted_out)
    message = Message(
        **sms_row(to, text, priority=priority, ticket_id=ticket_id, suppressed=suppressed)
    )
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
    row = call_row(
        to, twiml_url, priority=priority, ticket_id=ticket_id, language=language, values=values
    )
    message = Message(**row)
    session.add(message)
    if flush:
        session.flush()
    return message


def sms_row(
    to: str, text: Text, *, priority: int, ticket_id: int | None, suppressed: str = ""
) -> dict[str, object]:
    """The row of an SMS queued for the worker, or kept as `suppressed` (the reason, if any)."""
    status = MessageStatus.suppressed if suppressed else MessageStatus.queued
    values = _text_values(to, text, status=status, priority=priority, ticket_id=ticket_id)
    values["error_message"] = suppressed
    values["next_attempt_at"] = None if suppressed else values["created_at"]
    values["callback_url"] = None
    return values


def call_row(
    to: str,
    twiml_url: str,
    *,
    priority: int,
    ticket_id: int | None,
    language: str,
    values: Mapping[str, object] | None,
) -> dict[str, object]:
    """The row of an outbound call queued for the worker (the same columns as `sms_row`'s)."""
    now = utcnow()
    return {
        "direction": Direction.outbound,
        "kind": MessageKind.call,
        "peer": to,
        "body": "",
        "template": None,
        "language": language,
        "params": {k: str(v) for k, v in (values or {}).items()},
        "segments": 0,
        "encoding": segments.Encoding.GSM7,
        "status": MessageStatus.queued,
        "priority": priority,
        "ticket_id": ticket_id,
        "created_at": now,
        "error_message": "",
        "next_attempt_at": now,
        "callback_url": twiml_url,
    }


_INSERT_QUEUED = insert(Message).returning(Message.id, Message.peer)  # built once


def write_queued(session: Session, rows: Sequence[dict[str, object]]) -> dict[str, int]:
    """Write `rows` (from `sms_row` and `call_row`, each to a different number) in one INSERT,
    without the ORM's flush; their ids by number."""
    peers = [row["peer"] for row in rows]
    if len(set(peers)) != len(peers):
        raise ValueError("one message per number in a batch: its id is found by number")
    if not rows:
        return {}
    written = session.connection().execute(_INSERT_QUEUED, list(rows))
    return {peer: message_id for message_id, peer in written}


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
    reason = "" if ignore_opt_out else suppression(session, to, landline=False, opted_out=None)
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


def suppression(session: Session, to: str, *, landline: bool, opted_out: bool | None) -> str:
    """Why a text to `to` is not sent ("" when it is); `opted_out`: if the caller read it."""
    if is_opted_out(session, to) if opted_out is None else opted_out:
        return "opted out"
    if landline:
        return "landline cannot receive SMS"
    return ""
