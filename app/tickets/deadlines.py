"""When a ticket is due, and how much of its time has gone: a pluggable deadline policy.

The street holds communities to "1 day" and departments to "3 days". Whether a weekend or the
Spring Festival counts towards those days is a policy decision, so it lives behind one small
protocol: ``CalendarHours`` counts every hour, ``WorkingDays`` counts only working days.

Working days come from the maintained ``chinese-calendar`` package (public holidays and the
make-up working days, 调休, of every year it covers), corrected by a local override file
(``data/holidays/*.yaml``, format in ``data/holidays/local.yaml``). A deadline that would fall
in a year neither covers raises ``BeyondCalendar`` instead of guessing which days are off.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

__all__ = [
    "DEFAULT_TZ",
    "BeyondCalendar",
    "CalendarHours",
    "DeadlinePolicy",
    "HolidayCalendar",
    "InvalidCalendar",
    "WorkingDays",
]

DEFAULT_TZ = "Asia/Shanghai"
_RANGE_SEPARATOR = ".."


class DeadlinePolicy(Protocol):
    """How a deadline of N hours is laid over the calendar."""

    def due_at(self, start_utc: datetime, hours: int) -> datetime:
        """The moment (aware, UTC) a ticket received at ``start_utc`` is due."""
        ...

    def fraction_elapsed(self, start: datetime, due: datetime, now: datetime) -> float:
        """Share of the allowed time used up at ``now``: 0.0 at start, 1.0 at due, >1 overdue."""
        ...


@dataclass(frozen=True, slots=True)
class CalendarHours:
    """Every hour counts, nights, weekends and holidays included (the default)."""

    def due_at(self, start_utc: datetime, hours: int) -> datetime:
        _require_aware(start_utc=start_utc)
        return start_utc.astimezone(UTC) + timedelta(hours=_require_hours(hours))

    def fraction_elapsed(self, start: datetime, due: datetime, now: datetime) -> float:
        _require_aware(start=start, due=due, now=now)
        return _fraction(max(now - start, timedelta(0)), due - start, now >= due)


class InvalidCalendar(ValueError):
    """A holiday file that cannot be trusted; the message names the file and the entry."""


class BeyondCalendar(LookupError):
    """A date in a year the holiday calendar does not cover: which days are off is unknown."""

    def __init__(self, day: date, years: frozenset[int]) -> None:
        self.day = day
        self.year = day.year
        covered = f"{min(years)}–{max(years)}" if years else "no year"
        super().__init__(
            f"no holiday calendar for {day.year} (covered: {covered}): update the "
            f"chinese-calendar package or list {day.year}'s holidays and make-up days in the "
            f"local holiday file with `covers: {day.year}`"
        )


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """Which local dates are working days: Mon-Fri, minus holidays, plus make-up days (调休).

    ``years`` are the years whose holidays are known; a date in any other year raises
    ``BeyondCalendar``. ``None`` means no such limit (only weekends are off where nothing is
    listed).
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    years: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if both := sorted(self.holidays & self.workdays):
            raise InvalidCalendar(f"{both[0]} is listed both as a holiday and as a workday")
        if weekdays := sorted(d for d in self.workdays if d.weekday() < 5):
            raise InvalidCalendar(
                f"workday {weekdays[0]} is a {weekdays[0]:%A}; make-up workdays are weekend days"
            )

    def is_working_day(self, day: date) -> bool:
        if self.years is not None and day.year not in self.years:
            raise BeyondCalendar(day, self.years)
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5

    @classmethod
    def chinese(cls, overrides: "HolidayCalendar | None" = None) -> "HolidayCalendar":
        """Mainland China's calendar from the ``chinese-calendar`` package, every year it
        covers, with ``overrides`` on top: a date the local file lists wins over the package,
        and the years the file declares complete (``covers``) are covered too."""
        local = overrides or cls(years=frozenset())
        holidays = frozenset(chinese_calendar.holidays) - local.workdays
        workdays = frozenset(chinese_calendar.workdays) - local.holidays
        package_years = frozenset(d.year for d in chinese_calendar.holidays)
        return cls(
            holidays=holidays | local.holidays,
            workdays=workdays | local.workdays,
            years=package_years | (local.years or frozenset()),
        )

    @classmethod
    def load(cls, path: str | Path) -> "HolidayCalendar":
        """Read one YAML file with ``holidays:`` and ``workdays:`` lists of dates or ranges."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2026-13-01
            raise InvalidCalendar(f"{path}: not valid YAML: {exc}") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def load_dir(cls, directory: str | Path) -> "HolidayCalendar":
        """Merge every ``*.yaml`` in ``directory`` (one file per year, e.g. ``cn-2026.yaml``)."""
        calendars = [cls.load(p) for p in sorted(Path(directory).glob("*.yaml"))]
        return cls(
            holidays=frozenset().union(*(c.holidays for c in calendars)),
            workdays=frozenset().union(*(c.workdays for c in calendars)),
            years=_covered(c.years for c in calendars),
        )

    @classmethod
    def from_mapping(cls, data: Any, source: str = "calendar") -> "HolidayCalendar":
        """Build from parsed data; ``source`` names the file in error messages."""
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise InvalidCalendar(f"{source}: expected a mapping with holidays and workdays")
        if unknown := sorted(set(data) - {"holidays", "workdays", "covers"}):
            raise InvalidCalendar(f"{source}: unknown key {unknown[0]!r}")
        holidays = frozenset(_dates(data.get("holidays"), f"{source}: holidays"))
        workdays = frozenset(_dates(data.get("workdays"), f"{source}: workdays"))
        years = _years(data.get("covers"), f"{source}: covers")
        try:
            return cls(holidays=holidays, workdays=workdays, years=years)
        except InvalidCalendar as exc:
            raise InvalidCalendar(f"{source}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class WorkingDays:
    """Only time on working days counts; a deadline of N hours is N/24 working days.

    Each working day counts all 24 of its hours and other days count none, so a ticket received
    on a working day is due at the same local clock time N/24 working days later (Friday 17:00
    plus 24 hours is Monday 17:00). A ticket received on a day off starts counting at the start
    of the next working day (Saturday plus 24 hours is the end of Monday). Counting is by local
    wall clock in ``tz``, which has no effect in China (no daylight saving time).
    """

    calendar: HolidayCalendar
    tz: str = DEFAULT_TZ

    def due_at(self, start_utc: datetime, hours: int) -> datetime:
        _require_aware(start_utc=start_utc)
        remaining = timedelta(hours=_require_hours(hours))
        cursor = self._wall_clock(start_utc)
        while remaining:
            day_end = datetime.combine(cursor.date() + timedelta(days=1), time())
            if self.calendar.is_working_day(cursor.date()):
                if remaining <= day_end - cursor:
                    return self._to_utc(cursor + remaining)
                remaining -= day_end - cursor
            cursor = day_end
        return start_utc.astimezone(UTC)

    def fraction_elapsed(self, start: datetime, due: datetime, now: datetime) -> float:
        _require_aware(start=start, due=due, now=now)
        allowed = self._working_time(start, due)
        return _fraction(self._working_time(start, now), allowed, now >= due)

    def _working_time(self, start: datetime, end: datetime) -> timedelta:
        """Time between two moments that falls on working days (zero if ``end`` is earlier)."""
        cursor, end_wall = self._wall_clock(start), self._wall_clock(end)
        total = timedelta(0)
        while cursor < end_wall:
            day_end = datetime.combine(cursor.date() + timedelta(days=1), time())
            if self.calendar.is_working_day(cursor.date()):
                total += min(day_end, end_wall) - cursor
            cursor = day_end
        return total

    def _wall_clock(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.tz)).replace(tzinfo=None)

    def _to_utc(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=ZoneInfo(self.tz)).astimezone(UTC)


def _fraction(elapsed: timedelta, allowed: timedelta, past_due: bool) -> float:
    """Not capped at 1.0: how far past due a ticket is matters to the supervision reports."""
    if allowed <= timedelta(0):
        return 1.0 if past_due else 0.0
    return max(elapsed, timedelta(0)) / allowed


def _require_aware(**moments: datetime) -> None:
    """Naive datetimes are refused: a deadline off by eight hours is worse than an error."""
    for name, moment in moments.items():
        if not isinstance(moment, datetime):
            raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise TypeError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


def _require_hours(hours: int) -> int:
    if isinstance(hours, bool) or not isinstance(hours, int):
        raise TypeError(f"hours must be an int, not {type(hours).__name__}")
    if hours < 0:
        raise ValueError(f"hours must not be negative, got {hours}")
    return hours


def _dates(entries: Iterable[Any] | None, where: str) -> list[date]:
    """Expand a YAML list of dates and ``start..end`` ranges into dates."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InvalidCalendar(f"{where}: expected a list of dates")
    days: list[date] = []
    for entry in entries:
        days.extend(_expand(entry, where))
    return days


def _covered(years: Iterable[frozenset[int] | None]) -> frozenset[int] | None:
    """The years any of several files covers; None when none of them says."""
    declared = [y for y in years if y is not None]
    return frozenset().union(*declared) if declared else None


def _years(entries: Any, where: str) -> frozenset[int] | None:
    """``covers: 2027`` or ``covers: [2027, 2028]``: years the file lists completely."""
    if entries is None:
        return None
    entries = entries if isinstance(entries, list) else [entries]
    if not all(isinstance(y, int) and not isinstance(y, bool) and 1900 < y < 2200 for y in entries):
        raise InvalidCalendar(f"{where}: expected a year or a list of years")
    return frozenset(entries)


def _expand(entry: Any, where: str) -> list[date]:
    if isinstance(entry, date) and not isinstance(entry, datetime):
        return [entry]
    if not isinstance(entry, str):
        raise InvalidCalendar(f"{where}: {entry!r} is not a date")
    first, _, last = entry.partition(_RANGE_SEPARATOR)
    start, end = _parse_date(first, where), _parse_date(last or first, where)
    if end < start:
        raise InvalidCalendar(f"{where}: range {entry!r} ends before it starts")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _parse_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidCalendar(f"{where}: {text.strip()!r} is not a YYYY-MM-DD date") from exc
