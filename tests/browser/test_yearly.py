"""The yearly ranking in headless Chromium: the district's page at desktop and phone widths,
one street's page, and the printed page fitting on one A4 sheet."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from app.auth.models import StaffRole
from app.db import db
from app.reports.yearly import yearly_report
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_dashboard import log_in
from tests.support.district import rated_year, two_streets
from tests.support.staff import staff

pytestmark = pytest.mark.browser


def test_the_yearly_ranking_on_screen_on_a_phone_and_on_one_printed_a4_page(page, committed, clock):
    rated_year(two_streets())
    clock.set(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))  # New Year 09:00 in Chongqing
    report_id = yearly_report(db.session).id
    db.session.commit()
    staff("office", StaffRole.office)
    db.session.remove()
    log_in(page, "office")

    page.click("nav >> text=报表")
    page.click("text=2026年度排名")
    expect(page.locator("h1")).to_have_text("2026年度排名 · 全区")
    streets, communities = (
        page.locator("table.ranking").nth(0),
        page.locator("table.ranking").nth(1),
    )
    expect(streets.locator("tbody tr").first).to_contain_text("龙溪街道")
    expect(communities.locator("tbody tr td.score")).to_have_text(["93.0", "86.5", "—"])
    expect(communities.locator("tbody tr.unranked")).to_contain_text("金山社区")
    screenshot(page, "yearly-1280")

    page.select_option("select[name=street]", label="双龙湖街道")
    page.click("form.filters button[type=submit]")
    expect(page.locator("h1")).to_have_text("2026年度排名 · 双龙湖街道")
    expect(page.locator("table.ranking")).to_have_count(2)  # no streets table for one street
    expect(page.locator("table.ranking").first).to_contain_text("回龙社区")

    page.goto(f"/dashboard/reports/yearly/{report_id}")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the page is {wide} px wide on a 390 px phone"
    screenshot(page, "yearly-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / "yearly-print.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # one A4 sheet
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("article.yearly .noprint").first).to_be_hidden()
    screenshot(page, "yearly-print")
