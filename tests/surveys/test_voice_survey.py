"""Voice surveys end to end: the worker places the call through the REST double; the key the
resident presses (or the provider's final status) answers the survey; an unanswered call is
tried once more."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import db
from app.messaging.models import Message, MessageKind
from app.reports.weekly import weekly_report
from app.surveys.models import FollowUp, Rating, Survey, SurveyChannel, SurveyStatus
from app.tickets.models import Ticket, TicketStatus
from app.voice.models import Call, CallOutcome, CallStatus
from tests.support.call_walker import CallWalker
from tests.support.closure import (
    LANDLINE,
    STAFF_PHONE,
    event_kinds,
    landline_done,
    texts_to,
)
from tests.support.worker import TestWorker


@pytest.fixture
def worker(app, twilio_double) -> TestWorker:
    return TestWorker(app, twilio_double)


@pytest.fixture
def landline_ticket(ctx, clock, worker) -> str:
    """The code of a landline resident's ticket whose survey call is due (the worker has
    already sent this week's supervision report)."""
    code = landline_done(clock).code
    weekly_report(db.session)
    db.session.commit()
    worker.send()
    return code


def ticket(code: str) -> Ticket:
    """The ticket as the database has it now (the worker ends the session objects live in)."""
    db.session.expire_all()
    return db.session.scalars(select(Ticket).where(Ticket.code == code)).one()


def survey_of(code: str) -> Survey:
    return db.session.scalars(select(Survey).where(Survey.ticket_id == ticket(code).id)).one()


def placed_sid(code: str) -> str:
    """The CallSid the provider gave the newest call about the ticket."""
    query = select(Message.provider_sid).where(
        Message.ticket_id == ticket(code).id, Message.kind == MessageKind.call
    )
    sid = db.session.scalar(query.order_by(Message.id.desc()).limit(1))
    assert sid
    return sid


@pytest.mark.parametrize(
    ("key", "rating", "followups"),
    [
        ("1", Rating.satisfied, 0),
        ("2", Rating.basically_satisfied, 0),
        ("3", Rating.unsatisfied, 1),
    ],
)
def test_the_key_pressed_on_the_call_answers_the_survey(
    client, worker, landline_ticket, key, rating, followups
):
    [placed] = worker.tick()
    assert placed.resource == "Calls" and placed.form["To"] == LANDLINE
    walker = CallWalker(client, LANDLINE, sid=placed_sid(landline_ticket))
    walker.pick_up(placed.form["Url"]).press(key)
    assert walker.hung_up
    assert survey_of(landline_ticket).status == SurveyStatus.awaiting  # until the call ends
    assert walker.hang_up().status_code == 204
    survey = survey_of(landline_ticket)
    assert survey.status == SurveyStatus.answered and survey.rating == rating
    assert survey.answer_channel == SurveyChannel.voice
    waiting = TicketStatus.return_visit if followups else TicketStatus.closed
    assert ticket(landline_ticket).status == waiting
    assert len(db.session.scalars(select(FollowUp)).all()) == followups
    assert len(texts_to(STAFF_PHONE, "followup_owed")) == followups
    assert walker.hang_up().status_code == 204  # a repeated callback changes nothing
    assert event_kinds(ticket(landline_ticket)).count("survey_answered") == 1
    # The next tick texts the staff the return visit they owe, and calls nobody again.
    assert [r.form["To"] for r in worker.tick()] == [STAFF_PHONE] * followups


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_an_unanswered_call_is_tried_once_more_then_no_answer(
    client, clock, worker, landline_ticket, status
):
    [first] = worker.tick()
    walker = CallWalker(client, LANDLINE, sid=placed_sid(landline_ticket))
    walker.outbound = True
    assert walker.hang_up(status, duration=0).status_code == 204  # never picked up
    walker.hang_up(status, duration=0)  # delivered twice: still one retry
    row = db.session.scalars(select(Call).where(Call.sid == walker.sid)).one()
    assert row.status == CallStatus(status) and row.outcome == CallOutcome.not_rated
    assert survey_of(landline_ticket).calls == 2
    assert worker.tick() == []  # the retry waits HOTLINE_SURVEY_CALL_RETRY_MINUTES
    clock.advance(minutes=30)
    [second] = worker.tick()
    assert second.form["Url"] == first.form["Url"]

    # Picked up this time, but the resident presses nothing: the call ends without a rating.
    walker = CallWalker(client, LANDLINE, sid=placed_sid(landline_ticket))
    walker.pick_up(second.form["Url"]).silence().silence().silence()
    assert walker.hung_up
    walker.hang_up()
    survey = survey_of(landline_ticket)
    assert survey.status == SurveyStatus.no_answer and survey.calls == 2
    assert ticket(landline_ticket).status == TicketStatus.closed
    kinds = event_kinds(ticket(landline_ticket))
    assert kinds[kinds.index("survey_sent") :] == [
        "survey_sent",
        "survey_call_retry",
        "survey_no_answer",
        "close",
    ]
    clock.advance(hours=1)
    assert worker.tick() == []


def test_a_busy_line_then_a_rating_on_the_second_call(client, clock, worker, landline_ticket):
    worker.tick()
    walker = CallWalker(client, LANDLINE, sid=placed_sid(landline_ticket))
    walker.outbound = True
    walker.hang_up("busy", duration=0)
    clock.advance(minutes=30)
    [retry] = worker.tick()
    walker = CallWalker(client, LANDLINE, sid=placed_sid(landline_ticket))
    walker.pick_up(retry.form["Url"]).press("1").hang_up()
    survey = survey_of(landline_ticket)
    assert (survey.status, survey.rating, survey.calls) == (
        SurveyStatus.answered,
        Rating.satisfied,
        2,
    )
