"""A category's department or partner unit is always one of the ticket's own street.

The demo district (`hotline seed-demo`): 龙溪街道's 民政办 (civil) takes 政策咨询 (admin) and its
环卫所 partner 环境卫生 (sanitation); 双龙湖街道 has its own 民政办 (shuanglonghu-civil) and gives
环境卫生 to its 城市管理办 (shuanglonghu-urban, a department). Requests come in by SMS, Open311
and the dashboard; the worker's jobs do the automatic escalation as in production.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.auth.accounts import issue_api_key
from app.auth.models import StaffRole
from app.communities.models import Department, Street
from app.db import db
from app.demo import seed
from app.reports.snapshot import units
from app.reports.weekly import weekly_report
from app.tickets.models import Ticket, TicketStatus
from tests.support.closure import event_kinds, texts_to
from tests.support.staff import log_in, post_form, staff
from tests.support.texting import replies, run_jobs, text_line

LONGXI_RESIDENT = "+8613800138000"  # 李大爷, 龙溪社区
HUILONG_RESIDENT = "+8613800138002"  # Tom Baker, 回龙社区 (双龙湖街道), texts in English
HUILONG_STAFF = "+8613900002003"


@pytest.fixture
def demo(app, ctx, clock):
    list(seed(db.session))
    db.session.commit()


def unit(code: str) -> Department:
    found = db.session.scalar(select(Department).where(Department.code == code))
    assert found is not None
    return found


def latest(phone: str) -> Ticket:
    query = select(Ticket).join(Ticket.resident).where(Ticket.resident.has(phone=phone))
    return db.session.scalars(query.order_by(Ticket.id.desc())).first()


def test_a_policy_question_goes_to_its_own_streets_civil_affairs_office(client, demo):
    reply = replies(text_line(client, HUILONG_RESIDENT, "how do I apply for 低保"))[0]
    theirs = latest(HUILONG_RESIDENT)
    assert (theirs.status, theirs.unit.code) == (TicketStatus.escalated, "shuanglonghu-civil")
    assert "Shuanglonghu Civil Affairs Office" in reply  # the resident is told who handles it
    assert texts_to(unit("shuanglonghu-civil").liaison_phone, "department_escalated_link")
    assert not texts_to(unit("civil").liaison_phone)  # Longxi's office never hears of it

    replies(text_line(client, LONGXI_RESIDENT, "低保怎么申请"))
    assert latest(LONGXI_RESIDENT).unit.code == "civil"


def test_sanitation_goes_to_each_streets_own_unit(client, demo):
    text_line(client, LONGXI_RESIDENT, "楼道里垃圾堆了好几天没人清")
    ours = latest(LONGXI_RESIDENT)
    assert (ours.status, ours.category_code) == (TicketStatus.dispatching, "sanitation")
    assert texts_to(unit("sanitation").liaison_phone)  # offered to Longxi's partner unit
    text_line(client, HUILONG_RESIDENT, "rubbish piled up in the stairwell, nobody cleans it")
    theirs = latest(HUILONG_RESIDENT)
    assert (theirs.status, theirs.unit.code) == (TicketStatus.escalated, "shuanglonghu-urban")


def test_a_street_without_a_unit_for_the_category_hands_it_to_staff(client, demo):
    db.session.delete(unit("shuanglonghu-civil"))
    db.session.commit()
    text_line(client, HUILONG_RESIDENT, "低保怎么申请")
    theirs = latest(HUILONG_RESIDENT)
    assert theirs.status is TicketStatus.unassigned and theirs.unit is None
    assert event_kinds(theirs)[-1] == "no_unit"
    [told] = texts_to(HUILONG_STAFF, "staff_no_unit")
    assert theirs.code in told.body and "双龙湖街道" in told.body and "人工" in told.body
    assert not texts_to(unit("civil").liaison_phone)  # not sent across streets

    staff("office", StaffRole.office)
    log_in(client, "office")
    page = client.get(f"/dashboard/tickets/{theirs.code}").get_data(as_text=True)
    assert "双龙湖街道没有处理“政策咨询”的部门或单位" in page


def test_open311_requests_follow_the_same_route(client, demo):
    key = issue_api_key(staff("sl-office", StaffRole.office, street_code="shuanglonghu-street"))
    db.session.commit()
    form = {"service_code": "admin", "description": "低保怎么申请", "phone": "13800138002"}
    response = client.post("/open311/v2/requests.json", data={**form, "api_key": key})
    assert response.status_code == 200, response.get_data(as_text=True)
    run_jobs(client.application)
    code = response.get_json()[0]["service_request_id"]
    opened = db.session.scalar(select(Ticket).where(Ticket.code == code))
    assert opened.unit.code == "shuanglonghu-civil"


def test_a_stranger_is_routed_once_they_say_which_street_they_live_in(client, demo):
    stranger = "+8613800138077"
    text_line(client, stranger, "低保怎么申请")
    waiting = latest(stranger)
    assert waiting.unit is None  # no place yet: no street, so no unit of another street
    text_line(client, stranger, "回龙社区8栋")
    assert latest(stranger).unit.code == "shuanglonghu-civil"


def test_staff_hand_over_to_units_of_the_tickets_street_only(client, demo):
    text_line(client, HUILONG_RESIDENT, "the kitchen tap is leaking")
    theirs = latest(HUILONG_RESIDENT)
    staff("office", StaffRole.office)
    log_in(client, "office")
    page_url = f"/dashboard/tickets/{theirs.code}"
    page = client.get(page_url).get_data(as_text=True)
    choices = page.split('<select name="department">')[1].split("</select>")[0]
    offered = {part.split('"')[0] for part in choices.split('<option value="')[1:]}
    assert {"shuanglonghu-civil", "shuanglonghu-urban", "shuanglonghu-property"} <= offered
    assert not offered & {"civil", "urban", "sanitation", "property"}
    assert "双龙湖街道" in page

    action = f"{page_url}/escalate"
    post_form(client, action, {"department": "civil", "reason": "wrong street"}, page_url)
    assert "不属于本诉求所在的街道" in client.get(page_url).get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.unit is None
    post_form(client, action, {"department": "shuanglonghu-property", "reason": "物业"}, page_url)
    db.session.refresh(theirs)
    assert (theirs.status, theirs.unit.code) == (TicketStatus.escalated, "shuanglonghu-property")


def test_the_weekly_report_puts_each_units_requests_under_its_own_street(client, demo, clock):
    text_line(client, HUILONG_RESIDENT, "低保怎么申请")
    text_line(client, LONGXI_RESIDENT, "低保怎么申请")
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 09:00: last week's report
    report = weekly_report(db.session)
    db.session.commit()
    streets = {s.code: s.id for s in db.session.scalars(select(Street))}
    for street, code in (("shuanglonghu-street", "shuanglonghu-civil"), ("longxi-street", "civil")):
        rows = {u.code: f.received for u, f in units(report, "departments", streets[street])}
        assert rows.get(code) == 1, rows
