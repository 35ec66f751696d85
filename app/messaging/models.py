"""Every SMS in and out (and every outbound call leg). Outbound rows are the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.db import Base, str_enum
from app.operations.tracing import current_trace


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"


class MessageKind(StrEnum):
    sms = "sms"
    call = "call"  # an outbound call leg placed by the worker (e.g. a voice survey)


class MessageStatus(StrEnum):
    queued = "queued"  # in the outbox, waiting for the worker (or for its retry time)
    sending = "sending"  # claimed by a worker; the provider has not answered yet
    sent = "sent"  # accepted by the provider
    delivered = "delivered"  # the handset confirmed it
    undelivered = "undelivered"  # the carrier gave up
    failed = "failed"  # refused for good, or out of retries; error_code says why
    suppressed = "suppressed"  # never sent: opted out or a landline that cannot take SMS
    received = "received"  # an inbound message
    replied = "replied"  # an answer handed back inside the webhook's TwiML response


# Delivery callbacks arrive out of order; a status only replaces one of lower rank.
STATUS_RANK = {
    MessageStatus.queued: 0,
    MessageStatus.sending: 1,
    MessageStatus.sent: 2,
    MessageStatus.delivered: 3,
    MessageStatus.undelivered: 3,
    MessageStatus.failed: 3,
}


class Priority(IntEnum):
    """Outbox order when a backlog drains: people in danger and offers first, surveys last."""

    urgent = 0
    offer = 10
    reply = 20
    notice = 30
    survey = 40
    report = 50


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_outbox", "status", "priority", "next_attempt_at"),
        Index("ix_messages_ticket_id", "ticket_id"),
        Index("ix_messages_peer_created", "peer", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, 3))
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, 5), default=MessageKind.sms)
    # The resident's, volunteer's or liaison's number, whichever way the message went.
    peer: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str | None] = mapped_column(String(60))
    # The template's values: a domestic gateway sends a registered template code and these.
    params: Mapped[dict[str, str] | None] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(5))
    segments: Mapped[int] = mapped_column(default=1)
    encoding: Mapped[str] = mapped_column(String(6), default="GSM-7")
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus, 12))
    priority: Mapped[int] = mapped_column(default=Priority.notice)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[int | None]
    error_message: Mapped[str] = mapped_column(String(300), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]  # a claim older than this is abandoned
    callback_url: Mapped[str | None] = mapped_column(String(300))  # TwiML URL for call legs
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    status_at: Mapped[datetime | None]
    # The inbound text or call this message answers (app.operations.tracing), for the logs.
    trace: Mapped[str | None] = mapped_column(String(64), default=current_trace)


class MessageStatusEvent(Base):
    """Each (message, status) a provider reported, once: repeated callbacks change nothing."""

    __tablename__ = "message_status_events"
    __table_args__ = (UniqueConstraint("message_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class OptOut(Base):
    """A number that said STOP (or that the provider reports as unsubscribed). Never texted."""

    __tablename__ = "opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(20))  # "keyword" or "provider:<error code>"
