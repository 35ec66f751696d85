"""The whole loop for an unhappy resident, as issue 5 demands it: intake -> dispatch -> accept ->
AGAIN -> DONE -> survey -> 3 -> follow-up -> reopen -> dispatch -> accept -> DONE -> survey ->
1 -> closed. Only real entry points: signed SMS webhooks, the offer page, the worker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db import db
from app.surveys.models import FollowUp, Rating, Survey
from app.surveys.operations import complete_followup
from app.tickets.lifecycle import Actor
from app.tickets.models import ActorKind, TicketStatus
from tests.e2e.street import (
    FIXER,
    HELPER,
    RESIDENT,
    STAFF,
    kinds,
    last_text_to,
    latest_code,
    offered_to,
    ticket,
)

STAFF_MEMBER = Actor(ActorKind.staff, 1, "staff:zhang")


def test_unsatisfied_then_return_visit_reopen_and_satisfied(walk, clock):
    # Intake: the resident texts; the reply carries the code; both volunteers are offered it.
    reply = walk.text(RESIDENT, "洗衣机坏了，转几下就不动了")
    code = latest_code()
    assert code in reply and "家电维修" in reply
    assert ticket(code).status == TicketStatus.dispatching
    assert walk.tick() == {FIXER: ["offer"], HELPER: ["offer"]}

    # 李师傅 accepts by SMS: he gets the details, 张师傅 is told it is taken, and the
    # resident who is coming; asked when, she hears his name again.
    assert "王奶奶" in walk.text(FIXER, f"1 {code}")
    assert ticket(code).status == TicketStatus.assigned
    assert walk.tick() == {HELPER: ["offer_taken"], RESIDENT: ["ticket_assigned"]}
    assert "李师傅" in last_text_to(RESIDENT)
    assert f"{code} 已派单（李师傅）" in walk.text(RESIDENT, "师傅好久到哦")

    # A part is missing: AGAIN keeps it with him; then DONE resolves it and tells the resident.
    assert "再次上门" in walk.text(FIXER, "再来 要买皮带")
    assert (ticket(code).status, ticket(code).visits) == (TicketStatus.in_progress, 1)
    assert walk.tick() == {}
    assert code in walk.text(FIXER, "完成 换了皮带")
    resolved = ticket(code)
    assert (resolved.status, resolved.visits) == (TicketStatus.resolved, 2)
    assert walk.tick() == {RESIDENT: ["resident_done"]}

    # The survey waits HOTLINE_SURVEY_DELAY_MINUTES (60), then goes out (11:01, not quiet).
    clock.advance(minutes=59)
    assert walk.tick() == {}
    clock.advance(minutes=2)
    assert walk.tick() == {RESIDENT: ["survey_link"]}

    # 3: unsatisfied. The ticket stays open, waiting for the return visit the community's
    # staff owe within 24 hours; they are reminded at 18 hours.
    assert "回访" in walk.text(RESIDENT, "3 还是转不动")
    assert ticket(code).status == TicketStatus.return_visit
    assert walk.tick() == {STAFF: ["followup_owed"]}
    followup = db.session.scalars(select(FollowUp)).one()
    assert followup.due_at == clock.now + timedelta(hours=24)
    assert walk.client.get(f"/open311/v2/requests/{code}.json").json[0]["status"] == "open"
    clock.advance(hours=18)
    assert walk.tick() == {STAFF: ["followup_reminder"]}
    clock.advance(hours=6)
    assert walk.tick() == {STAFF: ["followup_overdue"]}
    assert ticket(code).status == TicketStatus.return_visit  # overdue, and still owed

    # The return visit finds work to do: the ticket reopens and goes back to dispatch, a new
    # round in which both volunteers may be asked again.
    followup = db.session.scalars(select(FollowUp)).one()  # the worker ended the session
    complete_followup(db.session, followup, "电话回访：滚筒还是不转", True, STAFF_MEMBER)
    db.session.commit()
    assert ticket(code).status == TicketStatus.reopened
    assert walk.tick() == {FIXER: ["offer"], HELPER: ["offer"]}
    assert offered_to(code, round_=2) == {FIXER, HELPER}

    # 张师傅 takes it on the offer page, fixes it, and the resident is told again.
    assert "王奶奶".encode() in walk.accept_on_page(HELPER, code)
    assert ticket(code).status == TicketStatus.assigned
    assert walk.tick() == {
        HELPER: ["offer_won"],
        FIXER: ["offer_taken"],
        RESIDENT: ["ticket_assigned"],
    }
    assert "张师傅" in last_text_to(RESIDENT)
    walk.text(HELPER, f"DONE {code} replaced the motor")
    assert ticket(code).status == TicketStatus.resolved
    assert walk.tick() == {RESIDENT: ["resident_done"]}

    # A second survey for the second resolution; 1 closes the ticket for good.
    clock.advance(minutes=61)
    assert walk.tick() == {RESIDENT: ["survey_link"]}
    assert "谢谢" in walk.text(RESIDENT, "1")
    final = ticket(code)
    assert final.status == TicketStatus.closed and final.visits == 3
    ratings = db.session.scalars(select(Survey.rating).order_by(Survey.id)).all()
    assert ratings == [Rating.unsatisfied, Rating.satisfied]
    clock.advance(days=2)
    assert walk.tick() == {}  # no reminders, no chase: everything is done

    assert kinds(code) == [
        *("received", "dispatch", "offers_sent", "assign", "revisit", "resolve"),
        *("survey_sent", "survey_answered", "return_visit", "followup_opened"),
        *("followup_reminder_sent", "followup_overdue"),
        *("reopen", "followup_completed", "dispatch", "offers_sent", "assign", "resolve"),
        *("survey_sent", "survey_answered", "close"),
    ]
