"""The queue for a working day: order, columns, count, pages, search through every status,
saved filters, CSV downloads and the live update of changed rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.auth.accounts import staff_actor
from app.auth.models import StaffRole, StaffUser
from app.dashboard import queries
from app.db import db
from app.tickets import staff_actions
from app.tickets.models import Ticket, TicketStatus
from app.volunteers import staff_dispatch
from app.volunteers.models import Volunteer
from tests.support.staff import community, log_in, post_form, resident, staff, ticket


@pytest.fixture
def admin(client, ctx):
    staff("admin")
    log_in(client, "admin")
    return client


def codes(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('data-code="')[1:]]


def finished(opened: Ticket) -> Ticket:
    """`opened` resolved and closed by staff, as on the ticket page."""
    actor = staff_actor(db.session.query(StaffUser).filter_by(username="admin").one())
    helper = Volunteer(name=f"张师傅{opened.id}", phone=f"+86139000{opened.id:05d}")
    db.session.add(helper)
    db.session.flush()  # the defaults (active) are set on insert
    staff_dispatch.assign_volunteer(db.session, opened, actor, helper)
    staff_actions.resolve(db.session, opened, actor, "换了灯泡")
    staff_actions.close(db.session, opened, actor, "居民确认")
    db.session.commit()
    return opened


def test_columns_say_who_when_and_how_long_is_left(admin, clock):
    place = community()
    opened = ticket(resident("+8613800138000", place), "洗衣机坏了")
    clock.advance(hours=21)
    html = admin.get("/dashboard/").get_data(as_text=True)
    assert "剩3小时" in html  # 24 hours allowed, 21 gone
    assert "处理人" in html and "受理时间" in html and "待办 1 件" in html
    clock.advance(hours=4)
    assert "超时1小时" in admin.get("/dashboard/").get_data(as_text=True)
    post_form(admin, "/language", {"lang": "en", "next": "/dashboard/"}, "/dashboard/")
    english = admin.get("/dashboard/").get_data(as_text=True)
    assert opened.code in english and "1 h late" in english and "Handled by" in english


def test_a_closed_tickets_code_phone_or_words_find_it_and_the_status_filter_has_every_status(
    admin,
):
    place = community()
    done = finished(ticket(resident("+8613800138000", place), "楼道灯不亮"))
    still_open = ticket(resident("+8613800138001", place), "洗衣机坏了")
    assert done.status is TicketStatus.closed
    assert codes(admin.get("/dashboard/").get_data(as_text=True)) == [still_open.code]
    for q in (done.code, "138 0013 8000", "楼道灯"):
        found = admin.get(f"/dashboard/?q={q}").get_data(as_text=True)
        assert codes(found) == [done.code], q
        assert "没有待办工单" not in found
    assert codes(admin.get("/dashboard/?status=closed").get_data(as_text=True)) == [done.code]
    assert set(codes(admin.get("/dashboard/?status=all").get_data(as_text=True))) == {
        done.code,
        still_open.code,
    }
    page = admin.get("/dashboard/").get_data(as_text=True)
    for status in ("resolved", "closed", "return_visit", "cancelled"):
        assert f'<option value="{status}"' in page
    nothing = admin.get("/dashboard/?q=没有这回事").get_data(as_text=True)
    assert codes(nothing) == [] and "没有找到符合的工单" in nothing


def test_more_than_two_hundred_open_tickets_are_counted_and_paged(admin):
    place = community()
    made = [ticket(resident(f"+86138001{n:05d}", place), "洗衣机坏了").code for n in range(205)]
    first = admin.get("/dashboard/").get_data(as_text=True)
    assert "待办 205 件" in first and "第 1 页，共 5 页" in first
    seen = []
    for page in range(1, 6):
        seen += codes(admin.get(f"/dashboard/?page={page}").get_data(as_text=True))
    assert len(seen) == 205 and set(seen) == set(made)  # every ticket, each once
    assert len(codes(admin.get("/dashboard/?page=5").get_data(as_text=True))) == 5
    assert queries.PAGE_SIZE == 50


def test_saved_filters_belong_to_their_user(admin, client, app):
    community()
    page = "/dashboard/?urgent=1&status=all"
    wanted = {"name": "紧急", "query": "urgent=1&status=all"}
    saved = post_form(admin, "/dashboard/queue/filters", wanted, page)
    assert saved.status_code == 303 and "urgent=1" in saved.headers["Location"]
    mine = admin.get("/dashboard/").get_data(as_text=True)
    assert ">紧急</a>" in mine and "status=all&amp;urgent=1" in mine
    staff("lx", StaffRole.community, community_code="longxi")
    other = app.test_client()
    log_in(other, "lx")
    assert ">紧急</a>" not in other.get("/dashboard/").get_data(as_text=True)
    nameless = post_form(admin, "/dashboard/queue/filters", {"name": "", "query": ""}, page)
    assert nameless.status_code == 303
    assert "请给筛选起个名字" in admin.get("/dashboard/").get_data(as_text=True)


def test_csv_of_the_filtered_queue_and_of_a_period_in_the_staff_language(admin, clock):
    place = community()
    washer = ticket(resident("+8613800138000", place), "洗衣机坏了")
    gas = ticket(resident("+8613800138001", place), "=厨房有煤气味")
    finished(washer)
    queue = admin.get("/dashboard/queue.csv?urgent=1")
    assert queue.mimetype == "text/csv" and "attachment" in queue.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(queue.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["工单号", "受理时间", "期限", "状态"]
    assert [r[0] for r in rows[1:]] == [gas.code]
    assert rows[1][-1] == "'=厨房有煤气味"  # never run as a formula
    today = clock.now.date().isoformat()
    period = admin.get(f"/dashboard/tickets.csv?start={today}&end={today}")
    rows = list(csv.reader(io.StringIO(period.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r[0] for r in rows[1:]} == {washer.code, gas.code}  # closed ones too
    assert "已关闭" in {r[3] for r in rows[1:]}
    post_form(admin, "/language", {"lang": "en", "next": "/dashboard/"}, "/dashboard/")
    english = admin.get(f"/dashboard/tickets.csv?start={today}&end={today}").get_data(as_text=True)
    assert english.lstrip("\ufeff").startswith("Ticket,Received,Due,Status")
    later = (clock.now + timedelta(days=3)).date().isoformat()
    empty = admin.get(f"/dashboard/tickets.csv?start={later}&end={later}").get_data(as_text=True)
    assert len(empty.strip().splitlines()) == 1


def test_live_changes_send_only_rows_that_changed_or_are_new(admin, clock):
    place = community()
    first = ticket(resident("+8613800138000", place), "洗衣机坏了")
    clock.advance(minutes=1)
    data = admin.get("/dashboard/queue/changes").get_json()
    assert [r["code"] for r in data["rows"]] == [first.code] and data["rows"][0]["html"]
    since = data["now"]
    clock.advance(minutes=1)
    quiet = admin.get(f"/dashboard/queue/changes?since={since}&have={first.code}").get_json()
    assert quiet["rows"][0]["html"] is None and quiet["rows"][0]["countdown"] == "剩23小时"
    clock.advance(minutes=1)
    gas = ticket(resident("+8613800138001", place), "厨房有煤气味")
    clock.advance(minutes=1)
    after = admin.get(f"/dashboard/queue/changes?since={quiet['now']}&have={first.code}").get_json()
    assert [r["code"] for r in after["rows"]] == [gas.code, first.code]  # urgent first
    assert after["rows"][0]["urgent"] and 'data-code="' + gas.code in after["rows"][0]["html"]
    assert after["rows"][1]["html"] is None and after["total"] == 2
