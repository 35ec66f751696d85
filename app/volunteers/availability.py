"""When a volunteer may be asked to help, and when they must not be texted.

Availability comes from a CSV column or a staff form as loose text such as
``Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00`` or ``周一至周五 18:00-21:00``. Matching needs a
precise answer to "is this person available now?", the database needs a JSON-able form, and staff
need to read back what was understood, so text is parsed once into canonical weekly windows.
Quiet hours are separate: they hold back surveys and non-urgent SMS until the morning.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_TZ",
    "Availability",
    "DaySpelling",
    "InvalidAvailability",
    "QuietHours",
    "Window",
]

DEFAULT_TZ = "Asia/Shanghai"
DAY = 24 * 60  # minutes
WEEK = 7 * DAY
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALWAYS_TEXT = "always"


@dataclass(frozen=True)
class DaySpelling:
    """How weekly windows are written: canonical (what ``parse`` reads back) or for people."""

    days: tuple[str, ...] = DAY_NAMES
    always: str = ALWAYS_TEXT
    through: str = "-"  # Mon-Fri
    between_days: str = ","
    before_times: str = " "
    between_times: str = ", "
    between_clauses: str = "; "


CANONICAL = DaySpelling()

_ALWAYS_WORDS = {"", "always", "any", "anytime", "any time", "随时", "任何时间", "全天"}
_ALL_DAY_WORDS = {"all day", "全天"}
_DAY_ALIASES: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)),
    "every day": tuple(range(7)),
    "每天": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekends": (5, 6),
    "weekend": (5, 6),
    "周末": (5, 6),
}
_ZH_DIGITS = "一二三四五六日"


def _day_words() -> dict[str, int]:
    words: dict[str, int] = {}
    english = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    for number, name in enumerate(english):
        words[name] = words[name[:3]] = number
        words[f"周{_ZH_DIGITS[number]}"] = words[f"星期{_ZH_DIGITS[number]}"] = number
        words[_ZH_DIGITS[number]] = number  # the 五 of 周一至五
    words |= {"tues": 1, "weds": 2, "thur": 3, "thurs": 3, "周天": 6, "星期天": 6, "天": 6}
    return words


_DAYS = _day_words()
# Dashes, tildes and 至/到 all mean "through"; NFKC has already folded the full-width forms.
_THROUGH = r"\s*(?:-|~|–|—|至|到)\s*"
_CLOCK = r"\d{1,2}(?::\d{2})?"
_TIME_RANGE = re.compile(rf"({_CLOCK}){_THROUGH}({_CLOCK})")
# Clauses end at ';' or a new line, or at a comma between a time and the next day name
# ("Mon 09:00-12:00, Tue 14:00-17:00"); a comma before a digit continues the same clause.
_CLAUSE_SEPARATORS = re.compile(r"[;\n]|(?<=\d)\s*[,、]\s*(?=[^\d\s])")
_TIME_SEPARATORS = re.compile(r"\s*[,、]\s*")
_DAY_SEPARATORS = re.compile(r"[\s,、/]+")


class InvalidAvailability(ValueError):
    """Text or stored data that is not a weekly availability; the message quotes the bad part."""


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """One weekly window: from ``start`` on ``day`` until ``end``, in minutes after midnight.

    ``end`` may be 1440 (24:00). An ``end`` at or before ``start`` runs past midnight into the
    next day, so ``Fri 22:00-02:00`` is one window on Friday.
    """

    day: int  # 0 = Monday ... 6 = Sunday, like datetime.weekday()
    start: int  # 0..1439
    end: int  # 1..1440

    def __post_init__(self) -> None:
        if not (0 <= self.day < 7 and 0 <= self.start < DAY and 0 < self.end <= DAY):
            raise InvalidAvailability(f"window out of range: {self!r}")
        if self.start == self.end:
            raise InvalidAvailability(f"window {self.to_text()!r} is empty")

    @property
    def minutes(self) -> tuple[int, int]:
        """Start and end in minutes since Monday 00:00; the end may pass the end of the week."""
        offset = self.day * DAY
        end = self.end if self.end > self.start else self.end + DAY
        return offset + self.start, offset + end

    def to_text(self) -> str:
        return f"{DAY_NAMES[self.day]} {_range_text(self.start, self.end)}"


@dataclass(frozen=True, slots=True)
class Availability:
    """A volunteer's weekly windows in local time; no windows means no restriction at all.

    Windows are kept canonical (sorted, merged, never longer than a day), so two texts that mean
    the same week compare equal and ``to_text`` reads back what matching will actually use.
    """

    windows: tuple[Window, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", _canonical(self.windows))

    @property
    def is_always(self) -> bool:
        return not self.windows

    @classmethod
    def parse(cls, text: str) -> "Availability":
        """Parse ``Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00`` and its Chinese and loose forms.

        Clauses are separated by ``;`` or new lines; each is a day list (names, ranges such as
        ``Mon-Fri`` or ``周一至五``, ``daily``, ``周末``) then one or more time ranges separated by
        commas, or ``all day``/``全天``. A clause without days means every day; days without
        times mean the whole day. Empty text, ``always`` or ``any`` mean always.
        """
        if not isinstance(text, str):
            raise InvalidAvailability(f"expected text, got {type(text).__name__}")
        folded = unicodedata.normalize("NFKC", text).strip()
        if folded.lower() in _ALWAYS_WORDS:
            return cls()
        windows: list[Window] = []
        for clause in _CLAUSE_SEPARATORS.split(folded):
            if clause.strip():
                windows.extend(_parse_clause(clause.strip()))
        if not windows:
            raise InvalidAvailability(f"no availability found in {text!r}")
        return cls(tuple(windows))

    def to_text(self, spelling: "DaySpelling | None" = None) -> str:
        """Canonical text that ``parse`` turns back into an equal ``Availability``; with
        ``spelling``, the same windows in a person's language (``周一至周五 18:00-21:00``)."""
        spell = spelling or CANONICAL
        if self.is_always:
            return spell.always
        ranges_by_day = {
            day: tuple((w.start, w.end) for w in group)
            for day, group in groupby(self.windows, key=lambda w: w.day)
        }
        clauses = []
        for ranges, days in _group_days(ranges_by_day):
            times = spell.between_times.join(_range_text(start, end) for start, end in ranges)
            clauses.append(f"{_days_text(days, spell)}{spell.before_times}{times}")
        return spell.between_clauses.join(clauses)

    def to_json(self) -> list[dict[str, str]]:
        """Storage form: ``[{"day": "mon", "start": "18:00", "end": "21:00"}, ...]``."""
        return [
            {"day": DAY_NAMES[w.day].lower(), "start": _clock(w.start), "end": _clock(w.end)}
            for w in self.windows
        ]

    @classmethod
    def from_json(cls, data: Any) -> "Availability":
        """Rebuild from ``to_json`` output, refusing anything malformed rather than guessing."""
        if not isinstance(data, list):
            raise InvalidAvailability(f"stored availability must be a list, got {data!r}")
        return cls(tuple(_window_from_json(item) for item in data))

    def is_available(self, when: datetime, tz: str = DEFAULT_TZ) -> bool:
        """Whether ``when`` (aware) falls in a window, read on the wall clock of ``tz``."""
        if self.is_always:
            _require_aware(when)
            return True
        local = _local(when, tz)
        minute = local.weekday() * DAY + local.hour * 60 + local.minute
        return any(
            start <= m < end
            for start, end in (w.minutes for w in self.windows)
            for m in (minute, minute + WEEK)
        )


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Hours when a volunteer or resident is not texted; surveys and reminders wait them out.

    ``start`` may be later than ``end`` (the default 21:00-08:00 runs past midnight). Equal
    start and end are refused: "no quiet hours" is no ``QuietHours`` at all, not an empty one.
    """

    start: time = time(21, 0)
    end: time = time(8, 0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise TypeError("quiet hours are wall-clock times: pass times without tzinfo")
        if self.start == self.end:
            raise InvalidAvailability("quiet hours must start and end at different times")

    @classmethod
    def parse(cls, text: str) -> "QuietHours":
        """Parse ``21:00-08:00`` (the same clock and dash forms as availability)."""
        folded = unicodedata.normalize("NFKC", text or "").strip()
        match = _TIME_RANGE.fullmatch(folded)
        if not match:
            raise InvalidAvailability(f"{text!r} is not a time range like 21:00-08:00")
        start, end = (_parse_clock(part, text) for part in match.groups())
        return cls(_as_time(start), _as_time(end))

    def to_text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, local_time: time) -> bool:
        """Whether a wall-clock time is quiet; the start is quiet, the end is not."""
        if self.start < self.end:
            return self.start <= local_time < self.end
        return local_time >= self.start or local_time < self.end

    def is_quiet(self, when: datetime, tz: str = DEFAULT_TZ) -> bool:
        return self.contains(_local(when, tz).time())

    def next_end(self, when: datetime, tz: str = DEFAULT_TZ) -> datetime:
        """The first moment after ``when`` at which quiet hours end (aware, in ``tz``).

        Inside quiet hours that is this morning's end; outside, the end of the next quiet
        period. Use ``postpone`` to hold a message only when it is actually quiet.
        """
        local = _local(when, tz)
        end = datetime.combine(local.date(), self.end, tzinfo=local.tzinfo)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=local.tzinfo)
        return end

    def postpone(self, when: datetime, tz: str = DEFAULT_TZ) -> datetime:
        """When a message planned for ``when`` may go: ``when`` itself unless it is quiet."""
        return self.next_end(when, tz) if self.is_quiet(when, tz) else when


# --- parsing ----------------------------------------------------------------------------------


def _parse_clause(clause: str) -> list[Window]:
    """``<days> <time range>[, <time range>...]`` -> windows."""
    days_text, times_text = _split_clause(clause)
    days = _parse_days(days_text, clause) if days_text else tuple(range(7))
    ranges = _parse_times(times_text, clause)
    return [Window(day, start, end) for day in days for start, end in ranges]


def _split_clause(clause: str) -> tuple[str, str]:
    """Days come first and contain no digits, so the first digit starts the times."""
    for word in _ALL_DAY_WORDS:
        if clause.lower().endswith(word):
            return clause[: len(clause) - len(word)].strip(), word
    digit = re.search(r"\d", clause)
    if not digit:
        return clause, "all day"
    return clause[: digit.start()].strip(), clause[digit.start() :].strip()


def _parse_days(text: str, clause: str) -> tuple[int, ...]:
    lowered = re.sub(_THROUGH, "-", text.lower()).replace("every day", "daily")
    days: list[int] = []
    for item in _DAY_SEPARATORS.split(lowered):
        days.extend(_parse_day_item(item, clause))
    return tuple(dict.fromkeys(days))


def _parse_day_item(item: str, clause: str) -> list[int]:
    if item in _DAY_ALIASES:
        return list(_DAY_ALIASES[item])
    first, dash, last = item.partition("-")
    start, end = _day(first, clause), _day(last, clause) if dash else None
    if end is None:
        return [start]
    return [(start + n) % 7 for n in range((end - start) % 7 + 1)]  # Fri-Mon wraps the weekend


def _day(word: str, clause: str) -> int:
    word = word.strip()
    if word not in _DAYS:
        raise InvalidAvailability(f"unknown day {word!r} in {clause!r}")
    return _DAYS[word]


def _parse_times(text: str, clause: str) -> list[tuple[int, int]]:
    if text.lower() in _ALL_DAY_WORDS:
        return [(0, DAY)]
    ranges = []
    for part in _TIME_SEPARATORS.split(text):
        match = _TIME_RANGE.fullmatch(part.strip())
        if not match:
            raise InvalidAvailability(f"{part.strip()!r} in {clause!r} is not a time range")
        start, end = (_parse_clock(value, clause) for value in match.groups())
        if start == DAY:
            raise InvalidAvailability(f"{part.strip()!r} in {clause!r} starts at 24:00")
        if start == end:
            raise InvalidAvailability(f"{part.strip()!r} in {clause!r} is empty")
        ranges.append((start, end or DAY))  # "22:00-00:00" ends at midnight, like 24:00
    return ranges


def _parse_clock(text: str, context: str) -> int:
    """``9``, ``09:30``, ``24:00`` -> minutes after midnight."""
    hours, _, minutes = text.partition(":")
    hour, minute = int(hours), int(minutes or 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise InvalidAvailability(f"{text!r} in {context!r} is not a time of day")
    return hour * 60 + minute


def _as_time(minutes: int) -> time:
    if minutes == DAY:
        return time(0, 0)
    return time(minutes // 60, minutes % 60)


def _window_from_json(item: Any) -> Window:
    if not isinstance(item, dict) or set(item) != {"day", "start", "end"}:
        raise InvalidAvailability(f"stored window {item!r} needs exactly day, start and end")
    day = _DAYS.get(str(item["day"]).lower())
    clocks = [str(item[key]) for key in ("start", "end")]
    if day is None or not all(re.fullmatch(r"\d{2}:\d{2}", c) for c in clocks):
        raise InvalidAvailability(f"stored window {item!r} is malformed")
    start, end = (_parse_clock(c, str(item)) for c in clocks)
    if start == DAY:
        raise InvalidAvailability(f"stored window {item!r} starts at 24:00")
    return Window(day, start, end or DAY)


# --- canonical form ---------------------------------------------------------------------------


def _canonical(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Merge overlapping windows and cut them back into windows of at most a day each."""
    merged = _merge_week(w.minutes for w in windows)
    if merged == [(0, WEEK)]:
        return ()  # every minute of the week: the same as no restriction
    return tuple(sorted(window for start, end in merged for window in _cut(start, end)))


def _merge_week(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of intervals on the weekly circle; a stretch over Sunday midnight stays whole."""
    pieces: list[tuple[int, int]] = []
    for start, end in intervals:
        if end > WEEK:
            pieces += [(start, WEEK), (0, end - WEEK)]
        else:
            pieces.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if len(merged) > 1 and merged[0][0] == 0 and merged[-1][1] == WEEK:
        first = merged.pop(0)
        merged[-1] = (merged[-1][0], WEEK + first[1])
    return merged


def _cut(start: int, end: int) -> Iterator[Window]:
    """Split a stretch into windows: whole if under a day (or exactly one calendar day)."""
    while start < end:
        length = end - start
        if length < DAY or (length == DAY and start % DAY == 0):
            stop = end
        else:
            stop = (start // DAY + 1) * DAY
        day, offset = divmod(start, DAY)
        finish = stop - day * DAY
        yield Window(day % 7, offset, finish if finish <= DAY else finish - DAY)
        start = stop


def _group_days(
    ranges_by_day: dict[int, tuple[tuple[int, int], ...]],
) -> list[tuple[tuple[tuple[int, int], ...], list[int]]]:
    """Days that share the same time ranges, in order of their first day."""
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day, ranges in sorted(ranges_by_day.items()):
        groups.setdefault(ranges, []).append(day)
    return sorted(groups.items(), key=lambda item: item[1][0])


def _days_text(days: list[int], spell: "DaySpelling") -> str:
    """``[0, 1, 2, 3, 4, 6]`` -> ``Mon-Fri,Sun``: runs of three or more become ranges."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{spell.days[run[0]]}{spell.through}{spell.days[run[-1]]}")
        else:
            parts.extend(spell.days[day] for day in run)
    return spell.between_days.join(parts)


def _range_text(start: int, end: int) -> str:
    return f"{_clock(start)}-{_clock(end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- time zones -------------------------------------------------------------------------------


def _require_aware(when: datetime) -> None:
    if not isinstance(when, datetime):
        raise TypeError(f"expected a datetime, got {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise TypeError(f"expected a timezone-aware datetime, got naive {when.isoformat()}")


def _local(when: datetime, tz: str) -> datetime:
    """``when`` on the wall clock of ``tz``; naive datetimes are refused, never guessed."""
    _require_aware(when)
    return when.astimezone(ZoneInfo(tz))
