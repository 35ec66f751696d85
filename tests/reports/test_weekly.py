"""The weekly supervision report: due Monday 08:00, stored once, texted, CSV, printable."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.db import db
from app.messaging.models import Message
from app.reports.models import SupervisionReport
from app.reports.weekly import weekly_report
from app.scheduling.runner import run_sweeps_once
from app.tickets.lifecycle import SYSTEM, Move, transition
from tests.support.staff import (
    community,
    department,
    log_in,
    post_form,
    resident,
    staff,
    ticket,
)


def test_the_sweep_stores_last_weeks_report_once_and_texts_each_office_and_liaison(app, ctx, clock):
    place = community(phone="+8613911112222")
    community("jinshan", "金山社区")  # no office phone: no text
    civil = department()
    civil.liaison_phone = "+8613922223333"
    done = ticket(resident("+8613800138000", place), "=HYPERLINK(1)")
    transition(done, Move.escalate, SYSTEM)
    done.unit = civil
    transition(done, Move.resolve, SYSTEM)
    transition(done, Move.close, SYSTEM)
    db.session.commit()
    clock.set(datetime(2026, 11, 29, 23, 59, tzinfo=UTC))  # Mon 30 Nov 07:59 local
    assert "weekly_report" in run_sweeps_once(app, "test")
    # The week of 16-22 Nov is due, but nothing had happened yet: no report of zeros.
    assert db.session.scalars(select(SupervisionReport.label)).all() == []
    clock.advance(minutes=1)  # 08:00: this week's report is due
    run_sweeps_once(app, "test")
    run_sweeps_once(app, "test")
    [report] = db.session.scalars(select(SupervisionReport)).all()
    assert report.label == "2026-11-23 – 2026-11-29"
    assert report.data["overall"]["received"] == 1 and report.data["overall"]["handled"] == 1
    sms = summaries()
    assert [m.peer for m in sms] == ["+8613911112222", "+8613922223333"]
    assert "龙溪社区" in sms[0].body and "受理1件" in sms[0].body
    assert "民政办" in sms[1].body and "办结1件" in sms[1].body  # the department's own row
    assert all(m.next_attempt_at == clock.now for m in sms)
    assert weekly_report(db.session) is None


def test_a_report_made_late_at_night_is_texted_after_quiet_hours(app, ctx, clock):
    ticket(resident("+8613800138000", community(phone="+8613911112222")))
    clock.set(datetime(2026, 11, 30, 14, 30, tzinfo=UTC))  # Mon 22:30 local: the worker was down
    assert weekly_report(db.session) is not None
    [sms] = summaries()
    assert sms.next_attempt_at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # Tue 08:00 local


def summaries() -> list[Message]:
    return list(
        db.session.scalars(
            select(Message).where(Message.template == "weekly_summary").order_by(Message.id)
        )
    )


@pytest.mark.parametrize(
    ("lang", "header"),
    [("zh", ["类别", "代码", "名称", "受理"]), ("en", ["section", "code", "name", "received"])],
)
def test_weekly_report_page_and_csv(client, ctx, clock, lang, header):
    place = community(phone="+8613911112222")
    ticket(resident("+8613800138000", place))
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    report = weekly_report(db.session)
    db.session.commit()
    staff("admin")
    log_in(client, "admin")
    post_form(client, "/language", {"lang": lang}, "/dashboard/reports")
    page = client.get(f"/dashboard/reports/weekly/{report.id}").get_data(as_text=True)
    assert place.display_name(lang) in page
    response = client.get(f"/dashboard/reports/weekly/{report.id}.csv")
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.endswith("filename=580-weekly-2026-11-23_2026-11-29.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == header
    assert rows[1][1:4] == ["longxi", "龙溪社区", "1"]
    assert report.label in client.get("/dashboard/reports").get_data(as_text=True)


def test_reports_page_shows_figures_charts_and_rankings(client, ctx, clock):
    place = community()
    ticket(resident("+8613800138000", place))
    staff("admin")
    log_in(client, "admin")
    html = client.get("/dashboard/reports?start=2026-11-20&end=2026-11-26").get_data(as_text=True)
    assert html.count("<svg") == 3 and "社区排名" in html and "样本不足10" in html
    # dates no form sends are refused (app/bad_input.py), not silently replaced
    assert client.get("/dashboard/reports?start=junk&end=2026-13-45").status_code == 400


def test_a_worker_down_for_weeks_catches_up_with_the_newest_week_only(app, ctx, clock):
    """No catch-up flood: after five weeks down, one report (the newest week) and one text per
    office, not five of each."""
    ticket(resident("+8613800138000", community(phone="+8613911112222")))
    db.session.commit()
    clock.set(datetime(2026, 12, 28, 2, 0, tzinfo=UTC))  # Monday 28 Dec 10:00, five weeks on
    run_sweeps_once(app, "test")
    run_sweeps_once(app, "test")
    assert db.session.scalars(select(SupervisionReport.label)).all() == ["2026-12-21 – 2026-12-27"]
    assert len(summaries()) == 1
