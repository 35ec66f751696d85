"""What a call's steps may cost the database, and what they read once instead of every step.

A new call's answer is one statement (the call written whole with its first reply, the caller's
resident found inside it); a key press one SELECT (the call, its resident, their open ticket)
and one UPDATE. In office hours the answer uses the roster as the process read it last, and
its one statement checks that the roster is unchanged; a step reads it only where the flow asks.
"""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, Boolean, Integer, Text, select, update

from app.db import db
from app.phones import PhoneKind
from app.voice import calls, openings
from app.voice.models import DutyShift
from app.voice.setup import EXTENSION_KEY
from tests.messaging.test_statement_budgets import counted
from tests.voice.conftest import LANDLINE, MOBILE, resident, spelled, the_call, tickets


@pytest.fixture
def app_of(client):
    return client.application


def test_a_new_callers_answer_is_one_statement(call, app_of, clock):
    clock.advance(hours=12)  # 22:00: the office is closed, so no roster is read
    with counted(app_of) as (statements, flushes):
        walker = call(MOBILE)
    assert "现在是下班时间" in walker.heard
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO calls"), statements
    assert flushes == []
    row = the_call(walker)
    assert (row.step, row.node, row.language, row.resident_id) == (1, "greeting_closed", "zh", None)
    assert row.caller_kind == PhoneKind.MOBILE and row.transcript[0]["line"]


def test_a_known_caller_is_answered_in_their_language_in_the_same_one_statement(
    call, app_of, clock
):
    person = resident(LANDLINE, language="en")
    clock.advance(hours=12)
    with counted(app_of) as (statements, _):
        walker = call(LANDLINE)
    assert len(statements) == 1, statements
    assert "Our office is closed now" in walker.heard
    row = the_call(walker)
    assert (row.language, row.resident_id, row.caller_kind) == ("en", person.id, "landline")


def test_in_office_hours_the_roster_is_read_once_then_checked_inside_the_answer(
    call, app_of, on_duty
):
    app_of.extensions[EXTENSION_KEY].roster.last = None  # a process that never read it
    with counted(app_of) as (statements, _):
        walker = call(MOBILE)
    assert "现在是下班时间" not in walker.heard
    assert [s.split()[0] for s in statements] == ["SELECT", "INSERT"], statements
    assert "duty_shifts" in statements[0]
    with counted(app_of) as (statements, _):
        again = call(MOBILE)
    assert again.heard == walker.heard
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO calls"), statements

    db.session.execute(update(DutyShift).values(active=False))  # the one on duty goes home
    db.session.commit()
    with counted(app_of) as (statements, _):
        after = call(MOBILE)
    assert "现在是下班时间" in after.heard  # nobody to put the caller through to
    # The answer's INSERT wrote nothing (the roster changed); the call was answered the long way.
    assert statements[0].startswith("INSERT INTO calls")
    assert sum("duty_shifts" in s for s in statements) == 1, statements
    assert the_call(after).node == "greeting_closed"
    with counted(app_of) as (statements, _):
        call(MOBILE)
    assert len(statements) == 1, statements


def test_a_key_press_is_one_select_and_one_update_even_for_a_known_caller(
    call, app_of, clock, on_duty
):
    resident(MOBILE)
    call(MOBILE).silence().press("2").record()
    [ticket] = tickets()
    walker = call(MOBILE)
    with counted(app_of) as (statements, flushes):
        walker.silence()  # the greeting ends: the open ticket's state is read out
    assert f"{spelled(ticket.code, 'zh')} 目前的状态是：已受理" in walker.heard
    assert [s.split()[0] for s in statements] == ["SELECT", "UPDATE"], statements
    assert flushes == []  # the call alone changed: one Core UPDATE, no unit of work
    with counted(app_of) as (statements, _):
        walker.press("2")  # something new: the category menu
    assert [s.split()[0] for s in statements] == ["SELECT", "UPDATE"], statements


def test_the_callers_kind_of_line_is_read_once_when_the_call_begins(call, monkeypatch, on_duty):
    parsed = []
    real = calls.normalize

    def counting(raw: str, region: str = "CN"):  # type: ignore[no-untyped-def]
        parsed.append(raw)
        return real(raw, region)

    monkeypatch.setattr(calls, "normalize", counting)
    walker = call(LANDLINE).silence().press("1")
    walker.record()
    walker.record()  # the address: a stranger is asked for it
    assert walker.hung_up and "短信" not in walker.heard  # a landline gets no text
    assert parsed == [LANDLINE]  # at the answer; every later step read the call's row
    assert the_call(walker).caller_kind == PhoneKind.LANDLINE
    [ticket] = tickets()
    assert ticket.resident.phone_kind == "landline"


def test_a_withheld_number_has_no_kind_of_line(call, on_duty):
    walker = call("anonymous")
    assert the_call(walker).caller_kind is None and the_call(walker).caller == "anonymous"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({"said": "it's 100% \\ done", "path": ["greeting"]}, JSON()),
        ('<Say><prosody rate="90%">it\'s 1 2 3</prosody></Say>', Text()),
        (True, Boolean()),
        (False, Boolean()),
        (7, Integer()),
    ],
)
def test_what_the_answer_holds_in_its_sql_reads_back_unchanged(ctx, value, kind):
    written = openings._constant(value, kind, db.engine.dialect.name)
    assert db.session.scalar(select(written)) == value
