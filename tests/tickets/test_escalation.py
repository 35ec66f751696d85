"""Escalation to a department and its answer by SMS or on the page, under a controlled clock."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.communities.models import Department, UnitKind
from app.db import db
from app.tickets import staff_actions
from app.tickets.escalation import escalate
from app.tickets.models import LiaisonLink, Ticket, TicketStatus
from app.volunteers.models import Volunteer
from tests.support.closure import (
    LIAISON_PHONE,
    MOBILE,
    STAFF,
    STAFF_PHONE,
    assign,
    event_kinds,
    report,
    resident,
    street,
    sweep,
    texts_to,
    volunteer,
)
from tests.support.texting import replies, text_line


def escalated(client, clock, body: str = "楼道灯坏了一个月没人管"):
    community, civil = street()
    resident(community)
    ticket = report(client, MOBILE, body)
    clock.advance(hours=3)
    escalate(db.session, ticket, civil, STAFF, "needs the street's budget")
    db.session.commit()
    return ticket, civil


def test_escalation_moves_the_deadline_and_texts_the_liaison(client, ctx, clock):
    ticket, civil = escalated(client, clock)
    assert ticket.status == TicketStatus.escalated and ticket.unit_id == civil.id
    assert ticket.due_at == clock.now + timedelta(hours=72)
    assert ticket.remind_at == clock.now + timedelta(hours=54)
    [text] = texts_to(LIAISON_PHONE, "department_escalated_link")
    assert ticket.code in text.body and "电路照明" in text.body and "/d/" in text.body
    # The street has no volunteers, so the first dispatch round found no taker.
    assert event_kinds(ticket) == ["received", "dispatch", "no_taker", "escalate"]


def test_liaison_done_by_sms_resolves_with_the_note_and_the_survey_follows(client, ctx, clock):
    ticket, _ = escalated(client, clock)
    answer = replies(text_line(client, LIAISON_PHONE, "已处理 已安排电工明天更换"))[0]
    assert ticket.code in answer
    db.session.expire_all()
    assert ticket.status == TicketStatus.resolved
    done = ticket.events[-1]
    assert (done.kind, done.actor_kind, done.reason) == ("resolve", "unit", "已安排电工明天更换")
    [told] = texts_to(MOBILE, "resident_done")  # the same words as after a volunteer's DONE
    assert ticket.code in told.body
    clock.advance(minutes=61)
    sweep()
    assert texts_to(MOBILE, "survey_link")
    replies(text_line(client, MOBILE, "不满意"))
    from app.surveys.models import FollowUp

    followup = db.session.scalars(select(FollowUp)).one()
    # Owned jointly: the community and the department that handled it are both texted, both
    # reminded at 75% of the visit's 24 hours, both chased at 100%.
    assert (followup.department_id, followup.community_id) == (
        ticket.unit_id,
        ticket.community_id,
    )
    assert ticket.status == TicketStatus.return_visit
    steps = (("followup_owed", 0), ("followup_reminder", 18), ("followup_overdue", 6))
    for template, hours in steps:
        clock.advance(hours=hours)
        sweep()
        sweep()  # a second pass changes nothing
        assert len(texts_to(LIAISON_PHONE, template)) == len(texts_to(STAFF_PHONE, template)) == 1


def test_liaison_return_sends_it_back_with_the_reason_on_a_fresh_community_clock(
    client, ctx, clock
):
    ticket, _ = escalated(client, clock)
    clock.advance(hours=5)
    assert "原因" in replies(text_line(client, LIAISON_PHONE, "退回"))[0]
    db.session.expire_all()
    assert ticket.status == TicketStatus.escalated  # a return needs its reason
    replies(text_line(client, LIAISON_PHONE, f"RETURN {ticket.code} property manager's job"))
    db.session.expire_all()
    assert ticket.status == TicketStatus.new and ticket.unit_id is None
    assert ticket.events[-1].reason == "property manager's job"
    assert ticket.due_at == clock.now + timedelta(hours=24)


def test_with_several_tickets_the_liaison_is_asked_which(client, ctx, clock):
    first, civil = escalated(client, clock)
    clock.advance(hours=3)
    second = report(client, MOBILE, "想问低保怎么申请")  # admin: escalated on intake
    assert second.status == TicketStatus.escalated and second.unit_id == civil.id
    question = replies(text_line(client, LIAISON_PHONE, "DONE called her back"))[0]
    assert first.code in question and second.code in question
    replies(text_line(client, LIAISON_PHONE, f"DONE {second.code} called her back"))
    db.session.expire_all()
    assert (first.status, second.status) == (TicketStatus.escalated, TicketStatus.resolved)
    assert "No request" in replies(text_line(client, LIAISON_PHONE, "DONE 999999"))[0]


def test_admin_questions_are_escalated_at_intake_only_when_the_department_exists(
    client, ctx, clock
):
    ticket = report(client, MOBILE, "想问低保怎么申请")
    # No civil affairs office imported yet: not escalated, but held for dispatch like any
    # ticket (this stranger is first asked where they live).
    assert ticket.status == TicketStatus.new and ticket.unit_id is None
    assert [m.template for m in texts_to(MOBILE)] == ["ticket_created_where"]


def test_escalating_an_assigned_ticket_takes_it_from_the_volunteer(client, ctx, clock):
    community, civil = street()
    resident(community)
    ticket = report(client, MOBILE, "楼道灯坏了")
    assign(ticket, volunteer(community=community))
    escalate(db.session, ticket, civil, STAFF, "wiring in the shaft")
    db.session.commit()
    assert ticket.assignee_id is None and db.session.scalar(select(Volunteer.id))


def test_the_page_shows_on_get_and_acts_once_on_post(client, ctx, clock):
    ticket, _ = escalated(client, clock)
    body = texts_to(LIAISON_PHONE, "department_escalated_link")[0].body
    path = re.search(r"(/d/[\w-]+)", body)[1]
    page = client.get(path)
    assert page.status_code == 200 and ticket.code in page.text
    where = ticket.community.name + (ticket.building or "")
    assert f"地点：{where}" in page.text  # the unit goes there
    db.session.expire_all()
    assert ticket.status == TicketStatus.escalated
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    assert client.post(path, data={"action": "return", "note": "x"}).status_code == 400
    empty = client.post(path, data={"csrf_token": token, "action": "return", "note": " "})
    assert empty.status_code == 400
    form = {"csrf_token": token, "action": "done", "note": "已答复居民"}
    assert client.post(path, data=form).status_code == 200
    db.session.expire_all()
    assert ticket.status == TicketStatus.resolved and ticket.events[-1].reason == "已答复居民"
    assert client.post(path, data=form).status_code == 410
    assert client.get(path).status_code == 410


def test_an_expired_page_link_is_refused(client, ctx, clock):
    escalated(client, clock)
    link = db.session.scalars(select(LiaisonLink)).one()
    clock.advance(hours=168)
    assert client.get(f"/d/{link.token}").status_code == 410
    assert client.get("/d/not-a-token").status_code == 410


def test_staff_hand_a_ticket_to_a_partner_unit_which_answers_by_sms_the_same_way(
    client, ctx, clock
):
    community, _ = street()
    resident(community)
    property_phone = "+8613500000009"
    manager = Department(
        code="property",
        name="龙湖物业",
        name_en="Longhu Property",
        kind=UnitKind.partner,
        liaison_phone=property_phone,
    )
    db.session.add(manager)
    db.session.commit()
    ticket = report(client, MOBILE, "外墙渗水，下雨就漏")
    staff_actions.escalate(db.session, ticket, STAFF, manager, "the property company's wall")
    db.session.commit()
    assert ticket.status == TicketStatus.escalated and ticket.unit_id == manager.id
    assert ticket.code in texts_to(property_phone, "department_escalated_link")[0].body
    answer = replies(text_line(client, property_phone, f"已处理 {ticket.code} 重做了防水"))[0]
    assert ticket.code in answer
    db.session.expire_all()
    assert ticket.status == TicketStatus.resolved
    assert ticket.events[-1].actor_label == "property"


def test_a_liaisons_words_about_what_it_holds_go_on_its_timeline(client, ctx, clock):
    ticket, _ = escalated(client, clock)
    tickets_before = db.session.scalar(select(func.count()).select_from(Ticket))
    [answer] = replies(text_line(client, LIAISON_PHONE, "好的，我们明天打电话给老人家解释"))
    assert ticket.code in answer and "已处理" in answer
    assert replies(text_line(client, LIAISON_PHONE, "收到")) == []  # thanks: nothing back
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == tickets_before
    assert ticket.status == TicketStatus.escalated
    assert event_kinds(ticket)[-1] == "unit_note"
    assert ticket.events[-1].data["text"] == "好的，我们明天打电话给老人家解释"
    # Done, the department holds nothing: 已处理 again is told it was recorded, and its number
    # texts like anyone's.
    replies(text_line(client, LIAISON_PHONE, "已处理 已电话告知"))
    [again] = replies(text_line(client, LIAISON_PHONE, "已处理"))
    assert ticket.code in again and "办结" in again
    assert "已收到您的求助" in replies(text_line(client, LIAISON_PHONE, "我家厨房水管漏水了"))[0]


def test_a_liaison_holding_several_is_asked_which_its_words_are_about(client, ctx, clock):
    first, _ = escalated(client, clock)
    second = report(client, MOBILE, "想问低保怎么申请")
    [answer] = replies(text_line(client, LIAISON_PHONE, "我们在核实情况"))
    assert first.code in answer and second.code in answer
