"""The resident's side of closing the loop, under a controlled clock: survey after the delay
(never in quiet hours), answer by SMS, follow-up and reopen, and the survey's other endings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import db
from app.messaging.models import Message, MessageKind
from app.surveys.models import (
    FollowUp,
    FollowUpStatus,
    Rating,
    Survey,
    SurveyChannel,
    SurveyStatus,
)
from app.surveys.operations import SurveyClosed, call_unanswered, complete_followup, record_answer
from app.tickets.models import Ticket, TicketStatus
from tests.support.closure import (
    LANDLINE,
    MOBILE,
    STAFF,
    STAFF_PHONE,
    assign,
    done_ticket,
    event_kinds,
    landline_done,
    report,
    resident,
    resolve,
    street,
    surveyed_ticket,
    sweep,
    texts_to,
    volunteer,
)
from tests.support.texting import replies, text_line


def surveys(ticket: Ticket) -> list[Survey]:
    return list(db.session.scalars(select(Survey).where(Survey.ticket_id == ticket.id)))


def resolved_ticket(client, clock):
    """A resident's appliance ticket, done by a volunteer, and the survey sent an hour later."""
    return surveyed_ticket(client, clock)


def test_unsatisfied_then_follow_up_reopen_and_satisfied_closes(client, ctx, clock):
    ticket, helper = done_ticket(client)
    community = ticket.community

    clock.advance(minutes=59)
    sweep()
    assert texts_to(MOBILE, "survey_link") == []  # not before the delay
    clock.advance(minutes=2)
    sweep()
    sweep()
    [survey_text] = texts_to(MOBILE, "survey_link")
    assert ticket.code in survey_text.body and "3不满意" in survey_text.body

    answer = replies(text_line(client, MOBILE, "3 还是转不动"))[0]
    assert "回访" in answer and "24" in answer
    db.session.expire_all()
    assert ticket.status == TicketStatus.return_visit  # still open: the return visit is owed
    [followup] = db.session.scalars(select(FollowUp)).all()
    assert followup.community_id == community.id and followup.department_id is None
    assert followup.due_at == clock.now + timedelta(hours=24) == ticket.due_at
    assert texts_to(STAFF_PHONE, "followup_owed")
    assert (helper.rating_points, helper.ratings) == (0, 1)

    complete_followup(db.session, followup, "滚筒皮带松了，要再修", True, STAFF)
    db.session.commit()
    assert ticket.status == TicketStatus.reopened and ticket.assignee is None
    assert followup.status == FollowUpStatus.done and followup.needs_work

    assign(ticket, helper)
    resolve(ticket, helper)
    clock.advance(minutes=61)
    sweep()
    assert len(texts_to(MOBILE, "survey_link")) == 2  # a new survey for the new resolution
    assert "谢谢" in replies(text_line(client, MOBILE, "1"))[0]
    db.session.expire_all()
    assert ticket.status == TicketStatus.closed and ticket.visits == 2
    assert [s.rating for s in surveys(ticket)] == [Rating.unsatisfied, Rating.satisfied]
    assert (helper.rating_points, helper.ratings) == (2, 2)
    kinds = event_kinds(ticket)
    assert kinds[kinds.index("resolve") :] == [
        "resolve",
        "survey_sent",
        "survey_answered",
        "return_visit",
        "followup_opened",
        "reopen",
        "followup_completed",
        "assign",
        "resolve",
        "survey_sent",
        "survey_answered",
        "close",
    ]


def test_no_survey_in_quiet_hours_it_waits_for_eight(client, ctx, clock):
    community, _ = street()
    resident(community)
    helper = volunteer(community=community)
    ticket = report(client, MOBILE, "灯泡坏了")
    assign(ticket, helper)
    clock.advance(hours=10, minutes=30)  # 20:30 in Chongqing
    resolve(ticket, helper)
    clock.advance(hours=1)  # 21:30: due, but quiet
    sweep()
    assert texts_to(MOBILE, "survey_link") == []
    clock.advance(hours=10, minutes=29)  # 07:59
    sweep()
    assert texts_to(MOBILE, "survey_link") == []
    clock.advance(minutes=1)  # 08:00
    sweep()
    assert len(texts_to(MOBILE, "survey_link")) == 1


def test_one_reminder_after_a_day_then_no_answer_closes(client, ctx, clock):
    ticket, _ = resolved_ticket(client, clock)
    clock.advance(hours=23, minutes=59)
    sweep()
    assert texts_to(MOBILE, "survey_reminder_link") == []
    clock.advance(minutes=1)
    sweep()
    sweep()
    assert len(texts_to(MOBILE, "survey_reminder_link")) == 1
    clock.advance(hours=47, minutes=59)
    sweep()
    db.session.refresh(ticket)
    assert ticket.status == TicketStatus.resolved
    clock.advance(minutes=1)
    sweep()
    [survey] = surveys(ticket)
    assert survey.status == SurveyStatus.no_answer
    assert ticket.status == TicketStatus.closed
    assert "survey_no_answer" in event_kinds(ticket)


def test_a_non_answer_gets_one_clarification_then_counts_as_invalid(client, ctx, clock):
    ticket, _ = resolved_ticket(client, clock)
    assert "1满意" in replies(text_line(client, MOBILE, "嗯嗯"))[0]
    db.session.expire_all()
    assert surveys(ticket)[0].status == SurveyStatus.awaiting
    assert ticket.code in replies(text_line(client, MOBILE, "好的吧"))[0]
    db.session.expire_all()
    [survey] = surveys(ticket)
    assert survey.status == SurveyStatus.invalid and survey.comment == "好的吧"
    assert ticket.status == TicketStatus.closed


def test_a_new_problem_while_a_survey_waits_opens_a_ticket(client, ctx, clock):
    ticket, _ = resolved_ticket(client, clock)
    reply = replies(text_line(client, MOBILE, "厨房水龙头漏水"))[0]
    assert "已收到您的求助" in reply
    db.session.expire_all()
    assert surveys(ticket)[0].status == SurveyStatus.awaiting
    assert db.session.scalar(select(Ticket).where(Ticket.category_code == "plumbing"))
    assert "进行中" not in replies(text_line(client, MOBILE, "进度"))[0]  # commands still work


def test_a_comment_may_follow_the_rating_and_not_fixed_earns_a_visit(client, ctx, clock):
    ticket, helper = resolved_ticket(client, clock)
    replies(text_line(client, MOBILE, "2"))
    clock.advance(minutes=5)
    assert "意见" in replies(text_line(client, MOBILE, "师傅很耐心，不过还是漏水没修好"))[0]
    db.session.expire_all()
    [survey] = surveys(ticket)
    assert survey.rating == Rating.basically_satisfied and "没修好" in survey.comment
    assert db.session.scalars(select(FollowUp)).one().ticket_id == ticket.id
    assert (helper.rating_points, helper.ratings) == (1, 1)


def test_opted_out_residents_are_not_texted_the_survey_is_recorded_not_sent(client, ctx, clock):
    community, _ = street()
    resident(community)
    helper = volunteer(community=community)
    ticket = report(client, MOBILE, "灯泡坏了")
    text_line(client, MOBILE, "退订")
    assign(ticket, helper)
    resolve(ticket, helper)
    clock.advance(hours=2)
    sweep()
    [survey] = surveys(ticket)
    assert survey.status == SurveyStatus.not_sent and survey.not_sent_reason == "opted out"
    assert texts_to(MOBILE, "survey_link") == [] and texts_to(MOBILE, "survey") == []
    assert ticket.status == TicketStatus.closed


def test_the_web_link_shows_on_get_and_records_once_on_post(client, ctx, clock):
    ticket, _ = resolved_ticket(client, clock)
    body = texts_to(MOBILE, "survey_link")[0].body
    path = re.search(r"https://hotline\.example\.org(/s/[\w-]+)", body)[1]
    assert len(path) >= len("/s/") + 22  # 128 random bits

    page = client.get(path)
    assert page.status_code == 200 and ticket.code in page.text
    assert page.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    assert surveys(ticket)[0].status == SurveyStatus.awaiting  # GET changes nothing

    assert client.post(path, data={"rating": "satisfied"}).status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    form = {"csrf_token": token, "rating": "unsatisfied", "comment": "<b>还是不转</b>"}
    done = client.post(path, data=form)
    assert done.status_code == 200 and "谢谢" in done.text
    db.session.expire_all()
    [survey] = surveys(ticket)
    assert survey.rating == Rating.unsatisfied and survey.answer_channel == "web"
    assert survey.comment == "<b>还是不转</b>" and ticket.status == TicketStatus.return_visit
    assert client.get(path).status_code == 410
    assert client.post(path, data=form).status_code == 410
    assert "还是不转" not in client.get(path).text


def test_links_off_the_survey_text_has_no_link(client, ctx, clock, app, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_LINKS_ENABLED", False)
    ticket, _ = resolved_ticket(client, clock)
    [text] = texts_to(MOBILE, "survey")
    assert "http" not in text.body and surveys(ticket)[0].web_token is None


def called_back(clock) -> Ticket:
    """A landline caller's ticket (opened by the IVR), resolved; the survey sweep has run."""
    ticket = landline_done(clock)
    sweep()
    return ticket


def test_landlines_are_surveyed_by_a_call_retried_once_then_no_answer(ctx, clock):
    ticket = called_back(clock)
    [call] = calls_to(LANDLINE)
    assert call.callback_url == (
        f"https://hotline.example.org/twilio/voice/outbound/survey?ticket={ticket.code}"
    )
    assert texts_to(LANDLINE) == []  # a landline is never texted

    assert call_unanswered(db.session, ticket.code).calls == 2
    db.session.commit()
    retry = calls_to(LANDLINE)[1]
    assert retry.next_attempt_at == clock.now + timedelta(minutes=30)
    call_unanswered(db.session, ticket.code)
    db.session.commit()
    [survey] = surveys(ticket)
    assert survey.status == SurveyStatus.no_answer and ticket.status == TicketStatus.closed
    assert len(calls_to(LANDLINE)) == 2


def test_a_voice_answer_is_recorded_through_record_answer(ctx, clock):
    ticket = called_back(clock)
    [survey] = surveys(ticket)
    record_answer(db.session, survey, Rating.satisfied, "", SurveyChannel.voice)
    db.session.commit()
    assert ticket.status == TicketStatus.closed and survey.answer_channel == SurveyChannel.voice
    with pytest.raises(SurveyClosed):
        record_answer(db.session, survey, Rating.unsatisfied, "", SurveyChannel.voice)
    assert call_unanswered(db.session, ticket.code) is None  # a late callback changes nothing


def calls_to(phone: str) -> list[Message]:
    """Survey calls to ``phone`` (a landline also hears, once, that the volunteer is coming)."""
    query = select(Message).where(
        Message.kind == MessageKind.call,
        Message.peer == phone,
        Message.callback_url.contains("/outbound/survey"),
    )
    return list(db.session.scalars(query.order_by(Message.id)))


def test_an_overdue_follow_up_is_chased_once_and_a_done_one_never(client, ctx, clock):
    ticket, _ = resolved_ticket(client, clock)
    replies(text_line(client, MOBILE, "3"))
    followup = db.session.scalars(select(FollowUp)).one()
    clock.advance(hours=23, minutes=59)
    sweep()
    assert texts_to(STAFF_PHONE, "followup_overdue") == []
    clock.advance(hours=1, minutes=1)
    sweep()
    sweep()
    [chase] = texts_to(STAFF_PHONE, "followup_overdue")
    assert ticket.code in chase.body and "11-26 11:01" in chase.body  # due 24 h after the answer
    assert event_kinds(ticket).count("followup_overdue") == 1
    complete_followup(db.session, followup, "电话回访，已修好", False, STAFF)
    db.session.commit()
    clock.advance(days=3)
    sweep()
    assert len(texts_to(STAFF_PHONE, "followup_overdue")) == 1
