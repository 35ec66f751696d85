"""Survey use cases: send, answer, remind, expire, and the return visit after an unhappy answer.

A survey ends answered, "no answer" or "invalid" (or is recorded as not sent), and then the
ticket closes. An unsatisfied answer, or a comment saying the job is not done, opens a follow-up
(回访); if the visit finds work to do, the ticket reopens and dispatch picks it up again.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.communities.models import Community
from app.config import current_settings
from app.db import claim
from app.messaging.models import Priority
from app.messaging.optouts import is_opted_out
from app.messaging.outbox import Text, queue_call, queue_sms
from app.residents.models import Resident
from app.surveys.answers import mentions_not_fixed
from app.surveys.models import FollowUp, FollowUpStatus, Rating, Survey, SurveyChannel
from app.surveys.models import SurveyStatus as St
from app.tickets.deadlines import BeyondCalendar
from app.tickets.due_dates import due_and_reminder, record_unknown_deadline
from app.tickets.intake import resident_actor
from app.tickets.lifecycle import SYSTEM, Actor, Move, can, record, transition
from app.tickets.links import call_url, links_enabled, new_token, public_url
from app.tickets.models import EventKind, Ticket, TicketStatus
from app.tickets.recurrence import back_to_dispatch
from app.tickets.supervision import local_time
from app.volunteers import progress
from app.volunteers.availability import QuietHours
from app.volunteers.models import Volunteer

# Timeline events that end a survey; reports read the three-level rating and these outcomes.
ANSWERED, NO_ANSWER, INVALID = (
    EventKind.survey_answered,
    EventKind.survey_no_answer,
    EventKind.survey_invalid,
)


class SurveyClosed(Exception):
    """The survey is no longer waiting for an answer (answered, expired, or never sent)."""


class FollowUpClosed(Exception):
    """The follow-up's outcome has already been recorded."""


def quiet_hours() -> QuietHours:
    return QuietHours.parse(current_settings().HOTLINE_QUIET_HOURS)


def is_quiet_now() -> bool:
    return quiet_hours().is_quiet(utcnow(), current_settings().HOTLINE_TIMEZONE)


def followup_hours() -> int:
    return int(current_settings().HOTLINE_FOLLOWUP_HOURS)


def send_survey(session: Session, ticket: Ticket) -> Survey:
    """Ask the resident how it went: a call for landlines and voice-first residents, else SMS.

    For the sweep, which sends a batch: nothing is flushed here; the sweep flushes once.
    """
    resident = ticket.resident
    now = utcnow()
    config = current_settings()
    by_voice = resident is not None and (not resident.can_receive_sms or resident.prefers_voice)
    survey = Survey(
        ticket=ticket,
        resident=resident,
        channel=SurveyChannel.voice if by_voice else SurveyChannel.sms,
        status=St.awaiting,
        calls=0,  # counted before the batch is flushed, so not left to the column default
        created_at=now,
        resolved_at=ticket.resolved_at,
        expires_at=now + timedelta(hours=config.HOTLINE_SURVEY_EXPIRY_HOURS),
    )
    session.add(survey)
    if resident is None:
        return _not_sent(survey, "no resident phone to ask")
    if by_voice:
        _call(session, survey, now)
    elif is_opted_out(session, resident.phone):
        return _not_sent(survey, "opted out")
    else:
        survey.remind_at = now + timedelta(hours=config.HOTLINE_SURVEY_REMINDER_HOURS)
        _text(session, survey, "survey")
    record(ticket, EventKind.survey_sent, SYSTEM, data={"channel": survey.channel.value})
    return survey


def record_answer(
    session: Session, survey: Survey, rating: Rating, comment: str, channel: SurveyChannel
) -> None:
    """The resident rated the work (by SMS, on a call or on the page); the ticket closes.

    Raises SurveyClosed if the survey already ended, so a late second answer changes nothing.
    """
    answer = {
        "status": St.answered,
        "rating": rating,
        "comment": comment.strip(),
        "answer_channel": channel,
        "answered_at": utcnow(),
    }
    if not claim(session, survey, Survey.status == St.awaiting, **answer):
        raise SurveyClosed(f"survey {survey.id} is {survey.status.value}")
    ticket = survey.ticket
    data = {"rating": rating.value, "channel": channel.value, "comment": survey.comment}
    record(ticket, ANSWERED, _respondent(survey), data=data)
    if ticket.assignee is not None:
        _credit(ticket.assignee, rating)
    if rating is Rating.unsatisfied or mentions_not_fixed(survey.comment):
        open_followup(session, survey, survey.comment)
    _close(ticket, {"rating": rating.value})
    session.flush()


def add_comment(session: Session, survey: Survey, comment: str) -> None:
    """A comment texted just after the rating; "not fixed" still earns a return visit."""
    survey.comment = f"{survey.comment}\n{comment}".strip()
    record(survey.ticket, EventKind.survey_comment, _respondent(survey), data={"comment": comment})
    if mentions_not_fixed(comment) and not _has_followup(session, survey):
        open_followup(session, survey, comment)
    session.flush()


def clarify(session: Session, survey: Survey) -> bool:
    """Ask once more, once: False if another reply already had the clarification."""
    still = (Survey.status == St.awaiting, Survey.clarified_at.is_(None))
    return claim(session, survey, *still, clarified_at=utcnow())


def mark_invalid(session: Session, survey: Survey, text: str) -> None:
    """A second reply that is not an answer: the survey counts as invalid."""
    _end(session, survey, St.invalid, INVALID, {"text": text}, comment=text)


def mark_no_answer(session: Session, survey: Survey) -> None:
    _end(session, survey, St.no_answer, NO_ANSWER, {"channel": survey.channel.value})


def remind(session: Session, survey: Survey) -> None:
    """The one reminder (the sweep flushes its batch once)."""
    survey.reminded_at = utcnow()
    _text(session, survey, "survey_reminder")
    record(survey.ticket, EventKind.survey_reminder_sent, SYSTEM)


def survey_call_ended(session: Session, ticket: Ticket, rating: str | None) -> Survey | None:
    """A survey call about `ticket` ended (the voice status callback): the key the resident
    pressed answers the survey; no key (not picked up, busy, failed, hung up) is unanswered."""
    if rating is None:
        return call_unanswered(session, ticket.code)
    survey = _awaiting_call(session, ticket.code)
    if survey is not None:
        with suppress(SurveyClosed):  # answered by SMS or on the page meanwhile
            record_answer(session, survey, Rating(rating), "", SurveyChannel.voice)
    return survey


def call_unanswered(session: Session, ticket_code: str) -> Survey | None:
    """The survey call was not answered (no-answer, busy, failed): call once more, later, or
    record "no answer" after the second try."""
    survey = _awaiting_call(session, ticket_code)
    if survey is None:
        return None
    if survey.calls >= 2:
        with suppress(SurveyClosed):
            mark_no_answer(session, survey)
        return survey
    delay = timedelta(minutes=current_settings().HOTLINE_SURVEY_CALL_RETRY_MINUTES)
    when = quiet_hours().postpone(utcnow() + delay, current_settings().HOTLINE_TIMEZONE)
    _call(session, survey, when)
    record(survey.ticket, EventKind.survey_call_retry, SYSTEM, data={"call": survey.calls})
    session.flush()
    return survey


def _awaiting_call(session: Session, ticket_code: str) -> Survey | None:
    """The ticket's voice survey still waiting for an answer."""
    return session.scalar(
        select(Survey)
        .join(Survey.ticket)
        .where(
            Ticket.code == ticket_code,
            Survey.channel == SurveyChannel.voice,
            Survey.status == St.awaiting,
        )
        .order_by(Survey.id.desc())
        .limit(1)
    )


def open_followup(session: Session, survey: Survey, reason: str) -> FollowUp:
    """A return visit owed within HOTLINE_FOLLOWUP_HOURS, jointly by the ticket's community and
    the department or partner unit that handled it. The ticket stays open (`return_visit`) and
    shows the visit's deadline; the owners are texted now, reminded at 75% and chased at 100%."""
    ticket = survey.ticket
    hours = followup_hours()
    now = utcnow()
    due_at: datetime | None
    remind_at: datetime | None
    try:
        due_at, remind_at = due_and_reminder(now, hours)
    except BeyondCalendar as beyond:
        due_at = remind_at = None
        record_unknown_deadline(ticket, beyond)
    followup = FollowUp(
        ticket=ticket,
        survey=survey,
        community=ticket.community,
        department=ticket.unit,
        reason=reason,
        created_at=now,
        due_at=due_at,
        remind_at=remind_at,
    )
    session.add(followup)
    if can(ticket, Move.return_visit):
        transition(ticket, Move.return_visit, SYSTEM, reason=reason)
        ticket.due_at, ticket.remind_at = followup.due_at, None
    owed = Text("followup_owed", "zh", {"code": ticket.code, "hours": hours})
    _text_owners(session, followup, owed)
    record(
        ticket,
        EventKind.followup_opened,
        SYSTEM,
        reason=reason,
        data={"due_at": str(followup.due_at)},
    )
    return followup


def remind_followup(session: Session, followup: FollowUp) -> None:
    """Three quarters of the return visit's time has gone: remind its owners, once (the sweep
    stamps `reminded_at` and flushes its batch)."""
    followup.reminded_at = utcnow()
    assert followup.due_at is not None  # the sweep finds only visits that have a deadline
    values = {"code": followup.ticket.code, "due": local_time(followup.due_at)}
    texted = _text_owners(session, followup, Text("followup_reminder", "zh", values))
    record(followup.ticket, EventKind.followup_reminder_sent, SYSTEM, data={"texted": texted})


def chase_followup(session: Session, followup: FollowUp) -> None:
    """The return visit is past its deadline and still owed: text its owners, once (the sweep
    stamps `chased_at` and flushes its batch)."""
    ticket = followup.ticket
    followup.chased_at = utcnow()
    assert followup.due_at is not None  # the sweep finds only visits that have a deadline
    values = {"code": ticket.code, "due": local_time(followup.due_at)}
    texted = _text_owners(session, followup, Text(EventKind.followup_overdue, "zh", values))
    data = {"followup": followup.id, "texted": texted}
    record(ticket, EventKind.followup_overdue, SYSTEM, data=data)


def complete_followup(
    session: Session,
    followup: FollowUp,
    outcome: str,
    needs_work: bool,
    actor: Actor,
    rating: Rating | None = None,
) -> None:
    """Record what the return visit found. Needing work reopens the ticket for dispatch, on a
    fresh community deadline, with no assignee (dispatch chooses again); otherwise the resident
    accepted the result (or gave `rating`, which replaces the unsatisfied answer in the
    satisfaction figures) and the ticket closes."""
    # Claimed first, by a conditional UPDATE: of two people completing it at once, one does.
    if not claim(session, followup, FollowUp.status == FollowUpStatus.open, status=_DONE):
        raise FollowUpClosed(f"follow-up {followup.id} is already done")
    ticket = followup.ticket
    if needs_work:
        back_to_dispatch(ticket, actor, reason=outcome, data={"followup": followup.id})
    _finish(followup, outcome, needs_work, actor, rating)
    if rating is not None:
        data = {"rating": rating.value, "channel": "return_visit", "comment": outcome}
        record(ticket, ANSWERED, actor, data=data)
    if not needs_work and ticket.status is TicketStatus.return_visit:
        transition(ticket, Move.close, actor, reason=outcome, data={"followup": followup.id})
    session.flush()


def close_return_visit(session: Session, ticket: Ticket, actor: Actor, reason: str) -> None:
    """Staff end a return visit without the resident's acceptance; the reason is required and
    is recorded as every open visit's outcome."""
    if not reason:
        raise FollowUpClosed("closing a return visit needs a reason")
    open_visits = session.scalars(
        select(FollowUp).where(
            FollowUp.ticket_id == ticket.id, FollowUp.status == FollowUpStatus.open
        )
    ).all()
    for followup in open_visits:
        _finish(followup, reason, False, actor, None)
    transition(ticket, Move.close, actor, reason=reason, data={"return_visit": "closed_by_staff"})
    session.flush()


_DONE = FollowUpStatus.done


def _finish(
    followup: FollowUp, outcome: str, needs_work: bool, actor: Actor, rating: Rating | None
) -> None:
    followup.status = _DONE
    followup.outcome = outcome
    followup.needs_work = needs_work
    followup.rating = rating
    followup.completed_at = utcnow()
    followup.completed_by = actor.label
    data: dict[str, object] = {"needs_work": needs_work}
    if rating is not None:
        data["rating"] = rating.value
    record(followup.ticket, EventKind.followup_completed, actor, reason=outcome, data=data)


def awaiting_survey(session: Session, resident: Resident) -> Survey | None:
    """The resident's most recent survey still waiting for an answer."""
    return session.scalar(
        select(Survey)
        .where(Survey.resident_id == resident.id, Survey.status == St.awaiting)
        .order_by(Survey.created_at.desc(), Survey.id.desc())
        .limit(1)
    )


def commentable_survey(session: Session, resident: Resident) -> Survey | None:
    """A survey rated by SMS moments ago: the next texts may be its comment."""
    window = timedelta(minutes=current_settings().HOTLINE_SURVEY_COMMENT_MINUTES)
    return session.scalar(
        select(Survey)
        .where(
            Survey.resident_id == resident.id,
            Survey.status == St.answered,
            Survey.answer_channel == SurveyChannel.sms,
            Survey.answered_at >= utcnow() - window,
        )
        .order_by(Survey.answered_at.desc())
        .limit(1)
    )


def web_survey(session: Session, token: str) -> Survey | None:
    """The survey behind a /s/<token> link, while it can still be answered there."""
    survey = session.scalar(select(Survey).where(Survey.web_token == token))
    if survey is None or survey.status is not St.awaiting or survey.web_token_used_at:
        return None
    return survey


def answer_on_web(session: Session, survey: Survey, rating: Rating, comment: str) -> None:
    record_answer(session, survey, rating, comment, SurveyChannel.web)
    survey.web_token_used_at = survey.answered_at


def _text(session: Session, survey: Survey, template: str) -> None:
    resident = survey.resident
    assert resident is not None
    ticket = survey.ticket
    values: dict[str, object] = {"code": ticket.code}
    if links_enabled():
        if survey.web_token is None:
            survey.web_token = new_token()
        values["link"] = public_url(f"/s/{survey.web_token}")
        template = f"{template}_link"
    text = Text(template, resident.language, values)
    queue_sms(
        session, resident.phone, text, priority=Priority.survey, ticket_id=ticket.id, flush=False
    )


def _call(session: Session, survey: Survey, when: datetime) -> None:
    resident = survey.resident
    assert resident is not None
    ticket = survey.ticket
    url = call_url("survey", ticket.code)
    message = queue_call(
        session, resident.phone, url, ticket_id=ticket.id, flush=False, language=resident.language
    )
    message.next_attempt_at = when
    survey.calls += 1


def _not_sent(survey: Survey, reason: str) -> Survey:
    survey.not_sent_reason = reason
    survey.status = St.not_sent
    _ended(survey, EventKind.survey_not_sent, {"reason": reason})
    return survey


def _end(
    session: Session,
    survey: Survey,
    status: St,
    kind: EventKind,
    data: dict[str, str],
    **values: str,
) -> None:
    """End a survey still awaiting its answer; SurveyClosed if something else ended it first."""
    if not claim(session, survey, Survey.status == St.awaiting, status=status, **values):
        raise SurveyClosed(f"survey {survey.id} is {survey.status.value}")
    _ended(survey, kind, data)


def _ended(survey: Survey, kind: EventKind, data: dict[str, str]) -> None:
    record(survey.ticket, kind, SYSTEM, data=data)
    _close(survey.ticket, {"survey": kind.value})


def _close(ticket: Ticket, why: dict[str, str]) -> None:
    """Close after the survey unless the ticket moved on (reopened by staff, or waiting for
    the return visit an unsatisfied answer opened). `why` is data the timeline words: the
    rating given (``rating``) or how the survey ended (``survey``: the event kind)."""
    if ticket.status is TicketStatus.resolved:
        transition(ticket, Move.close, SYSTEM, data=why)


def _credit(volunteer: Volunteer, rating: Rating) -> None:
    progress.rate(volunteer, rating.value)


def _respondent(survey: Survey) -> Actor:
    return resident_actor(survey.resident) if survey.resident else SYSTEM


def _has_followup(session: Session, survey: Survey) -> bool:
    return session.scalar(select(FollowUp.id).where(FollowUp.survey_id == survey.id)) is not None


def _text_owners(session: Session, followup: FollowUp, text: Text) -> int:
    """Text every owner with a phone: the community's staff and the unit's liaison."""
    owners = (followup.community, followup.department)
    phones = [
        owner.staff_phone if isinstance(owner, Community) else owner.liaison_phone
        for owner in owners
        if owner is not None
    ]
    unique = list(dict.fromkeys(phone for phone in phones if phone))
    for phone in unique:
        queue_sms(session, phone, text, ticket_id=followup.ticket.id, flush=False)
    return len(unique)
