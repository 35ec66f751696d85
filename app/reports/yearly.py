"""The yearly ranking: communities and departments of each street and of the district, by the
combined score of satisfaction and volume (`app.reports.ranking`), stored like the weekly
report and printed on one A4 page.

The worker stores the year's report from 1 January 08:00 local; like the weekly sweep it
catches up after downtime, runs twice harmlessly, and reports nothing for a year that ended
before the line was used.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.clock import utcnow
from app.config import current_settings
from app.reports.models import SupervisionReport
from app.reports.snapshot import anything_before, build, store, stored

YEARLY = "yearly"
DUE_HOUR = 8  # 1 January 08:00 local


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of `year`, local midnight, as UTC."""
    zone, utc = ZoneInfo(timezone), ZoneInfo("UTC")
    start = datetime.combine(date(year, 1, 1), time(0), zone)
    end = datetime.combine(date(year + 1, 1, 1), time(0), zone)
    return start.astimezone(utc), end.astimezone(utc)


def due_year(now: datetime, timezone: str) -> int:
    """The newest year whose report is due at `now`."""
    local = now.astimezone(ZoneInfo(timezone))
    due = datetime.combine(date(local.year, 1, 1), time(DUE_HOUR), local.tzinfo)
    return local.year - 1 if local >= due else local.year - 2


def yearly_report(session: Session) -> SupervisionReport | None:
    """Sweep: store the due year's ranking; None if already stored or nothing to report."""
    timezone = current_settings().HOTLINE_TIMEZONE
    year = due_year(utcnow(), timezone)
    start, end = year_bounds(year, timezone)
    if stored(session, YEARLY, start) is not None or not anything_before(session, end):
        return None
    return store(session, build(session, YEARLY, start, end, str(year)))
