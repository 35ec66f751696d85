"""Repeat reports are linked to the open ticket, not dispatched twice; staff merge and split."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import db
from app.scheduling.models import Job
from app.tickets.lifecycle import IllegalTransition
from app.tickets.models import Ticket, TicketStatus
from app.tickets.repeats import MergeRefused, merge, split
from app.volunteers.availability import Availability
from app.volunteers.models import Offer, OfferStatus, Volunteer
from tests.support.closure import MOBILE, STAFF, event_kinds, resident, street, sweep
from tests.support.texting import post_signed, replies, sms_form, text_line

NEIGHBOUR = "+8613800138009"


def tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def test_same_building_and_category_within_48_hours_is_merged(client, ctx, clock):
    community, _ = street()
    resident(community)
    resident(community, phone=NEIGHBOUR, name="刘阿姨")
    text_line(client, MOBILE, "楼道灯不亮了")
    clock.advance(hours=47)
    reply = replies(post_signed(client, "/twilio/sms", sms_form(NEIGHBOUR, "我们楼的楼道灯坏了")))[
        0
    ]
    assert db.session.scalars(select(Job.ticket_id)).all() == []  # nothing asked of the worker
    original, repeat = tickets()
    assert original.code in reply and repeat.code not in reply
    assert repeat.status == TicketStatus.cancelled and repeat.parent_id == original.id
    assert repeat.events[-1].data == {"merged_into": original.code}
    assert event_kinds(repeat)[0] == "received"  # written with it (SQLite: through the view)
    # The street has no volunteers, so the original went unassigned before the repeat came.
    assert event_kinds(original) == ["received", "dispatch", "no_taker", "merged"]
    assert original.events[-1].data["ticket"] == repeat.code
    clock.advance(hours=2)
    text_line(client, NEIGHBOUR, "楼道灯还是不亮")  # 49 h after the first: a new ticket
    assert tickets()[-1].status == TicketStatus.unassigned  # dispatched, not merged


def test_same_resident_same_category_is_merged_other_categories_are_not(client, ctx, clock):
    community, _ = street()
    resident(community, building="")
    text_line(client, MOBILE, "马桶堵了")
    clock.advance(hours=5)
    text_line(client, MOBILE, "厕所又堵了")
    clock.advance(hours=5)
    text_line(client, MOBILE, "灯泡坏了")
    first, second, third = tickets()
    assert second.parent_id == first.id and third.parent_id is None
    assert third.status == TicketStatus.unassigned  # dispatched, not merged


def test_empty_building_never_matches_a_neighbour(client, ctx, clock):
    community, _ = street()
    resident(community, building="")
    resident(community, phone=NEIGHBOUR, building="")
    text_line(client, MOBILE, "马桶堵了")
    clock.advance(hours=3)
    text_line(client, NEIGHBOUR, "马桶堵了")
    assert [t.status for t in tickets()] == [TicketStatus.unassigned] * 2  # both dispatched


def test_staff_merge_and_split(client, ctx, clock):
    community, _ = street()
    resident(community, building="")
    resident(community, phone=NEIGHBOUR, building="")
    text_line(client, MOBILE, "马桶堵了")
    text_line(client, NEIGHBOUR, "下水道堵塞")
    a, b = tickets()
    with pytest.raises(MergeRefused):
        merge(db.session, a, a, STAFF)
    merge(db.session, b, a, STAFF)
    db.session.commit()
    assert b.status == TicketStatus.cancelled and b.parent_id == a.id
    with pytest.raises(IllegalTransition):
        merge(db.session, b, a, STAFF)  # a cancelled ticket cannot be merged again
    clock.advance(hours=1)
    split(db.session, b, STAFF)
    db.session.commit()
    assert b.status == TicketStatus.new and b.parent_id is None
    assert b.due_at == clock.now + timedelta(hours=24)  # a fresh community deadline
    assert event_kinds(a) == ["received", "dispatch", "no_taker", "merged", "split"]
    assert event_kinds(b)[-2:] == ["cancel", "split"]
    with pytest.raises(MergeRefused):
        split(db.session, a, STAFF)


def test_a_merged_report_is_never_dispatched_and_the_parent_keeps_its_holder(client, ctx, clock):
    community, _ = street()
    resident(community, building="")
    resident(community, phone=NEIGHBOUR, building="")
    helper = Volunteer(name="李师傅", phone="+8613700000001", community=community)
    helper.skills = ["plumbing"]
    helper.set_availability(Availability.parse("always"))
    db.session.add(helper)
    db.session.commit()
    text_line(client, MOBILE, "马桶堵了")
    text_line(client, "+8613700000001", "1")  # the first report is his now
    text_line(client, NEIGHBOUR, "下水道堵塞")  # another building: offered to nobody yet
    a, b = tickets()
    assert (a.status, b.status) == (TicketStatus.assigned, TicketStatus.dispatching)
    merge(db.session, b, a, STAFF)
    db.session.commit()
    offers = db.session.scalars(select(Offer).where(Offer.ticket_id == b.id)).all()
    assert [o.status for o in offers] == [OfferStatus.withdrawn]
    sweep()
    a, b = tickets()
    assert b.status == TicketStatus.cancelled and b.assignee_id is None
    assert a.status == TicketStatus.assigned and a.assignee_id == helper.id
    # A yes crossing the withdrawal notice gets no second text; a later one hears it is taken.
    assert replies(text_line(client, "+8613700000001", f"1 {b.code}")) == []
    clock.advance(minutes=3)
    assert replies(text_line(client, "+8613700000001", f"1 {b.code}"))
    split(db.session, b, STAFF)
    db.session.commit()
    sweep()
    assert tickets()[1].status in (TicketStatus.dispatching, TicketStatus.unassigned)


@pytest.fixture
def neighbours(ctx, clock):
    """A street with a resident and, in the same building, a neighbour."""
    community, _ = street()
    resident(community)
    resident(community, phone=NEIGHBOUR, name="刘阿姨")


def both_report_the_light(client) -> None:
    """The resident reports the stairwell light, then the neighbour: the second joins the first."""
    text_line(client, MOBILE, "楼道灯不亮了")
    text_line(client, NEIGHBOUR, "楼道灯坏了")


@pytest.mark.parametrize(
    ("first", "second", "merged"),
    [
        ("我家厨房水管爆了", "家里水龙头一直滴水", False),  # two homes, two problems
        ("My kitchen tap leaks", "my bathroom pipe is leaking", False),
        ("我家厨房水管爆了", "楼道的水管在漏水", True),  # the building's pipe: maybe the same
        ("楼道灯不亮了", "我家楼道的灯坏了", True),
    ],
)
def test_a_problem_inside_a_home_is_not_the_neighbours(client, neighbours, first, second, merged):
    text_line(client, MOBILE, first)
    [answer] = replies(text_line(client, NEIGHBOUR, second))
    original, report = tickets()
    assert original.category_code == report.category_code
    assert (report.parent_id == original.id) is merged
    assert (original.code in answer) is merged and (report.code in answer) is not merged
    assert ("已有邻居反映" in answer) is merged


def test_asking_when_help_comes_after_a_merge_hears_of_the_neighbours_ticket(
    client, neighbours, clock
):
    both_report_the_light(client)
    clock.advance(hours=3)
    for question in ("师傅大概几点到？", "进度"):
        [answer] = replies(text_line(client, NEIGHBOUR, question))
        assert tickets()[0].code in answer
    assert len(tickets()) == 2  # the questions opened nothing


def test_more_words_after_a_merge_go_to_the_neighbours_ticket(client, neighbours, clock):
    both_report_the_light(client)
    clock.advance(minutes=30)
    [answer] = replies(text_line(client, NEIGHBOUR, "我下午要出门，能不能明天上午来"))
    original, merged = tickets()
    assert original.code in answer and "已有邻居反映" in answer
    assert "明天上午来" in original.description and merged.parent_id == original.id
    clock.advance(hours=3)  # past the follow-up window: a report of its own again
    text_line(client, NEIGHBOUR, "我家门口有人乱堆杂物")
    assert len(tickets()) == 3
