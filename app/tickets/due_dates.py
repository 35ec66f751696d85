"""Setting a ticket's deadline, and its 75% reminder time, under the configured policy.

The sweeps only compare these columns with the clock, so a restart loses nothing and a
deadline survives any number of worker restarts.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.config import PROJECT_ROOT, current_settings
from app.tickets.deadlines import CalendarHours, DeadlinePolicy, HolidayCalendar, WorkingDays
from app.tickets.models import Ticket

REMINDER_SHARE = 0.75


def configured_policy() -> DeadlinePolicy:
    """CalendarHours unless HOTLINE_DEADLINE_POLICY=working_days (with a holiday folder)."""
    config = current_settings()
    if config.HOTLINE_DEADLINE_POLICY != "working_days":
        return CalendarHours()
    folder = Path(config.HOTLINE_HOLIDAY_DIR or PROJECT_ROOT / "data" / "holidays")
    return WorkingDays(HolidayCalendar.load_dir(folder), config.HOTLINE_TIMEZONE)


def set_deadline(ticket: Ticket, start: datetime, hours: int) -> None:
    """Due `hours` after `start`; the holder is reminded when 75% of that time has gone."""
    policy = configured_policy()
    ticket.due_at = policy.due_at(start, hours)
    ticket.remind_at = policy.due_at(start, max(1, round(hours * REMINDER_SHARE)))
    ticket.reminded_at = None
    ticket.breached_at = None


def set_community_deadline(ticket: Ticket, start: datetime) -> None:
    set_deadline(ticket, start, current_settings().HOTLINE_COMMUNITY_DEADLINE_HOURS)
