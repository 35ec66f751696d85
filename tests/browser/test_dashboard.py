"""The dashboard in headless Chromium: log in, see a text arrive, act on it, reports, simulator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.clock import utcnow
from app.db import db
from app.reports.weekly import build_weekly, due_week
from app.volunteers.models import Volunteer
from tests.browser.conftest import screenshot
from tests.support.staff import PASSWORD, community, resident, staff, ticket
from tests.support.texting import text_line

pytestmark = pytest.mark.browser

XSS = "<script>alert(1)</script>"


def log_in(page, username: str = "admin") -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    screenshot(page, "login")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("待办工单（按期限排序）")


def test_a_texted_request_appears_in_the_open_queue_and_is_worked(page, app, committed):
    place = community()
    resident("+8613800138000", place, name=XSS)
    volunteer = Volunteer(name="张师傅", phone="+8613900000001", community_id=place.id)
    volunteer.skills = ["appliance"]
    db.session.add(volunteer)
    staff("admin")
    db.session.remove()
    log_in(page)
    expect(page.locator("#queue-empty")).to_contain_text("没有待办工单")

    response = text_line(app.test_client(), "13800138000", f"{XSS} 洗衣机坏了，转几下就不动了")
    assert response.status_code == 200
    row = page.locator("#queue-rows tr[data-code]")
    expect(row).to_have_count(1)  # appears by polling, without a reload
    expect(row).to_contain_text(f"{XSS} 洗衣机坏了")  # shown literally, never run
    screenshot(page, "queue")

    row.locator("a").click()
    expect(page.locator("dd").filter(has_text=XSS)).to_have_count(1)
    page.fill("form:has(button[data-action=note]) input[name=text]", "已电话联系居民")
    page.click("button[data-action=note]")
    expect(page.locator("ol.timeline")).to_contain_text("已电话联系居民")
    page.locator("ol.candidates label", has_text="张师傅").click()
    page.click("button[data-action=assign]")
    expect(page.locator("h1 .pill")).to_have_text("已派单")
    page.fill("form:has(button[data-action=resolve]) input[name=reason]", "换了排水泵")
    page.click("button[data-action=resolve]")
    expect(page.locator("h1 .pill")).to_have_text("已办结待评价")
    expect(page.locator("ol.timeline")).to_contain_text("换了排水泵")
    screenshot(page, "ticket")

    page.click("button:has-text('English')")
    expect(page.locator("h2").first).to_have_text("Actions")
    page.click("button[data-test=logout]")
    expect(page.locator("h1")).to_have_text("Log in")


def test_reports_and_the_weekly_report(page, app, committed):
    place = community(phone="+8613911112222")
    for n in range(3):
        ticket(resident(f"+861380013800{n}", place), "灯泡坏了")
    staff("admin")
    start, end = due_week(utcnow() + timedelta(days=7), app.config["HOTLINE_TIMEZONE"])
    report = build_weekly(db.session, start, end, app.config["HOTLINE_TIMEZONE"])
    db.session.add(report)
    db.session.commit()
    db.session.remove()
    log_in(page)
    page.click("nav >> text=统计报表")
    expect(page.locator("figure.chart svg")).to_have_count(3)
    expect(page.locator("table.figures")).to_contain_text("受理")
    screenshot(page, "reports")
    expect(page.locator("dl.definitions")).to_contain_text("首次办结")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "reports-390")
    # On a phone the wide figures table scrolls inside its card; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})
    page.click(f"text={report.label}")
    expect(page.locator("h1")).to_contain_text("督办周报")
    screenshot(page, "weekly")
    page.click("nav >> text=志愿者")
    screenshot(page, "volunteers")


def test_the_phone_simulator(page, committed):
    community()
    staff("admin")
    db.session.remove()
    log_in(page)
    page.click("nav >> text=手机模拟器")
    page.fill("input[name=phone]", "13800138000")
    page.click("button:has-text('打开')")
    page.fill("input[name=body]", f"楼道灯不亮了 {XSS}")
    page.click("button[data-action=send]")
    expect(page.locator(".bubble.in")).to_contain_text(f"楼道灯不亮了 {XSS}")
    expect(page.locator(".bubble.out")).to_contain_text("电路照明")
    screenshot(page, "simulator")
    page.click("nav >> text=发件箱")
    expect(page.locator("table.outbox")).to_contain_text("电路照明")
    screenshot(page, "outbox")
