"""A request that had no deadline when its work was reported done (working days past the years
the holiday calendar covers) is neither on time nor late: the figures count it apart as "no
deadline" and leave it out of the on-time rate, on the reports page, in the stored weekly
report and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from app.auth.models import StaffRole
from app.db import db
from app.reports.figures import DEFINITIONS, Figures, daily, totals
from app.reports.weekly import as_csv, weekly_report
from tests.reports.test_figures import resolve
from tests.support.staff import community, log_in, resident, staff, ticket

DEC_28 = datetime(2026, 12, 27, 16, 0, tzinfo=UTC)  # Monday 28 Dec 00:00 in Chongqing
WEEK_END = DEC_28 + timedelta(days=7)


def test_a_request_without_a_deadline_is_neither_on_time_nor_late(
    client, ctx, clock, app, monkeypatch
):
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_DEADLINE_POLICY", "working_days")
    place = community()
    clock.set(datetime(2026, 12, 29, 2, 0, tzinfo=UTC))  # Tue 29 Dec 10:00: due on the 30th
    dated = ticket(resident("+8613800138000", place), "灯泡坏了")
    assert dated.due_at is not None
    clock.advance(hours=2)
    resolve(dated)  # on time
    clock.set(datetime(2026, 12, 31, 2, 0, tzinfo=UTC))  # Thu 31 Dec: due in 2027, unknown
    undated = ticket(resident("+8613800138001", place), "楼道灯不亮")
    late = ticket(resident("+8613800138002", place), "水管漏水")
    assert undated.due_at is None
    late.due_at = clock.now  # a deadline that has just passed
    clock.advance(hours=2)
    for done in (undated, late):
        resolve(done)
    db.session.commit()
    assert undated.events[-1].data == {"due_at": None, "on_time": None}

    f = totals(db.session, DEC_28, WEEK_END)
    assert (f.handled, f.on_time, f.late, f.no_deadline) == (3, 1, 1, 1)
    assert f.on_time_rate == 0.5  # one of the two that had a deadline
    days = [d for d in daily(db.session, DEC_28, WEEK_END, "Asia/Shanghai") if d.handled]
    assert [(d.day.day, d.on_time, d.late, d.on_time_rate) for d in days] == [
        (29, 1, 0, 1.0),
        (31, 0, 1, 0.0),
    ]

    clock.set(datetime(2027, 1, 4, 1, 0, tzinfo=UTC))  # Monday 09:00: last week's report
    report = weekly_report(db.session)
    stored = Figures.from_dict(report.data["overall"])
    assert (stored.on_time, stored.late, stored.no_deadline) == (1, 1, 1)
    rows = list(csv.DictReader(io.StringIO(as_csv(report))))
    assert {(r["late"], r["no_deadline"]) for r in rows if r["section"] == "communities"} == {
        ("1", "1")
    }

    staff("office", StaffRole.office)
    log_in(client, "office")
    page = client.get("/dashboard/reports?start=2026-12-28&end=2027-01-03").get_data(as_text=True)
    assert '<td class="fig-no-deadline">1</td>' in page
    assert '<td class="fig-on-time-rate">50.0%</td>' in page
    assert "期限不明" in page and "不计入按时率" in page


def test_the_on_time_rate_leaves_requests_without_a_deadline_out():
    f = Figures(handled=4, on_time=3, late=0, no_deadline=1)
    assert f.on_time_rate == 1.0
    assert Figures(handled=1, no_deadline=1).on_time_rate is None
    assert Figures.from_dict({"ratings": {}}).no_deadline == 0  # a report stored before
    terms = {term for language in DEFINITIONS.values() for term, _ in language}
    assert {"期限不明", "No deadline"} <= terms
