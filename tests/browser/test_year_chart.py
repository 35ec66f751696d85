"""A year on the reports page in headless Chromium, at 1280x900 and 390x844: the volume and
on-time charts draw a bar per month (per week for a few months), every label and value
readable (11 px or more, none overlapping another), values on the bars, a trend line."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from app.auth.models import StaffRole
from app.db import db
from app.tickets.lifecycle import SYSTEM, Move, transition
from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import log_in
from tests.browser.test_workday import PHONE, sideways_scroll
from tests.support.staff import community, resident, staff, ticket

pytestmark = pytest.mark.browser

DAYS = 365

# Per chart: the smallest text drawn on screen, and any two labels or values that overlap.
DRAWN = """figure => {
  const boxes = kind => [...figure.querySelectorAll('text.' + kind)]
    .filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect());
  const overlaps = list => list.slice(1).filter((b, n) => b.left < list[n].right).length;
  const sizes = [...figure.querySelectorAll('text')]
    .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  return {smallest: Math.min(...sizes), labels: overlaps(boxes('label')),
          values: overlaps(boxes('value'))};
}"""


def a_year_of_requests(clock) -> date:
    """A request every other day for a year; one in five handled after its deadline."""
    home = community()
    today = clock.now
    first = today - timedelta(days=DAYS - 1)
    for n in range(0, DAYS, 2):
        clock.set(first + timedelta(days=n))
        made = ticket(resident(f"+86138{n:08d}", home))
        transition(made, Move.assign, SYSTEM)
        clock.advance(hours=30 if n % 5 == 0 else 3)
        transition(made, Move.resolve, SYSTEM)
        db.session.commit()
    clock.set(today)
    return (first + timedelta(hours=8)).date()  # the local date


def test_a_years_charts_are_drawn_by_month_and_stay_readable(page, committed, clock):
    start = a_year_of_requests(clock)
    staff("office", StaffRole.office)
    db.session.remove()
    log_in(page, "office")
    page.goto(f"/dashboard/reports?start={start.isoformat()}")
    charts = page.locator("figure.chart")
    volume, on_time = charts.nth(0), charts.nth(1)
    expect(volume.locator("figcaption")).to_contain_text("每月受理量")
    expect(on_time.locator("figcaption")).to_contain_text("每月按时办结率")
    expect(volume.locator(".trend-key")).to_have_text("3个月平均（趋势）")
    for chart in (volume, on_time):
        bars = chart.locator("rect").count()
        assert 12 <= bars <= 13, bars  # a year's months, not 365 days
        assert chart.locator("text.label").all_text_contents()[:3] != ["", "", ""]
        assert chart.locator("text.value").count() == bars  # a value on every bar
        expect(chart.locator("polyline.trend")).to_have_count(1)
    labels = volume.locator("text.label").all_text_contents()
    assert [label for label in labels if label] == labels  # every month named
    assert "11月" in labels and "6月" in labels
    rates = on_time.locator("text.value").all_text_contents()
    assert all(rate.endswith("%") for rate in rates) and "80%" in rates
    for size, name in (({"width": 1280, "height": 900}, "1280"), (PHONE, "390")):
        page.set_viewport_size(size)
        for chart in (volume, on_time):
            drawn = chart.evaluate(DRAWN)
            assert drawn["smallest"] >= 11, drawn
            assert drawn["labels"] == 0 and drawn["values"] == 0, drawn
        assert sideways_scroll(page) == 0
        screenshot(page, f"reports-year-{name}")

    page.set_viewport_size({"width": 1280, "height": 900})
    end = start + timedelta(days=120)  # a third of a year: weeks
    page.goto(f"/dashboard/reports?start={start.isoformat()}&end={end.isoformat()}")
    expect(volume.locator("figcaption")).to_contain_text("每周受理量")
    assert 10 <= volume.locator("rect").count() <= 27
    drawn = volume.evaluate(DRAWN)
    assert drawn["labels"] == 0 and drawn["values"] == 0, drawn
    screenshot(page, "reports-weeks-1280")
