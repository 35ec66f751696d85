"""Calls to and from the line, their recordings, and the staff duty roster."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.db import Base, str_enum
from app.phones import PhoneKind
from app.residents.models import Resident
from app.tickets.models import Ticket


class CallDirection(StrEnum):
    inbound = "in"  # a resident dialled the line
    outbound = "out"  # the worker called a resident (a voice survey)


class CallPurpose(StrEnum):
    intake = "intake"  # the intake flow: report a problem, hear progress, reach staff
    survey = "survey"  # a satisfaction survey call about ``ticket_id``
    offer = "offer"  # ``ticket_id`` offered to a volunteer without a smartphone: 1 takes, 2 not
    notice = "notice"  # told something, no answer wanted ("the volunteer is coming")


class CallStatus(StrEnum):
    in_progress = "in-progress"  # the flow is talking to the caller
    completed = "completed"  # the call ended normally (either side hung up)
    busy = "busy"  # outbound: the line was busy
    no_answer = "no-answer"  # outbound: nobody picked up
    failed = "failed"  # the provider could not connect the call
    canceled = "canceled"  # the call was cancelled before it was answered


#: Statuses after which nothing about the call changes any more.
ENDED = frozenset(set(CallStatus) - {CallStatus.in_progress})


class CallOutcome(StrEnum):
    ticket = "ticket"  # the call produced a ticket (its code was read back)
    connected = "connected"  # staff on duty answered; they take it from there
    missed = "missed"  # hung up before a ticket existed: staff should call back
    rated = "rated"  # survey: the resident gave a rating
    not_rated = "not_rated"  # survey: the call ended without a rating
    answered = "answered"  # offer: the volunteer pressed 1 or 2


class Call(Base):
    """One voice call, keyed by the provider's CallSid, with what the caller did in the flow."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_outcome_started", "outcome", "started_at"),
        Index("ix_calls_ticket_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[CallDirection] = mapped_column(str_enum(CallDirection, 3))
    purpose: Mapped[CallPurpose] = mapped_column(str_enum(CallPurpose, 10))
    # The resident's number as the provider gave it (E.164 when it could be read) and the line's.
    caller: Mapped[str] = mapped_column(String(40), default="")
    line: Mapped[str] = mapped_column(String(40), default="")
    # What the caller's number is (mobile, landline...), read once when the call starts; None
    # when it could not be read (withheld). Later steps read it here instead of parsing again.
    caller_kind: Mapped[PhoneKind | None] = mapped_column(str_enum(PhoneKind, 10))
    flow: Mapped[str] = mapped_column(String(60))
    node: Mapped[str] = mapped_column(String(60), default="")
    language: Mapped[str] = mapped_column(String(5), default="zh")
    # ``CallState.to_dict()``: where the engine is, and the variables it collected.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    path: Mapped[list[str]] = mapped_column(JSON, default=list)
    digits: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"node", "text", "confidence"}] for every speech answer, recognised or not.
    speech: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The call as the caller lived it, in order: {"line": [sentences said]} for each reply, and
    # {"keys": "3"}, {"speech": "..."}, {"recording": seconds} or {"silence": True} for each answer.
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    # Replies handed to the provider; action URLs carry it, so a late or repeated post is seen.
    step: Mapped[int] = mapped_column(default=0)
    last_reply: Mapped[str] = mapped_column(Text, default="")
    emergency: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CallStatus] = mapped_column(
        str_enum(CallStatus, 12), default=CallStatus.in_progress
    )
    outcome: Mapped[CallOutcome | None] = mapped_column(str_enum(CallOutcome, 10))
    duration: Mapped[int | None]  # seconds, from the provider's final status callback
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    ticket: Mapped[Ticket | None] = relationship()
    resident: Mapped[Resident | None] = relationship()
    recordings: Mapped[list[CallRecording]] = relationship(
        back_populates="call", order_by="CallRecording.id", cascade="all, delete-orphan"
    )

    @property
    def variables(self) -> dict[str, Any]:
        return dict(self.state.get("variables") or {})


class CallRecording(Base):
    """One recording made during a call; the recording status callback completes it."""

    __tablename__ = "call_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)  # RecordingSid
    node: Mapped[str] = mapped_column(String(60), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="")  # in-progress, completed, ...
    duration: Mapped[int | None]

    call: Mapped[Call] = relationship(back_populates="recordings")


class DutyShift(Base):
    """A staff member who takes calls put through from the IVR during their weekly hours."""

    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    hours: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # Availability JSON
    active: Mapped[bool] = mapped_column(default=True)
