"""Surveys (one per resolution of a ticket) and follow-ups (return visits owed)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.communities.models import Community, Department
from app.db import Base, str_enum
from app.residents.models import Resident
from app.tickets.models import Ticket


class SurveyChannel(StrEnum):
    sms = "sms"  # texted to a mobile; the text carries the web link when links are on
    voice = "voice"  # an outbound call (landlines and residents who prefer voice)
    web = "web"  # answered on the /s/<token> page


class SurveyStatus(StrEnum):
    awaiting = "awaiting"  # sent; waiting for the resident's answer
    answered = "answered"  # rated (a comment may still follow by SMS for a short while)
    no_answer = "no_answer"  # nothing came back before the survey expired
    invalid = "invalid"  # replies that were not an answer, even after one clarification
    not_sent = "not_sent"  # could not be sent (opted out, no phone); `not_sent_reason` says why


FINISHED = frozenset(
    {SurveyStatus.answered, SurveyStatus.no_answer, SurveyStatus.invalid, SurveyStatus.not_sent}
)


class Rating(StrEnum):
    """The three-level rating of Chinese hotline practice; `score` feeds volunteer reliability."""

    satisfied = "satisfied"  # 1 满意
    basically_satisfied = "basically_satisfied"  # 2 基本满意
    unsatisfied = "unsatisfied"  # 3 不满意: a return visit is owed

    @property
    def score(self) -> int:
        return {"satisfied": 3, "basically_satisfied": 2, "unsatisfied": 1}[self.value]


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        Index("ix_surveys_status_remind_at", "status", "remind_at"),
        Index("ix_surveys_status_expires_at", "status", "expires_at"),
        Index("ix_surveys_resident_status", "resident_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    channel: Mapped[SurveyChannel] = mapped_column(str_enum(SurveyChannel, 10))
    status: Mapped[SurveyStatus] = mapped_column(str_enum(SurveyStatus, 12))
    not_sent_reason: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The resolution asked about: a ticket reopened and resolved again gets a new survey.
    resolved_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]  # SMS surveys: one reminder then
    reminded_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # then "no answer"
    clarified_at: Mapped[datetime | None]  # the one "please reply 1, 2 or 3" was sent
    calls: Mapped[int] = mapped_column(default=0)  # voice surveys: calls placed (at most 2)
    web_token: Mapped[str | None] = mapped_column(String(43), unique=True)
    web_token_used_at: Mapped[datetime | None]
    rating: Mapped[Rating | None] = mapped_column(str_enum(Rating, 20))
    comment: Mapped[str] = mapped_column(Text, default="")
    answer_channel: Mapped[SurveyChannel | None] = mapped_column(str_enum(SurveyChannel, 10))
    answered_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    resident: Mapped[Resident | None] = relationship()


class FollowUpStatus(StrEnum):
    open = "open"  # the return visit is owed
    done = "done"  # visited or called back; `outcome` says what was found


class FollowUp(Base):
    """A return visit (回访) owed after an unsatisfied answer: owned jointly by the community and,
    where one handled the ticket, the department or partner unit. The ticket waits in
    `return_visit` until the visit records the resident's acceptance (or a new rating), finds
    more work (the ticket reopens), or staff close it with a reason."""

    __tablename__ = "followups"
    # The sweeps' ranges: open, not reminded (chased) yet, reminder (deadline) reached.
    __table_args__ = (
        Index("ix_followups_status_chased_due", "status", "chased_at", "due_at"),
        Index("ix_followups_status_reminded_remind", "status", "reminded_at", "remind_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    # Owners: the ticket's community, and the department or partner unit that handled it.
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[FollowUpStatus] = mapped_column(
        str_enum(FollowUpStatus, 8), default=FollowUpStatus.open
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]  # None: past the holiday calendar (see deadline_unknown)
    remind_at: Mapped[datetime | None]  # 75% of the time gone: remind the owners, once
    reminded_at: Mapped[datetime | None]
    chased_at: Mapped[datetime | None]  # the owners were texted that the visit is overdue
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str] = mapped_column(String(100), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    needs_work: Mapped[bool | None]
    rating: Mapped[Rating | None] = mapped_column(str_enum(Rating, 20))  # a new rating, if given

    ticket: Mapped[Ticket] = relationship()
    survey: Mapped[Survey] = relationship()
    community: Mapped[Community | None] = relationship()
    department: Mapped[Department | None] = relationship()
