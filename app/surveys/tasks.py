"""Survey sweeps: send due surveys, remind once, and record "no answer" when time is up.

Each sweep reads one indexed column range for what is due now, handles at most
HOTLINE_SWEEP_BATCH rows, and marks what it did in the same transaction, so running it twice
(or after a restart) does nothing more; a batch is written with one flush at its end. Nothing
is sent in quiet hours: the sweeps simply wait, and the first tick after 08:00 sends what is due.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from app.clock import utcnow
from app.config import current_settings
from app.surveys import operations
from app.surveys.models import FollowUp, FollowUpStatus, Survey, SurveyChannel, SurveyStatus
from app.tickets.models import Ticket, TicketStatus


def _batch() -> int:
    return int(current_settings().HOTLINE_SWEEP_BATCH)


def send_surveys(session: Session) -> int:
    """Survey every ticket resolved at least HOTLINE_SURVEY_DELAY_MINUTES ago, once per
    resolution (a reopened and resolved-again ticket is surveyed again)."""
    if operations.is_quiet_now():
        return 0
    cutoff = utcnow() - timedelta(minutes=current_settings().HOTLINE_SURVEY_DELAY_MINUTES)
    already = exists().where(
        Survey.ticket_id == Ticket.id, Survey.resolved_at == Ticket.resolved_at
    )
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.status == TicketStatus.resolved, Ticket.resolved_at <= cutoff, ~already)
        .order_by(Ticket.resolved_at)
        .limit(_batch())
        .options(selectinload(Ticket.resident))
    ).all()
    with session.no_autoflush:
        for ticket in tickets:
            operations.send_survey(session, ticket)
    session.flush()
    return len(tickets)


def remind_surveys(session: Session) -> int:
    """One reminder for an SMS survey still unanswered after HOTLINE_SURVEY_REMINDER_HOURS."""
    if operations.is_quiet_now():
        return 0
    surveys = session.scalars(
        select(Survey)
        .where(
            Survey.status == SurveyStatus.awaiting,
            Survey.remind_at <= utcnow(),
            Survey.reminded_at.is_(None),
            Survey.channel == SurveyChannel.sms,
        )
        .order_by(Survey.remind_at)
        .limit(_batch())
    ).all()
    with session.no_autoflush:
        for survey in surveys:
            operations.remind(session, survey)
    session.flush()
    return len(surveys)


def expire_surveys(session: Session) -> int:
    """No answer after HOTLINE_SURVEY_EXPIRY_HOURS: recorded as "no answer"; the ticket closes."""
    surveys = session.scalars(
        select(Survey)
        .where(Survey.status == SurveyStatus.awaiting, Survey.expires_at <= utcnow())
        .order_by(Survey.expires_at)
        .limit(_batch())
    ).all()
    ended = 0
    for survey in surveys:
        with suppress(operations.SurveyClosed):  # the answer came in meanwhile
            operations.mark_no_answer(session, survey)
            ended += 1
    session.flush()
    return ended


def remind_followups(session: Session) -> int:
    """Return visits still owed at 75% of their time: one reminder to the owners each."""
    return _followup_sweep(
        session, FollowUp.remind_at, FollowUp.reminded_at, operations.remind_followup
    )


def chase_followups(session: Session) -> int:
    """Return visits still owed after their deadline: one SMS to the owners each, once."""
    return _followup_sweep(session, FollowUp.due_at, FollowUp.chased_at, operations.chase_followup)


def _followup_sweep(
    session: Session,
    when: InstrumentedAttribute[datetime | None],
    done: InstrumentedAttribute[datetime | None],
    act: Callable[[Session, FollowUp], None],
) -> int:
    followups = session.scalars(
        select(FollowUp)
        .where(FollowUp.status == FollowUpStatus.open, done.is_(None), when <= utcnow())
        .order_by(when)
        .limit(_batch())
        .options(
            selectinload(FollowUp.ticket),
            selectinload(FollowUp.community),
            selectinload(FollowUp.department),
        )
    ).all()
    with session.no_autoflush:
        for followup in followups:
            act(session, followup)
    session.flush()
    return len(followups)
