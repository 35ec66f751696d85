"""The pages the streets work changed, in headless Chromium at desktop and phone widths: a street
admin's users page (its own street's accounts and places only), a ticket's hand-over choices
(its own street's units, the one for its category first), and the reports page with the
"no deadline" figure and its definition."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.auth.models import StaffRole
from app.db import db
from app.demo import seed
from app.residents.models import Resident
from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import log_in
from tests.support.staff import staff, ticket

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


def at_each_width(page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide at {width} px"
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_street_pages_at_desktop_and_phone_widths(page, committed):
    list(seed(db.session))
    tom = db.session.query(Resident).filter_by(phone="+8613800138002").one()
    code = ticket(tom, "厨房水龙头一直滴水").code
    staff("lx-admin", street_code="longxi-street")
    staff("huilong-staff", StaffRole.community, community_code="huilong")
    staff("office", StaffRole.office)
    db.session.commit()
    db.session.remove()

    log_in(page, "lx-admin")
    page.goto("/dashboard/admin/users")
    users = page.locator("table").first
    expect(users).to_contain_text("lx-admin")
    expect(users).not_to_contain_text("huilong-staff")
    expect(page.locator("select[name=community] option")).to_have_text(
        ["—", "金山社区", "龙溪社区"]
    )
    expect(page.locator("select[name=street] option")).to_have_text(["—", "龙溪街道"])
    at_each_width(page, "streets-users")
    page.context.clear_cookies()

    log_in(page, "office")
    page.goto(f"/dashboard/tickets/{code}")
    choices = page.locator("select[name=department] option")
    # plumbing: no unit of the street takes it, so departments first, then the partner unit
    expect(choices).to_have_text(["双龙湖民政办", "双龙湖城市管理办", "双龙湖物业公司"])
    hand_over = page.locator("form.action", has=page.locator("select[name=department]"))
    expect(hand_over).to_contain_text("双龙湖街道")
    at_each_width(page, "streets-escalate")

    page.goto("/dashboard/reports")
    expect(page.locator("table.figures")).to_contain_text("期限不明")
    expect(page.locator("dl.definitions")).to_contain_text("不计入按时率")
    at_each_width(page, "streets-reports")
