"""The weekly supervision report: generated on Monday from 08:00 local by the worker, stored
(the district, each street, community and department: `snapshot`), exported as CSV and
summarised by SMS to each community's office and each department's or partner unit's liaison
(each its own row), never in quiet hours.

The sweep generates the report of the newest week that is due and not yet stored, so a worker
that was down on Monday catches up, and a second run finds the row and does nothing. A week
that ended before anything ever happened on the line is not reported: a fresh install does not
start with a report of zeros.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.communities.models import Community, Department
from app.config import current_settings
from app.messaging.models import Priority
from app.messaging.outbox import Text, queue_sms
from app.phones import InvalidPhone, PhoneNumber, normalize
from app.reports.figures import RATINGS, Figures, rate_text, rate_whole
from app.reports.models import SupervisionReport
from app.reports.ranking import Rank, Unit
from app.reports.snapshot import SECTIONS, anything_before, build, ranking, store, stored, units
from app.volunteers.availability import QuietHours

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
    if stored(session, WEEKLY, start) is not None or not anything_before(session, end):
        return None
    report = store(session, build_weekly(session, start, end, timezone))
    if report is not None:
        text_summaries(session, report)
    return report


def build_weekly(
    session: Session, start: datetime, end: datetime, timezone: str
) -> SupervisionReport:
    zone = ZoneInfo(timezone)
    last_day = (end - timedelta(days=1)).astimezone(zone).date()
    label = f"{start.astimezone(zone).date().isoformat()} – {last_day.isoformat()}"
    return build(session, WEEKLY, start, end, label)


def report_ranking(report: SupervisionReport, section: str, min_sample: int) -> list[Rank]:
    return ranking(report, section, min_sample)


def text_summaries(session: Session, report: SupervisionReport) -> int:
    """Queue the summary SMS to every community office and unit liaison with a phone, each
    with its own row, held until quiet hours end; returns how many."""
    phones = {
        "communities": dict(session.execute(select(Community.id, Community.staff_phone)).all()),
        "departments": dict(session.execute(select(Department.id, Department.liaison_phone)).all()),
    }
    settings = current_settings()
    quiet = QuietHours.parse(settings.HOTLINE_QUIET_HOURS)
    send_at = quiet.postpone(utcnow(), settings.HOTLINE_TIMEZONE)
    queued = 0
    for section, numbers in phones.items():
        for unit, figures in units(report, section):
            number = _sms_number(numbers.get(unit.id or 0), settings.HOTLINE_REGION)
            if number is None:
                continue
            message = queue_sms(
                session,
                number.e164,
                Text("weekly_summary", "zh", _summary_values(report, unit, figures)),
                priority=Priority.report,
                landline=not number.can_receive_sms,
            )
            if message.next_attempt_at is not None:
                message.next_attempt_at = send_at
            queued += 1
    return queued


def _sms_number(phone: str | None, region: str) -> PhoneNumber | None:
    if not phone:
        return None
    try:
        return normalize(phone, region)
    except InvalidPhone:
        return None


def _summary_values(report: SupervisionReport, unit: Unit, figures: Figures) -> dict[str, Any]:
    return {
        "community": unit.name,
        "week": report.label.replace(" – ", "至"),
        "received": figures.received,
        "handled": figures.handled,
        "on_time": figures.on_time,
        "late": figures.late,
        "satisfaction": rate_text(figures.satisfaction_rate),
        "followups": figures.followups,
    }


CSV_COLUMNS = (
    "section",
    "code",
    "name",
    "received",
    "merged",
    "cancelled",
    "handled",
    "on_time",
    "late",
    "no_deadline",
    *RATINGS,
    "satisfaction_rate",
    "satisfaction_whole",
    "followups",
    "followups_done",
    "average_resolution_hours",
)


def as_csv(
    report: SupervisionReport,
    heading: Callable[[str], str] = str,
    street_id: int | None = None,
) -> str:
    """The report's rows (streets, communities, departments; one street's when `street_id`);
    `heading` words the header row (and the section names) in the reader's language."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading(column) for column in CSV_COLUMNS])
    for section in SECTIONS:
        for unit, f in units(report, section, street_id):
            hours = f.average_resolution_hours
            writer.writerow(
                [
                    heading(section),
                    _cell(unit.code),
                    _cell(unit.name),
                    f.received,
                    f.merged,
                    f.cancelled,
                    f.handled,
                    f.on_time,
                    f.late,
                    f.no_deadline,
                    *(f.ratings[r] for r in RATINGS),
                    rate_text(f.satisfaction_rate),
                    rate_whole(f.satisfaction_rate),
                    f.followups,
                    f.followups_done,
                    "" if hours is None else f"{hours:.1f}",
                ]
            )
    return out.getvalue()


def file_name(report: SupervisionReport, timezone: str) -> str:
    """e.g. 580-weekly-2026-11-23_2026-11-29.csv: the week's own first and last local dates."""
    zone = ZoneInfo(timezone)
    first = report.period_start.astimezone(zone).date()
    last = (report.period_end - timedelta(days=1)).astimezone(zone).date()
    return f"580-{report.kind}-{first.isoformat()}_{last.isoformat()}.csv"


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a quote disarms them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
