"""Strangers are asked where, replayed through the signed SMS webhook: the first text opens its
ticket and asks once for the community and address; the answer fills the place (no new ticket);
nobody is offered a ticket without a place; and a ticket with no community still reaches a
person (the office's phone) for no-taker, reminder, breach and urgent alerts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.communities.models import Community, Department, UnitKind
from app.db import db
from app.messaging.models import Message
from app.residents.models import Resident
from app.tickets.models import Priority, Ticket, TicketStatus
from tests.support.closure import event_kinds, sweep
from tests.support.texting import replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import offers, only_ticket, sent_to

STRANGER = "+8613700137000"
OFFICE = "+8602361234580"
COMMUNITY_STAFF = "+8613900002001"  # the factories' community staff phone


@pytest.fixture
def street(app, ctx, clock, monkeypatch):
    """Longxi with three volunteers who could take anything; the office phone configured."""
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_OFFICE_PHONE", OFFICE)
    home = Community(code="longxi", name="龙溪社区", name_en="Longxi", staff_phone=COMMUNITY_STAFF)
    db.session.add(home)
    db.session.commit()
    for n in range(1, 4):
        f.volunteer(n, home, skills=("appliance", "electrical", "sanitation", "other"))
    return home


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def offer_bodies() -> list[str]:
    return [db.session.get(Message, o.message_id).body for o in offers()]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("我是龙溪社区3栋2单元的王奶奶，家里洗衣机坏了", "龙溪社区3栋2单元"),
        ("洗衣机坏了，龙溪3栋2单元401", "龙溪3栋2单元401"),
        ("Washing machine broken, Longxi building 3", "Longxi building 3"),
    ],
)
def test_a_stranger_who_says_where_in_the_report_is_not_asked_again(client, street, text, address):
    [answer] = replies(text_line(client, STRANGER, text))
    ticket = only_ticket()
    assert ticket.code in answer and "地址" not in answer and "address" not in answer
    assert (ticket.community_id, ticket.building) == (street.id, "3栋")  # building 3 too
    assert ticket.address == address and ticket.description == text
    resident = db.session.scalars(select(Resident)).one()
    assert resident.community_id == street.id and resident.address == address
    assert len(offers()) == 3  # dispatched at once


def test_neighbours_saying_where_in_two_languages_report_one_problem(client, street):
    """ "building 5" is 5栋: the second report of the hallway light is the first one's repeat."""
    text_line(client, STRANGER, "My hallway light is broken, I live in Longxi building 5")
    [answer] = replies(text_line(client, "+8613700137001", "楼道灯坏了，我是龙溪社区5栋的"))
    first, second = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert first.building == second.building == "5栋"
    assert second.parent_id == first.id and first.code in answer
    assert all("building5" not in body for body in offer_bodies())


@pytest.mark.parametrize("text", ["我住3栋，马桶堵了", "龙溪这边的马桶堵了"])
def test_a_building_or_a_community_alone_is_still_asked_about(client, street, text):
    [question] = replies(text_line(client, STRANGER, text))
    assert "地址" in question and only_ticket().community_id is None and offers() == []


def test_the_first_text_asks_where_and_the_answer_fills_the_place(client, street):
    [question] = replies(text_line(client, STRANGER, "洗衣机转几下就不动了"))
    ticket = only_ticket()
    assert ticket.code in question and "家电维修" in question
    assert "社区" in question and "地址" in question
    assert ticket.community_id is None and offers() == []  # nobody is sent nowhere
    assert event_kinds(ticket) == ["received"]
    assert [m.template for m in sent_to(STRANGER)] == ["ticket_created_where"]  # asked, once

    [noted] = replies(text_line(client, STRANGER, "我住龙溪社区3栋2单元401，麻烦你们了"))
    db.session.expire_all()
    assert ticket_count() == 1  # the answer opened nothing
    assert ticket.code in noted and "龙溪社区3栋2单元401。" in noted  # read back to be checked
    assert ticket.community_id == street.id and ticket.building == "3栋"
    assert ticket.address == "龙溪社区3栋2单元401"  # what a volunteer reads, no chatter around
    assert "我住龙溪" not in ticket.description  # the place is not the problem
    resident = db.session.scalars(select(Resident)).one()
    assert (resident.community_id, resident.building) == (street.id, "3栋")
    assert resident.address == "龙溪社区3栋2单元401"
    bodies = offer_bodies()
    assert len(bodies) == 3
    for body in bodies:  # the place is named, the flat is not
        flat = "401" in body.replace(ticket.code, "")  # a random code may hold "401"
        assert "龙溪社区3栋" in body and not flat and "，。" not in body
    assert event_kinds(ticket)[:3] == ["received", "place_given", "dispatch"]


def test_english_and_the_community_by_its_english_name(client, street):
    [question] = replies(text_line(client, STRANGER, "The stairwell light is broken"))
    assert "community and address" in question
    [noted] = replies(text_line(client, STRANGER, "Longxi, building 5, flat 302"))
    assert "Longxi" in noted
    assert only_ticket().community_id == street.id and only_ticket().building == "5栋"
    assert len(offers()) == 3


def test_without_an_answer_the_staff_are_told_once_and_a_late_answer_still_dispatches(
    client, street, clock
):
    text_line(client, STRANGER, "楼道灯不亮了")
    clock.advance(minutes=29)
    sweep()
    assert sent_to(OFFICE) == []  # still waiting for the resident
    clock.advance(minutes=2)
    sweep()
    sweep()
    ticket = only_ticket()
    [alert] = sent_to(OFFICE, "staff_no_place")  # no community: the office's phone
    assert ticket.code in alert.body and "137 0013 7000" in alert.body
    assert "楼道灯不亮了" in alert.body
    assert ticket.status == TicketStatus.new and offers() == []

    replies(text_line(client, STRANGER, "龙溪社区8栋"))
    db.session.expire_all()
    assert ticket.community_id == street.id and len(offers()) == 3


def test_an_answer_naming_no_known_community_goes_to_staff(client, street):
    text_line(client, STRANGER, "门口的垃圾好几天没人收")
    [noted] = replies(text_line(client, STRANGER, "解放碑步行街12号"))
    ticket = only_ticket()
    assert "解放碑步行街12号" in noted
    assert ticket.address == "解放碑步行街12号" and ticket.community_id is None
    assert offers() == [] and len(sent_to(OFFICE, "staff_no_place")) == 1


@pytest.mark.parametrize(("text", "answer"), [("进度", "已受理"), ("好的，谢谢", None)])
def test_commands_and_thanks_after_the_question_are_not_a_place(client, street, text, answer):
    text_line(client, STRANGER, "水龙头一直滴水")
    got = replies(text_line(client, STRANGER, text))
    assert (answer in got[0]) if answer else got == []
    assert only_ticket().address == "" and "place_given" not in event_kinds(only_ticket())


def test_a_stranger_in_danger_gets_advice_first_and_the_office_at_once(client, street):
    [advice] = replies(text_line(client, STRANGER, "厨房好大一股煤气味"))
    assert "燃气公司" in advice and "社区" not in advice  # no question before safety
    ticket = only_ticket()
    assert ticket.priority == Priority.urgent
    [alert] = sent_to(OFFICE, "staff_urgent")
    assert "地点未知" in alert.body and "137 0013 7000" in alert.body
    assert offers() == [] and sent_to(OFFICE, "staff_no_place") == []  # one text is enough
    assert "place_missing" in event_kinds(ticket)

    # The address they send next (found by hand: it was only added to the words) is the place.
    replies(text_line(client, STRANGER, "龙溪社区5栋1单元302"))
    db.session.expire_all()
    assert ticket_count() == 1 and ticket.community_id == street.id
    assert "place_given" in event_kinds(ticket) and "龙溪" not in ticket.description
    assert len(offers()) == 3  # and urgent offers go out to the volunteers at once


def test_a_ticket_with_no_community_reaches_the_office_for_reminder_and_breach(
    client, street, clock
):
    text_line(client, STRANGER, "电视没图像")
    for hours, notice in ((19, "deadline_reminder"), (6, "deadline_breached")):  # 75%, then 100%
        clock.advance(hours=hours)
        sweep()
        assert len(sent_to(OFFICE, notice)) == 1


def test_no_taker_in_a_community_without_a_staff_phone_reaches_the_office(client, app, street):
    quiet = f.community("jinshan", staff_phone=None)
    f.resident(quiet, phone="13800138111")
    text_line(client, "13800138111", "楼上邻居半夜太吵了")  # nobody takes quarrels
    ticket = only_ticket()
    assert ticket.status == TicketStatus.unassigned
    [alert] = sent_to(OFFICE, "staff_no_taker")
    assert ticket.code in alert.body and "jinshan社区" in alert.body
    assert sent_to(COMMUNITY_STAFF) == []  # Longxi's office is not Jinshan's


@pytest.mark.parametrize(
    ("text", "kind", "unit", "name"),
    [
        ("小区门口垃圾堆了好几天没人收", UnitKind.partner, "sanitation", "环卫所"),
        ("想问一下低保怎么申请", UnitKind.department, "civil", "民政办"),
    ],
)
def test_partner_and_department_work_tells_the_resident_who_handles_it(
    client, street, text, kind, unit, name
):
    f.resident(street)
    db.session.add(Department(code=unit, name=name, kind=kind, liaison_phone="+8613900000009"))
    db.session.commit()
    [reply] = replies(text_line(client, f.RESIDENT, text))
    assert name in reply and "志愿者" not in reply
    ticket = only_ticket()
    assert (ticket.code in reply and ticket.unit_id is not None) or len(offers()) == 1
    if kind is UnitKind.partner:  # the unit's liaison is offered it, with the place named
        [offer] = offers()
        assert offer.unit_id is not None and "龙溪社区3栋" in offer_bodies()[0]


def test_partner_work_in_english(client, street):
    f.resident(street)
    resident = db.session.scalars(select(Resident)).one()
    resident.language = "en"
    db.session.add(
        Department(
            code="sanitation",
            name="环卫所",
            name_en="Sanitation Office",
            kind=UnitKind.partner,
            liaison_phone="+8613900000009",
        )
    )
    db.session.commit()
    [reply] = replies(text_line(client, f.RESIDENT, "rubbish piled up at the gate"))
    assert "Sanitation Office handles this" in reply and "volunteer" not in reply


def test_communities_are_matched_by_their_longest_name(ctx, street):
    from app.tickets.places import find_community

    db.session.add(Community(code="longxi2", name="龙溪新村社区", name_en="Longxi New Village"))
    db.session.commit()
    assert find_community(db.session, "龙溪新村社区5栋").code == "longxi2"
    assert find_community(db.session, "龙溪社区5栋").code == "longxi"
    assert find_community(db.session, "洗衣机坏了") is None


def test_a_place_taken_back_is_corrected_and_the_volunteer_holding_it_told(client, street):
    replies(text_line(client, STRANGER, "家里的电视没有图像了"))
    replies(text_line(client, STRANGER, "龙溪社区5栋2单元301"))
    [noted] = replies(text_line(client, STRANGER, "不对，说错了，是3栋2单元301"))
    ticket = only_ticket()
    assert ticket_count() == 1
    assert "龙溪社区3栋" in noted
    assert (ticket.building, ticket.address) == ("3栋", "3栋2单元301")
    assert "说错了" not in ticket.description
    resident = db.session.scalars(select(Resident)).one()
    assert (resident.building, resident.address) == ("3栋", "3栋2单元301")
    # Once a volunteer holds it, the next correction reaches them too.
    helper = offers()[0].volunteer
    replies(text_line(client, helper.phone, "1"))
    replies(text_line(client, STRANGER, "不好意思又搞错了，应该是4栋2单元301"))
    db.session.expire_all()
    assert ticket.building == "4栋"
    [told] = sent_to(helper.phone, "task_place_corrected")
    assert "4栋2单元301" in told.body and ticket.code in told.body
    assert event_kinds(ticket).count("place_given") == 3


def test_a_placed_residents_words_without_a_correction_are_still_information(client, street):
    replies(text_line(client, STRANGER, "家里的电视没有图像了"))
    replies(text_line(client, STRANGER, "龙溪社区5栋2单元301"))
    [added] = replies(text_line(client, STRANGER, "5栋进门右手边那个单元，我在9楼"))
    assert "补充" in added
    assert only_ticket().building == "5栋"
