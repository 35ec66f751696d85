"""Deadline supervision: one reminder to whoever holds the ticket at 75%, one breach notice to
the community's staff at 100%, however often the sweeps run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.db import db
from app.tickets.escalation import escalate
from app.tickets.models import TicketStatus
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
from tests.support.staff import log_in
from tests.support.staff import staff as staff_user


def test_reminder_to_the_volunteer_at_75_percent_and_breach_to_staff_at_100_once_each(
    client, ctx, clock
):
    community, _ = street()
    resident(community)
    helper = volunteer(community=community)
    ticket = report(client, MOBILE, "马桶堵了")
    assign(ticket, helper)
    clock.advance(hours=17, minutes=59)
    sweep()
    assert texts_to(helper.phone) == []
    clock.advance(minutes=1)  # 18 h of 24
    sweep()
    sweep()
    [reminder] = texts_to(helper.phone, "deadline_reminder")
    assert ticket.code in reminder.body and "11-26 10:00" in reminder.body
    clock.advance(hours=6)
    sweep()
    sweep()
    [breach] = texts_to(STAFF_PHONE, "deadline_breached")
    assert ticket.code in breach.body and "水管水暖" in breach.body
    db.session.refresh(ticket)
    assert ticket.breached_at == clock.now and ticket.reminded_at is not None
    assert event_kinds(ticket).count("reminder_sent") == 1
    assert event_kinds(ticket).count("deadline_breached") == 1
    assert len(texts_to(helper.phone)) == 1  # the breach goes to staff only


def test_the_reminder_goes_to_staff_when_unassigned_and_to_the_liaison_when_escalated(
    client, ctx, clock
):
    community, civil = street()
    resident(community)
    ticket = report(client, MOBILE, "马桶堵了")
    clock.advance(hours=18)
    sweep()
    assert len(texts_to(STAFF_PHONE, "deadline_reminder")) == 1
    escalate(db.session, ticket, civil, STAFF, "shared drain")
    db.session.commit()
    clock.advance(hours=54)
    sweep()
    assert len(texts_to(LIAISON_PHONE, "deadline_reminder")) == 1
    clock.advance(hours=18)
    sweep()
    assert len(texts_to(STAFF_PHONE, "deadline_breached")) == 1


def test_finished_tickets_are_never_chased(client, ctx, clock):
    community, _ = street()
    resident(community)
    ticket = report(client, MOBILE, "马桶堵了")
    same = report(client, MOBILE, "取消")
    assert same.id == ticket.id and ticket.status == TicketStatus.cancelled
    clock.advance(hours=30)
    sweep()
    assert no_deadline_texts()


def test_working_days_policy_end_to_end(client, ctx, clock, app, monkeypatch):
    """A Friday-evening report under working days is due on Monday evening, not Saturday."""
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_DEADLINE_POLICY", "working_days")
    community, _ = street()
    resident(community)
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))  # Friday 18:00 in Chongqing
    ticket = report(client, MOBILE, "马桶堵了")
    monday_evening = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert ticket.due_at == monday_evening
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))  # Saturday: 24 calendar hours
    sweep()
    assert no_deadline_texts()
    clock.set(monday_evening - timedelta(hours=6))
    sweep()
    assert len(texts_to(STAFF_PHONE, "deadline_reminder")) == 1
    clock.set(monday_evening)
    sweep()
    assert len(texts_to(STAFF_PHONE, "deadline_breached")) == 1


def no_deadline_texts() -> bool:
    """Staff hear about no volunteer being found; here only deadline texts are in question."""
    return not any(
        texts_to(STAFF_PHONE, kind) for kind in ("deadline_reminder", "deadline_breached")
    )


def test_national_day_is_skipped_and_a_deadline_past_the_calendar_is_flagged(
    client, ctx, clock, app, monkeypatch
):
    """Working days from the chinese-calendar package: a request on Wednesday 30 September
    2026 is due on Thursday 8 October, after the National Day week; one on Thursday 31
    December would be due in 2027, which the package does not cover: no deadline is guessed,
    the timeline and the ticket page say why."""
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_DEADLINE_POLICY", "working_days")
    community, _ = street()
    resident(community)
    clock.set(datetime(2026, 9, 30, 2, 0, tzinfo=UTC))  # Wed 30 Sep 10:00 in Chongqing
    before_holiday = report(client, MOBILE, "马桶堵了")
    assert before_holiday.due_at == datetime(2026, 10, 8, 2, 0, tzinfo=UTC)
    clock.set(datetime(2026, 10, 5, 2, 0, tzinfo=UTC))  # in the holiday, 5 calendar days on
    sweep()
    assert no_deadline_texts()
    # The 75% reminder: 14 of the 18 hours on 30 Sep, the other 4 on 8 Oct (04:00 local).
    assert before_holiday.remind_at == datetime(2026, 10, 7, 20, 0, tzinfo=UTC)
    clock.set(datetime(2026, 12, 31, 2, 0, tzinfo=UTC))
    year_end = report(client, "+8613800138009", "楼道灯不亮")
    assert (year_end.due_at, year_end.remind_at) == (None, None)
    assert "deadline_unknown" in event_kinds(year_end)
    staff_user("office")
    log_in(client, "office")
    page = client.get(f"/dashboard/tickets/{year_end.code}").get_data(as_text=True)
    assert "节假日日历未覆盖" in page and "no holiday calendar for 2027" in page
