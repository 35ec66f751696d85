"""Acting on a ticket: hand assignment in the dispatch matching's order with its reasons, the
timeline's kinds and folded routine records, and admins changing staff accounts."""

from __future__ import annotations

import re

import pytest

from app.auth.models import StaffRole, StaffUser
from app.dashboard.timeline import FOLD_AT, Entry, folded
from app.db import db
from app.reports import charts
from app.volunteers.models import Volunteer
from tests.support.staff import PASSWORD, community, log_in, post_form, staff
from tests.support.texting import text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, only_ticket


@pytest.fixture
def office(client, ctx, clock):
    home = f.community()
    f.resident(home, building="3栋")
    staff("lx", StaffRole.community, community_code="longxi")
    log_in(client, "lx")
    return home


def test_hand_assignment_lists_the_matching_order_with_reasons_then_who_was_passed_over(
    client, office
):
    f.volunteer(1, office, building="3栋")  # same building: the best match
    f.volunteer(2, office)
    f.volunteer(3, office, skills=("electrical",))  # cannot fix a washing machine
    f.volunteer(4, office, max_active=1, active_tasks=1)  # hands full
    f.volunteer(5, office, availability="周六 9:00-12:00")  # not now (Wednesday)
    text_line(client, RESIDENT, "洗衣机坏了，转几下就不动了")
    ticket = only_ticket()
    page = client.get(f"/dashboard/tickets/{ticket.code}").get_data(as_text=True)
    form = page[page.index('class="assign"') : page.index("</form>", page.index('class="assign"'))]
    names = re.findall(r"<strong>(志愿者\d)</strong>", form)
    assert names[:2] == ["志愿者1", "志愿者2"]  # dispatch's order, nearest first
    assert set(names[2:]) == {"志愿者3", "志愿者4", "志愿者5"}
    assert "同一楼栋" in form and "可靠度" in form
    assert "没有这类技能" in form and "手上工单已满" in form and "现在不在服务时间" in form
    assert "checked" not in form  # no default: staff choose
    response = post_form(
        client, f"/dashboard/tickets/{ticket.code}/assign", {"volunteer_id": "2"}, "/dashboard/"
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert ticket.assignee_id == db.session.get(Volunteer, 2).id


def entry(n: int, routine: bool) -> Entry:
    from datetime import UTC, datetime

    return Entry(datetime(2026, 1, 1, 0, n, tzinfo=UTC), "x.html", n, routine=routine)


def test_routine_runs_fold_and_short_ones_stay():
    items = [entry(0, False), *(entry(n, True) for n in range(1, 1 + FOLD_AT)), entry(9, False)]
    items += [entry(10, True), entry(11, False)]
    shown = folded(items)
    assert [getattr(b, "item", None) for b in shown] == [0, None, 9, 10, 11]
    assert [e.item for e in shown[1].entries] == list(range(1, 1 + FOLD_AT))


def test_the_timeline_can_be_filtered_by_kind(client, office):
    f.volunteer(1, office)
    text_line(client, RESIDENT, "洗衣机坏了，转几下就不动了")
    ticket = only_ticket()
    page = "/dashboard/tickets/" + ticket.code
    post_form(client, f"{page}/note", {"text": "已电话联系居民"}, page)
    html = client.get(page).get_data(as_text=True)
    for kind in ("messages", "calls", "staff", "system"):
        assert f'type="checkbox" value="{kind}" checked' in html
    assert re.search(r'data-kind="staff"><ol>\s*<li class="event kind-note', html)
    assert re.search(r'data-kind="messages"><ol>\s*<li class="message in', html)


def test_admins_edit_reset_and_disable_accounts(client, ctx, app):
    community()
    staff("admin")
    staff("lx", StaffRole.community, community_code="longxi")
    log_in(client, "admin")
    lx = db.session.query(StaffUser).filter_by(username="lx").one()
    page = f"/dashboard/admin/users/{lx.id}"
    assert "lx" in client.get("/dashboard/admin/users").get_data(as_text=True)
    other = app.test_client()
    log_in(other, "lx")
    assert other.get("/dashboard/").status_code == 200
    post_form(client, f"{page}/role", {"role": "office", "community": "", "department": ""}, page)
    db.session.refresh(lx)
    assert lx.role is StaffRole.office
    assert other.get("/dashboard/").status_code == 302  # their old session ended
    refused = post_form(client, f"{page}/role", {"role": "community", "community": ""}, page)
    assert refused.status_code == 303
    assert "社区工作人员必须选择所属社区" in client.get(page).get_data(as_text=True)
    post_form(client, f"{page}/password", {"password": "a new long password"}, page)
    assert log_in(other, "lx", PASSWORD).status_code == 401  # the old password fails
    assert log_in(other, "lx", "a new long password").status_code == 302
    post_form(client, f"{page}/disable", {}, page)
    db.session.refresh(lx)
    assert not lx.active
    assert other.get("/dashboard/").status_code == 302
    assert log_in(other, "lx", "a new long password").status_code == 401  # cannot log in
    assert "已停用" in client.get("/dashboard/admin/users").get_data(as_text=True)
    post_form(client, f"{page}/enable", {}, page)
    assert log_in(other, "lx", "a new long password").status_code == 302
    me = db.session.query(StaffUser).filter_by(username="admin").one()
    own = f"/dashboard/admin/users/{me.id}"
    post_form(client, f"{own}/disable", {}, own)
    db.session.refresh(me)
    assert me.active


def test_charts_put_values_on_bars_and_a_moving_average_through_them():
    chart = charts.bar_chart([(f"11-{d:02d}", d % 3) for d in range(1, 31)], trend=True)
    assert [b.value for b in chart.bars[:3]] == ["1", "2", "0"]
    assert sum(1 for b in chart.bars if b.label) == 15  # every other day named
    assert len(chart.trend.split()) == 30 and chart.font_px >= 11
    assert chart.width >= 30 * charts.SLOT  # drawn at full size, never shrunk
    assert charts.moving_average([3, None, 5]) == [(0, 3.0), (1, 3.0), (2, 4.0)]
