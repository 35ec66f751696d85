"""The weekly supervision report: generated on Monday from 08:00 local by the worker, stored,
exported as CSV and summarised by SMS to each community's office.

The sweep generates the report of the newest week that is due and not yet stored, so a worker
that was down on Monday catches up, and a second run finds the row and does nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.communities.models import Community, Department
from app.config import current_settings
from app.messaging.models import Priority
from app.messaging.outbox import Text, queue_sms
from app.phones import InvalidPhone, normalize
from app.reports.figures import (
    RATINGS,
    Figures,
    by_community_and_department,
    fold,
    merged,
    rate_text,
)
from app.reports.models import SupervisionReport
from app.reports.ranking import Rank, Unit, rank

WEEKLY = "weekly"
DUE_HOUR = 8  # Monday 08:00 local


def due_week(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the newest full Monday-to-Sunday week whose report is due."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    if local < datetime.combine(monday, time(DUE_HOUR), zone):
        monday -= timedelta(days=7)
    end = datetime.combine(monday, time(0), zone)
    start = datetime.combine(monday - timedelta(days=7), time(0), zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def weekly_report(session: Session) -> SupervisionReport | None:
    """Sweep: store the due week's report and text its summary; None if already done."""
    timezone = current_settings().HOTLINE_TIMEZONE
    start, end = due_week(utcnow(), timezone)
    stored = session.scalar(
        select(SupervisionReport).where(
            SupervisionReport.kind == WEEKLY, SupervisionReport.period_start == start
        )
    )
    if stored is not None:
        return None
    report = build_weekly(session, start, end, timezone)
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        return None  # another scheduler stored it a moment ago
    text_summaries(session, report)
    return report


def build_weekly(
    session: Session, start: datetime, end: datetime, timezone: str
) -> SupervisionReport:
    zone = ZoneInfo(timezone)
    last_day = (end - timedelta(days=1)).astimezone(zone).date()
    label = f"{start.astimezone(zone).date().isoformat()} – {last_day.isoformat()}"
    units = by_community_and_department(session, start, end)
    by_community, by_department = fold(units, 0), fold(units, 1)
    communities = list(session.scalars(select(Community).order_by(Community.code)))
    departments = list(session.scalars(select(Department).order_by(Department.code)))
    return SupervisionReport(
        kind=WEEKLY,
        period_start=start,
        period_end=end,
        label=label,
        generated_at=utcnow(),
        data={
            "overall": merged(units.values()).as_dict(),
            "communities": [_row(c, by_community.get(c.id, Figures())) for c in communities],
            "departments": [_row(d, by_department.get(d.id, Figures())) for d in departments],
        },
    )


def _row(unit: Community | Department, figures: Figures) -> dict[str, Any]:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "name_en": unit.name_en} | (
        figures.as_dict()
    )


def units(report: SupervisionReport, section: str) -> list[tuple[Unit, Figures]]:
    """The stored rows of `section` ("communities" or "departments") as units and figures."""
    return [
        (Unit(r["id"], r["code"], r["name"], r["name_en"]), Figures.from_dict(r))
        for r in report.data.get(section, [])
    ]


def report_ranking(report: SupervisionReport, section: str, min_sample: int) -> list[Rank]:
    return rank(units(report, section), min_sample)


def text_summaries(session: Session, report: SupervisionReport) -> int:
    """Queue the summary SMS to every community office with a phone; returns how many."""
    region = current_settings().HOTLINE_REGION
    phones = {
        cid: phone for cid, phone in session.execute(select(Community.id, Community.staff_phone))
    }
    queued = 0
    for unit, figures in units(report, "communities"):
        phone = phones.get(unit.id)
        if not phone:
            continue
        try:
            number = normalize(phone, region)
        except InvalidPhone:
            continue
        values = {
            "community": unit.name,
            "week": report.label.replace(" – ", "至"),
            "received": figures.received,
            "closed": figures.closed,
            "on_time": figures.on_time,
            "late": figures.late,
            "satisfaction": rate_text(figures.satisfaction_rate),
            "followups": figures.followups,
        }
        queue_sms(
            session,
            number.e164,
            Text("weekly_summary", "zh", values),
            priority=Priority.report,
            landline=not number.can_receive_sms,
        )
        queued += 1
    return queued


CSV_COLUMNS = ("section", "code", "name", "received", "closed", "on_time", "late", *RATINGS)


def as_csv(report: SupervisionReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, "satisfaction_rate", "followups"])
    for section in ("communities", "departments"):
        for unit, f in units(report, section):
            writer.writerow(
                [
                    section,
                    _cell(unit.code),
                    _cell(unit.name),
                    f.received,
                    f.closed,
                    f.on_time,
                    f.late,
                    *(f.ratings[r] for r in RATINGS),
                    rate_text(f.satisfaction_rate),
                    f.followups,
                ]
            )
    return out.getvalue()


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a quote disarms them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
