"""The escalation path (a department answers DONE; another ticket is RETURNed and dispatched
again) and a landline resident's voice survey, end to end through the real entry points."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.communities.models import Department
from app.db import db
from app.surveys.models import Rating, Survey, SurveyChannel
from app.tickets.escalation import escalate
from app.tickets.lifecycle import Actor
from app.tickets.models import ActorKind, TicketStatus
from app.voice.roster import set_shift
from tests.e2e.street import (
    FIXER,
    HELPER,
    LANDLINE,
    LIAISON,
    RESIDENT,
    kinds,
    latest_code,
    placed_call_sid,
    ticket,
)
from tests.support.call_walker import CallWalker

STAFF_MEMBER = Actor(ActorKind.staff, 1, "staff:zhang")


def escalate_to_civil(code: str) -> None:
    """Staff hand the ticket to the civil affairs office (a dashboard action)."""
    civil = db.session.scalars(select(Department).where(Department.code == "civil")).one()
    escalate(db.session, ticket(code), civil, STAFF_MEMBER, "needs the street's budget")
    db.session.commit()


def test_the_department_answers_done_and_the_resident_rates_it(walk, clock):
    walk.text(RESIDENT, "楼道灯坏了一个月没人管")
    code = latest_code()
    assert walk.tick() == {FIXER: ["offer"], HELPER: ["offer"]}
    clock.advance(minutes=5)
    escalate_to_civil(code)
    escalated = ticket(code)
    assert escalated.status == TicketStatus.escalated
    assert escalated.due_at == clock.now + timedelta(hours=72)
    assert walk.tick() == {  # the volunteers asked are told the offer is off
        FIXER: ["offer_withdrawn"],
        HELPER: ["offer_withdrawn"],
        LIAISON: ["department_escalated_link"],
    }

    assert code in walk.text(LIAISON, "已处理 已安排电工明天更换")
    assert ticket(code).status == TicketStatus.resolved
    assert walk.tick() == {RESIDENT: ["resident_done"]}  # told, as after a volunteer's DONE
    clock.advance(minutes=61)
    assert walk.tick() == {RESIDENT: ["survey_link"]}
    assert "谢谢" in walk.text(RESIDENT, "满意")
    assert ticket(code).status == TicketStatus.closed
    events = kinds(code)
    assert events[events.index("escalate") :] == [
        *("escalate", "resolve", "survey_sent", "survey_answered", "close"),
    ]


def test_a_returned_ticket_goes_back_to_the_community_and_is_dispatched_again(walk, clock):
    walk.text(RESIDENT, "楼道灯坏了一个月没人管")
    code = latest_code()
    walk.tick()
    escalate_to_civil(code)
    walk.tick()
    clock.advance(hours=5)
    assert "原因" in walk.text(LIAISON, f"退回 {code}")  # a return needs its reason
    assert ticket(code).status == TicketStatus.escalated
    assert code in walk.text(LIAISON, f"RETURN {code} the property manager's job")
    returned = ticket(code)
    assert returned.status == TicketStatus.new and returned.unit_id is None
    assert returned.due_at == clock.now + timedelta(hours=24)  # a fresh community clock
    assert returned.events[-1].reason == "the property manager's job"

    # The next tick dispatches it again, in a new round, to both volunteers.
    assert walk.tick() == {FIXER: ["offer"], HELPER: ["offer"]}
    assert ticket(code).status == TicketStatus.dispatching
    assert "王奶奶" in walk.text(HELPER, f"Y {code}")
    assert ticket(code).status == TicketStatus.assigned


def test_a_landline_resident_reports_by_phone_and_rates_by_phone(walk, clock, client):
    set_shift(db.session, "张主任", "+8613900139000", "Mon-Fri 08:30-17:30", "CN")
    db.session.commit()
    call = CallWalker(client, LANDLINE).dial_in()
    call.silence().press("1").record()
    call.hang_up()
    code = latest_code()
    assert ticket(code).channel == "voice"
    assert walk.tick() == {FIXER: ["offer"], HELPER: ["offer"]}  # dispatch picks it up
    walk.text(FIXER, "1")
    # A landline is never texted: it hears by phone that the volunteer is coming.
    assert walk.tick()[LANDLINE] == ["call"]
    coming = CallWalker(client, LANDLINE, sid=placed_call_sid(code))
    coming.pick_up(f"https://hotline.example.org/twilio/voice/outbound/coming?ticket={code}")
    assert "志愿者 李师傅" in coming.heard and "会尽快上门" in coming.heard and coming.hung_up
    assert " ".join("零一二三四五六七八九"[int(c)] for c in code) in coming.heard
    walk.text(FIXER, "完成")
    assert LANDLINE not in walk.tick()
    clock.advance(minutes=61)
    assert walk.tick() == {LANDLINE: ["call"]}

    # Nobody picks up; the line is called once more half an hour later, and answers 2.
    first = CallWalker(client, LANDLINE, sid=placed_call_sid(code))
    first.outbound = True
    first.hang_up("no-answer", duration=0)
    clock.advance(minutes=30)
    assert walk.tick() == {LANDLINE: ["call"]}
    second = CallWalker(client, LANDLINE, sid=placed_call_sid(code))
    url = f"https://hotline.example.org/twilio/voice/outbound/survey?ticket={code}"
    second.pick_up(url).press("2")
    second.hang_up()
    survey = db.session.scalars(select(Survey)).one()
    assert (survey.rating, survey.answer_channel, survey.calls) == (
        Rating.basically_satisfied,
        SurveyChannel.voice,
        2,
    )
    assert ticket(code).status == TicketStatus.closed
    events = kinds(code)
    assert events[events.index("resolve") :] == [
        *("resolve", "survey_sent", "survey_call_retry", "survey_answered", "close"),
    ]
