"""Outbound survey calls: the worker places them from the outbox; survey.yaml collects a rating."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import db
from app.messaging.models import Message, MessageKind, MessageStatus
from app.messaging.outbox import queue_call
from app.scheduling.runner import send_outbox_once
from app.telephony import rest
from app.telephony.sender import TwilioSender
from app.voice.calls import outbound_call_url, survey_calls, survey_rating_for_call
from app.voice.models import CallDirection, CallOutcome, CallPurpose
from tests.conftest import PUBLIC_BASE_URL
from tests.support.call_walker import LINE, CallWalker
from tests.voice.conftest import LANDLINE, resident, spelled, the_call, tickets


@pytest.fixture
def ticket(call, on_duty):
    """A landline resident's ticket, reported by phone."""
    resident(LANDLINE)
    call(LANDLINE).silence().press("1").record()
    [ticket] = tickets()
    return ticket


@pytest.mark.parametrize(
    ("key", "rating", "heard"),
    [
        ("1", "satisfied", "感谢您的评价，再见"),
        ("2", "basically_satisfied", "感谢您的评价，再见"),
        ("3", "unsatisfied", "工作人员会尽快与您联系"),
    ],
)
def test_a_survey_call_stores_the_rating(client, ticket, key, rating, heard):
    url = outbound_call_url(PUBLIC_BASE_URL, "survey", ticket.code)
    walker = CallWalker(client, LANDLINE).pick_up(url)
    assert "满意，请按1" in walker.heard and spelled(ticket.code, "zh") in walker.heard
    assert walker.verb("Gather").attrib["input"] == "dtmf"
    walker.press(key)
    assert heard in walker.heard and walker.hung_up
    walker.hang_up()

    [row] = survey_calls(db.session, ticket.id)
    assert row.sid == walker.sid and row.purpose == CallPurpose.survey
    assert row.direction == CallDirection.outbound and row.caller == LANDLINE
    assert survey_rating_for_call(row) == rating and row.outcome == CallOutcome.rated


def test_a_survey_nobody_answers_has_no_rating(client, ticket):
    walker = CallWalker(client, LANDLINE).pick_up(
        outbound_call_url(PUBLIC_BASE_URL, "survey", ticket.code)
    )
    walker.silence().press("7").silence()
    assert "没有收到您的评价" in walker.heard and walker.hung_up
    walker.hang_up()
    row = the_call(walker)
    assert survey_rating_for_call(row) is None and row.outcome == CallOutcome.not_rated


def test_an_outbound_call_for_an_unknown_ticket_or_flow_is_not_found(client, ticket):
    for url in (
        outbound_call_url(PUBLIC_BASE_URL, "survey", "000000"),
        outbound_call_url(PUBLIC_BASE_URL, "nosuchflow", ticket.code),
        outbound_call_url(PUBLIC_BASE_URL, "intake", ticket.code),
    ):
        walker = CallWalker(client, LANDLINE)
        walker.outbound = True
        assert walker.post(url, keep=False).status_code == 404


def test_the_worker_places_the_call_and_the_answered_call_runs_the_survey(
    app, client, ticket, twilio_double
):
    url = outbound_call_url(PUBLIC_BASE_URL, "survey", ticket.code)
    queue_call(db.session, LANDLINE, url, ticket_id=ticket.id)
    db.session.commit()
    client_ = rest.make_client(
        twilio_double.account_sid, twilio_double.auth_token, twilio_double.base_url
    )
    try:
        send_outbox_once(app, TwilioSender(client_, LINE))
    finally:
        rest.close_client(client_)

    [placed] = twilio_double.calls()
    assert placed.form["Url"] == url and placed.form["To"] == LANDLINE
    assert placed.form["StatusCallback"] == f"{PUBLIC_BASE_URL}/twilio/status/call"
    message = db.session.scalars(select(Message).where(Message.kind == MessageKind.call)).one()
    assert message.status == MessageStatus.sent

    walker = CallWalker(client, LANDLINE, sid=message.provider_sid).pick_up(url)
    walker.press("2")
    walker.hang_up()
    [row] = survey_calls(db.session, ticket.id)
    assert row.sid == message.provider_sid and survey_rating_for_call(row) == "basically_satisfied"
