"""Setting a ticket's deadline, and its 75% reminder time, under the configured policy.

The sweeps only compare these columns with the clock, so a restart loses nothing and a
deadline survives any number of worker restarts. Under working days, a deadline in a year the
holiday calendar does not cover is not guessed: the ticket has no deadline and its timeline
says why (`deadline_unknown`), so staff see it and the calendar gets updated.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from app.config import PROJECT_ROOT, current_settings
from app.tickets.deadlines import (
    BeyondCalendar,
    CalendarHours,
    DeadlinePolicy,
    HolidayCalendar,
    WorkingDays,
)
from app.tickets.lifecycle import SYSTEM, record
from app.tickets.models import EventKind, Ticket

REMINDER_SHARE = 0.75


def configured_policy() -> DeadlinePolicy:
    """CalendarHours unless HOTLINE_DEADLINE_POLICY=working_days: then the chinese-calendar
    package's holidays and make-up days, with the local override files on top."""
    config = current_settings()
    if config.HOTLINE_DEADLINE_POLICY != "working_days":
        return CalendarHours()
    folder = Path(config.HOTLINE_HOLIDAY_DIR or PROJECT_ROOT / "data" / "holidays")
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml")))
    return WorkingDays(_calendar(str(folder), stamp), config.HOTLINE_TIMEZONE)


@lru_cache(maxsize=4)
def _calendar(folder: str, stamp: tuple[tuple[str, int], ...]) -> HolidayCalendar:
    """Read again only when an override file changes (`stamp`: names and modification times)."""
    return HolidayCalendar.chinese(HolidayCalendar.load_dir(folder))


def due_and_reminder(start: datetime, hours: int) -> tuple[datetime, datetime]:
    """Due `hours` after `start`, and the reminder when 75% of that time has gone.
    Raises BeyondCalendar when working days cannot be counted that far."""
    policy = configured_policy()
    reminder = policy.due_at(start, max(1, round(hours * REMINDER_SHARE)))
    return policy.due_at(start, hours), reminder


def set_deadline(ticket: Ticket, start: datetime, hours: int) -> None:
    """Due `hours` after `start`; the holder is reminded when 75% of that time has gone."""
    ticket.reminded_at = None
    ticket.breached_at = None
    try:
        ticket.due_at, ticket.remind_at = due_and_reminder(start, hours)
    except BeyondCalendar as beyond:
        ticket.due_at = ticket.remind_at = None
        record_unknown_deadline(ticket, beyond)


def record_unknown_deadline(ticket: Ticket, beyond: BeyondCalendar) -> None:
    record(
        ticket, EventKind.deadline_unknown, SYSTEM, reason=str(beyond), data={"year": beyond.year}
    )


def set_community_deadline(ticket: Ticket, start: datetime) -> None:
    set_deadline(ticket, start, current_settings().HOTLINE_COMMUNITY_DEADLINE_HOURS)
