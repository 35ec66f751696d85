"""Staff actions on a ticket: each is an event with the staff member, through the real form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import StaffRole
from app.db import db
from app.messaging.models import Message, MessageStatus
from app.surveys import operations
from app.surveys.models import FollowUp, FollowUpStatus, Rating, SurveyChannel
from app.tickets.models import ActorKind, TicketStatus
from app.volunteers.models import Volunteer
from tests.support.staff import community, log_in, post_form, resident, staff, ticket


@pytest.fixture
def opened(client, ctx):
    place = community()
    staff("lx", StaffRole.community, community_code="longxi")
    log_in(client, "lx")
    return ticket(resident("+8613800138000", place), "洗衣机坏了")


def act(client, code, action, **form):
    page = f"/dashboard/tickets/{code}"
    response = post_form(client, f"{page}/{action}", form, page)
    assert response.status_code == 303
    db.session.expire_all()
    return client.get(page).get_data(as_text=True)


def staff_events(ticket):
    return [(e.kind, e.actor_label) for e in ticket.events if e.actor_kind == ActorKind.staff]


def test_note_assign_resolve_close_reopen_cancel(client, opened):
    volunteer = Volunteer(name="张师傅", phone="+8613900000001", community_id=opened.community_id)
    db.session.add(volunteer)
    db.session.commit()
    page = act(client, opened.code, "note", text="已电话联系居民")
    assert "已电话联系居民" in page
    act(client, opened.code, "assign", volunteer_id=str(volunteer.id))
    assert opened.status == TicketStatus.assigned and opened.assignee_id == volunteer.id
    act(client, opened.code, "resolve", reason="修好了")
    assert opened.status == TicketStatus.resolved
    act(client, opened.code, "close")
    act(client, opened.code, "reopen", reason="又坏了")
    assert opened.status == TicketStatus.reopened
    act(client, opened.code, "cancel")
    assert opened.status == TicketStatus.cancelled
    kinds = ["note", "assign", "resolve", "close", "reopen", "cancel"]
    assert staff_events(opened) == [(k, "lx") for k in kinds]


def test_an_illegal_move_is_refused_and_changes_nothing(client, opened):
    page = act(client, opened.code, "close")
    assert "工单当前为“已受理”，不能关闭" in page  # says what stopped it, in words
    assert opened.status == TicketStatus.new and staff_events(opened) == []


def test_a_paused_or_foreign_volunteer_cannot_be_assigned(client, opened):
    paused = Volunteer(name="休息", phone="+8613900000002", community_id=opened.community_id)
    paused.active = False
    elsewhere = Volunteer(name="外社区", phone="+8613900000003", community_id=None)
    db.session.add_all([paused, elsewhere])
    db.session.commit()
    for volunteer in (paused, elsewhere):
        act(client, opened.code, "assign", volunteer_id=str(volunteer.id))
    assert opened.status == TicketStatus.new


def test_texting_the_resident_queues_the_staff_message_template(client, opened):
    act(client, opened.code, "text", text="师傅明天上午来")
    message = db.session.scalars(select(Message).where(Message.template == "staff_message")).one()
    assert message.status == MessageStatus.queued and message.peer == "+8613800138000"
    assert opened.code in message.body and "师傅明天上午来" in message.body
    assert message.segments <= 2
    assert staff_events(opened) == [("resident_texted", "lx")]


def test_a_text_over_the_limit_is_refused(client, opened):
    act(client, opened.code, "text", text="长" * 101)
    assert (
        db.session.scalars(select(Message).where(Message.template == "staff_message")).all() == []
    )


def test_the_longest_text_fits_two_segments_even_in_an_english_template(client, opened):
    opened.resident.language = "en"
    db.session.commit()
    act(client, opened.code, "text", text="中" * 100)
    message = db.session.scalars(select(Message).where(Message.template == "staff_message")).one()
    assert message.segments <= 2


def test_unknown_actions_are_404(client, opened):
    page = f"/dashboard/tickets/{opened.code}"
    assert post_form(client, f"{page}/teleport", {}, page).status_code == 404


def unhappy(client, opened, comment="墙还是渗水"):
    """Resolved by staff, then rated unsatisfied: the ticket waits for its return visit."""
    volunteer = Volunteer(name="张师傅", phone="+8613900000001", community_id=opened.community_id)
    db.session.add(volunteer)
    db.session.commit()
    act(client, opened.code, "assign", volunteer_id=str(volunteer.id))
    act(client, opened.code, "resolve", reason="修好了")
    survey = operations.send_survey(db.session, opened)
    operations.record_answer(db.session, survey, Rating.unsatisfied, comment, SurveyChannel.sms)
    db.session.commit()
    assert opened.status == TicketStatus.return_visit
    return db.session.scalars(select(FollowUp).where(FollowUp.ticket_id == opened.id)).one()


def test_staff_end_a_return_visit_only_with_a_reason(client, opened):
    followup = unhappy(client, opened)
    assert opened.code in client.get("/dashboard/").get_data(as_text=True)  # open in the queue
    assert "必须写明原因" in act(client, opened.code, "close")  # no reason: refused
    assert "请先记录回访结果" in act(client, opened.code, "reopen", reason="x")  # the visit decides
    assert opened.status == TicketStatus.return_visit
    act(client, opened.code, "close", reason="居民不在家，三次联系未果")
    assert opened.status == TicketStatus.closed
    assert opened.code not in client.get("/dashboard/").get_data(as_text=True)
    assert (followup.status, followup.outcome) == (FollowUpStatus.done, "居民不在家，三次联系未果")
    assert staff_events(opened)[-2:] == [("followup_completed", "lx"), ("close", "lx")]


@pytest.mark.parametrize(
    ("rating", "needs_work", "status"),
    [
        ("basically_satisfied", None, TicketStatus.closed),
        ("", None, TicketStatus.closed),  # accepted without a new rating
        ("", "1", TicketStatus.reopened),  # more work: a new dispatch round
    ],
)
def test_the_return_visit_records_acceptance_a_new_rating_or_more_work(
    client, opened, rating, needs_work, status
):
    followup = unhappy(client, opened)
    form = {"followup_id": str(followup.id), "outcome": "上门查看，居民认可", "rating": rating}
    if needs_work:
        form["needs_work"] = needs_work
    act(client, opened.code, "followup", **form)
    assert opened.status == status and followup.status == FollowUpStatus.done
    answers = [e.data["rating"] for e in opened.events if e.kind == "survey_answered"]
    assert answers == ["unsatisfied", *([rating] if rating else [])]
    assert followup.rating == (Rating(rating) if rating else None)
