"""The weekly supervision report: due Monday 08:00, stored once, texted, CSV, printable."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from app.db import db
from app.messaging.models import Message
from app.reports.models import SupervisionReport
from app.reports.weekly import weekly_report
from app.scheduling.runner import run_sweeps_once
from app.tickets.lifecycle import SYSTEM, Move, transition
from tests.support.staff import community, log_in, resident, staff, ticket


def test_the_sweep_stores_last_weeks_report_once_and_texts_each_office(app, ctx, clock):
    place = community(phone="+8613911112222")
    community("jinshan", "金山社区")  # no office phone: no text
    done = ticket(resident("+8613800138000", place), "=HYPERLINK(1)")
    transition(done, Move.assign, SYSTEM)
    transition(done, Move.resolve, SYSTEM)
    transition(done, Move.close, SYSTEM)
    db.session.commit()
    clock.set(datetime(2026, 11, 29, 23, 59, tzinfo=UTC))  # Mon 30 Nov 07:59 local
    assert "weekly_report" in run_sweeps_once(app, "test")
    labels = db.session.scalars(select(SupervisionReport.label)).all()
    assert labels == ["2026-11-16 – 2026-11-22"]  # the newest week due so far (catch-up)
    clock.advance(minutes=1)  # 08:00: this week's report is due
    run_sweeps_once(app, "test")
    run_sweeps_once(app, "test")
    reports = db.session.scalars(select(SupervisionReport).order_by(SupervisionReport.id)).all()
    assert len(reports) == 2
    report = reports[-1]
    assert report.label == "2026-11-23 – 2026-11-29"
    assert report.data["overall"]["received"] == 1 and report.data["overall"]["closed"] == 1
    sms = db.session.scalars(
        select(Message).where(Message.template == "weekly_summary").order_by(Message.id)
    ).all()[-1]
    assert sms.peer == "+8613911112222" and "龙溪社区" in sms.body and "受理1件" in sms.body
    assert weekly_report(db.session) is None


def test_weekly_report_page_and_csv(client, ctx, clock):
    place = community(phone="+8613911112222")
    ticket(resident("+8613800138000", place))
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    report = weekly_report(db.session)
    db.session.commit()
    staff("admin")
    log_in(client, "admin")
    page = client.get(f"/dashboard/reports/weekly/{report.id}").get_data(as_text=True)
    assert "督办周报" in page and "龙溪社区" in page
    response = client.get(f"/dashboard/reports/weekly/{report.id}.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["section", "code", "name", "received"]
    assert rows[1][:4] == ["communities", "longxi", "龙溪社区", "1"]
    assert report.label in client.get("/dashboard/reports").get_data(as_text=True)


def test_reports_page_shows_figures_charts_and_rankings(client, ctx, clock):
    place = community()
    ticket(resident("+8613800138000", place))
    staff("admin")
    log_in(client, "admin")
    html = client.get("/dashboard/reports?start=2026-11-20&end=2026-11-26").get_data(as_text=True)
    assert html.count("<svg") == 3 and "社区排名" in html and "样本不足10" in html
    assert client.get("/dashboard/reports?start=junk&end=2026-13-45").status_code == 200
