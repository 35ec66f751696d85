from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.tickets.deadlines import (
    BeyondCalendar,
    CalendarHours,
    DeadlinePolicy,
    HolidayCalendar,
    InvalidCalendar,
    WorkingDays,
)

CST = ZoneInfo("Asia/Shanghai")
LOCAL = Path(__file__).parents[2] / "data" / "holidays"


def cst(*args: int) -> datetime:
    """A Chongqing wall-clock time as an aware datetime."""
    return datetime(*args, tzinfo=CST)


@pytest.fixture(scope="module")
def calendar() -> HolidayCalendar:
    """The chinese-calendar package's calendar with the shipped (empty) local overrides."""
    return HolidayCalendar.chinese(HolidayCalendar.load_dir(LOCAL))


@pytest.fixture
def working_days(calendar: HolidayCalendar) -> WorkingDays:
    return WorkingDays(calendar)


# --- CalendarHours ----------------------------------------------------------------------------


def test_calendar_hours_just_add() -> None:
    start = cst(2026, 3, 6, 17)  # a Friday
    assert CalendarHours().due_at(start, 24) == cst(2026, 3, 7, 17)
    assert CalendarHours().due_at(start, 72) == cst(2026, 3, 9, 17)


def test_calendar_hours_answer_in_utc() -> None:
    due = CalendarHours().due_at(cst(2026, 3, 6, 17), 24)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 7, 9, tzinfo=UTC)


def test_calendar_hours_ignore_holidays() -> None:
    assert CalendarHours().due_at(cst(2026, 9, 30, 10), 24) == cst(2026, 10, 1, 10)


@pytest.mark.parametrize(
    ("elapsed_hours", "fraction"),
    [(-5, 0.0), (0, 0.0), (6, 0.25), (18, 0.75), (24, 1.0), (36, 1.5)],
)
def test_calendar_hours_fraction_elapsed(elapsed_hours: int, fraction: float) -> None:
    start = cst(2026, 3, 6, 17)
    due = start + timedelta(hours=24)
    now = start + timedelta(hours=elapsed_hours)
    assert CalendarHours().fraction_elapsed(start, due, now) == pytest.approx(fraction)


# --- WorkingDays ------------------------------------------------------------------------------


def test_friday_evening_ticket_is_due_monday_evening(working_days: WorkingDays) -> None:
    due = working_days.due_at(cst(2026, 3, 6, 17), 24)
    assert due == cst(2026, 3, 9, 17)
    assert due.tzinfo is UTC


def test_department_three_days_skip_the_weekend(working_days: WorkingDays) -> None:
    assert working_days.due_at(cst(2026, 3, 6, 17), 72) == cst(2026, 3, 11, 17)


def test_make_up_saturday_counts(working_days: WorkingDays) -> None:
    # Saturday 2026-02-14 is a working day (调休) before the Spring Festival.
    assert working_days.due_at(cst(2026, 2, 13, 17), 24) == cst(2026, 2, 14, 17)


def test_spring_festival_week_is_skipped(working_days: WorkingDays) -> None:
    # Fri 17:00 -> make-up Sat 17:00 is the first day; 15-23 Feb are holidays; Tue 24th ends it.
    assert working_days.due_at(cst(2026, 2, 13, 17), 48) == cst(2026, 2, 24, 17)


def test_national_day_week_is_skipped(working_days: WorkingDays) -> None:
    assert working_days.due_at(cst(2026, 9, 30, 10), 24) == cst(2026, 10, 8, 10)


def test_ticket_received_on_a_day_off_starts_counting_next_working_day(
    working_days: WorkingDays,
) -> None:
    # Saturday morning: the day counts from Monday 00:00, so it is due at the end of Monday.
    assert working_days.due_at(cst(2026, 3, 7, 10), 24) == cst(2026, 3, 10, 0)


def test_deadline_at_the_end_of_the_last_working_day_does_not_jump_the_holiday(
    working_days: WorkingDays,
) -> None:
    assert working_days.due_at(cst(2026, 9, 30, 0), 24) == cst(2026, 10, 1, 0)


def test_part_days_are_hours_of_working_days(working_days: WorkingDays) -> None:
    assert working_days.due_at(cst(2026, 3, 6, 17), 12) == cst(2026, 3, 9, 5)


def test_zero_hours_is_due_at_once(working_days: WorkingDays) -> None:
    start = cst(2026, 3, 7, 10)
    assert working_days.due_at(start, 0) == start


def test_start_in_another_zone_is_read_in_local_time(working_days: WorkingDays) -> None:
    # 09:00 UTC on Friday is 17:00 in Chongqing.
    start = datetime(2026, 3, 6, 9, tzinfo=UTC)
    assert working_days.due_at(start, 24) == cst(2026, 3, 9, 17)


@pytest.mark.parametrize(
    ("now", "fraction"),
    [
        (cst(2026, 3, 6, 12), 0.0),  # before the ticket arrived
        (cst(2026, 3, 6, 17), 0.0),
        (cst(2026, 3, 7, 12), 7 / 24),  # the weekend does not count
        (cst(2026, 3, 9, 11), 0.75),
        (cst(2026, 3, 9, 17), 1.0),
        (cst(2026, 3, 10, 17), 2.0),  # a working day overdue
    ],
)
def test_working_days_fraction_elapsed(
    working_days: WorkingDays, now: datetime, fraction: float
) -> None:
    start = cst(2026, 3, 6, 17)
    due = working_days.due_at(start, 24)
    assert working_days.fraction_elapsed(start, due, now) == pytest.approx(fraction)


def test_zero_length_deadline_is_fully_elapsed_once_due(working_days: WorkingDays) -> None:
    start = cst(2026, 3, 6, 17)
    assert working_days.fraction_elapsed(start, start, start - timedelta(seconds=1)) == 0.0
    assert working_days.fraction_elapsed(start, start, start) == 1.0
    assert CalendarHours().fraction_elapsed(start, start, start) == 1.0


def test_without_a_calendar_only_weekends_are_off() -> None:
    policy = WorkingDays(HolidayCalendar())
    assert policy.due_at(cst(2026, 9, 30, 10), 24) == cst(2026, 10, 1, 10)


# --- the policy contract ----------------------------------------------------------------------

POLICIES: list[DeadlinePolicy] = [CalendarHours(), WorkingDays(HolidayCalendar.chinese())]
NAIVE = datetime(2026, 3, 6, 17)
AWARE = cst(2026, 3, 6, 17)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: type(p).__name__)
def test_naive_start_is_refused(policy: DeadlinePolicy) -> None:
    with pytest.raises(TypeError, match="start_utc must be timezone-aware"):
        policy.due_at(NAIVE, 24)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: type(p).__name__)
@pytest.mark.parametrize("naive", ["start", "due", "now"])
def test_naive_fraction_arguments_are_refused(policy: DeadlinePolicy, naive: str) -> None:
    moments = {"start": AWARE, "due": AWARE + timedelta(days=1), "now": AWARE}
    moments[naive] = moments[naive].replace(tzinfo=None)
    with pytest.raises(TypeError, match=f"{naive} must be timezone-aware"):
        policy.fraction_elapsed(**moments)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: type(p).__name__)
def test_bad_hours_are_refused(policy: DeadlinePolicy) -> None:
    with pytest.raises(ValueError, match="negative"):
        policy.due_at(AWARE, -1)
    with pytest.raises(TypeError):
        policy.due_at(AWARE, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        policy.due_at("2026-03-06T17:00+08:00", 24)  # type: ignore[arg-type]


_starts = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)
)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: type(p).__name__)
@given(start=_starts, hours=st.integers(0, 24 * 15), progress=st.floats(0, 1))
def test_due_and_fraction_agree(
    policy: DeadlinePolicy, start: datetime, hours: int, progress: float
) -> None:
    due = policy.due_at(start, hours)
    assert due.tzinfo is UTC
    assert due - start >= timedelta(hours=hours)  # days off can only stretch a deadline
    assert policy.fraction_elapsed(start, due, due) == 1.0
    assert policy.fraction_elapsed(start, due, start) == (1.0 if hours == 0 else 0.0)
    middle = start + (due - start) * progress
    assert 0.0 <= policy.fraction_elapsed(start, due, middle) <= 1.0


@given(start=_starts, days=st.integers(1, 10))
def test_working_day_deadlines_keep_the_clock_time(start: datetime, days: int) -> None:
    policy = POLICIES[1]
    assert isinstance(policy, WorkingDays)
    local_start = start.astimezone(CST)
    due = policy.due_at(start, 24 * days).astimezone(CST)
    if policy.calendar.is_working_day(local_start.date()):
        assert due.time() == local_start.time()
        working = [
            local_start.date() + timedelta(days=n)
            for n in range(1, (due.date() - local_start.date()).days + 1)
        ]
        assert sum(map(policy.calendar.is_working_day, working)) == days
        assert policy.calendar.is_working_day(due.date())


# --- HolidayCalendar --------------------------------------------------------------------------


def test_the_package_has_the_2026_notice(calendar: HolidayCalendar) -> None:
    """The State Council's notice for 2026: 33 days off (weekends inside the breaks included),
    six make-up days, 248 working days."""
    calendar = HolidayCalendar(
        frozenset(d for d in calendar.holidays if d.year == 2026),
        frozenset(d for d in calendar.workdays if d.year == 2026),
    )
    assert len(calendar.holidays) == 33
    assert len(calendar.workdays) == 6
    year = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    assert sum(map(calendar.is_working_day, year)) == 248


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # New Year's Day, a Thursday
        (date(2026, 1, 4), True),  # make-up Sunday
        (date(2026, 2, 17), False),  # Spring Festival
        (date(2026, 2, 28), True),  # make-up Saturday
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 3, 9), True),  # an ordinary Monday
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),
        (date(2010, 2, 20), True),  # make-up Saturday for the 2010 Spring Festival
        (date(2010, 2, 15), False),
    ],
)
def test_is_working_day(calendar: HolidayCalendar, day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


def _write(tmp_path: Path, text: str, name: str = "cal.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_accepts_dates_strings_and_ranges(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "holidays:\n  - 2030-01-01\n  - '2030-02-01'\n  - 2030-05-01..2030-05-03\n"
        "workdays: [2030-05-04]\n",
    )
    cal = HolidayCalendar.load(path)
    assert cal.holidays == {date(2030, 1, 1), date(2030, 2, 1)} | {
        date(2030, 5, d) for d in (1, 2, 3)
    }
    assert cal.workdays == {date(2030, 5, 4)}


def test_load_empty_file_is_weekends_only(tmp_path: Path) -> None:
    assert HolidayCalendar.load(_write(tmp_path, "")) == HolidayCalendar()


def test_load_dir_merges_years(tmp_path: Path) -> None:
    _write(tmp_path, "holidays: [2030-01-01]\n", "cn-2030.yaml")
    _write(tmp_path, "holidays: [2031-01-01]\nworkdays: [2031-01-04]\n", "cn-2031.yaml")
    _write(tmp_path, "not: read\n", "notes.txt")
    cal = HolidayCalendar.load_dir(tmp_path)
    assert cal.holidays == {date(2030, 1, 1), date(2031, 1, 1)}
    assert cal.workdays == {date(2031, 1, 4)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 2030-01-01\n", "expected a mapping"),
        ("holiday: [2030-01-01]\n", "unknown key 'holiday'"),
        ("holidays: 2030-01-01\n", "holidays: expected a list"),
        ("holidays: [2030-13-01]\n", "not valid YAML: month must be in 1..12"),
        ("holidays: ['2030-02-30']\n", "'2030-02-30' is not a YYYY-MM-DD date"),
        ("holidays: [tomorrow]\n", "'tomorrow' is not a YYYY-MM-DD date"),
        ("holidays: [12]\n", "12 is not a date"),
        ("holidays: [2030-01-01 10:00:00]\n", "is not a date"),
        ("holidays: [2030-05-03..2030-05-01]\n", "ends before it starts"),
        ("holidays: [2030-05-04]\nworkdays: [2030-05-04]\n", "both as a holiday and as a workday"),
        ("workdays: [2030-05-06]\n", "workday 2030-05-06 is a Monday"),
        ("holidays: [2030-01-01\n", "not valid YAML"),
    ],
)
def test_bad_calendar_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InvalidCalendar, match=message) as caught:
        HolidayCalendar.load(path)
    assert str(path) in str(caught.value)


# --- the package's range and the local overrides ----------------------------------------------


def test_a_deadline_past_the_calendar_is_refused_not_guessed(working_days: WorkingDays) -> None:
    # Thursday 31 Dec 2026: one working day later is in 2027, which the package does not know.
    with pytest.raises(BeyondCalendar, match="no holiday calendar for 2027") as caught:
        working_days.due_at(cst(2026, 12, 31, 10), 24)
    assert caught.value.year == 2027
    assert "covers: 2027" in str(caught.value)
    assert working_days.due_at(cst(2026, 12, 30, 10), 24) == cst(2026, 12, 31, 10)


def test_local_file_corrects_the_package_and_can_cover_a_new_year(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "covers: 2027\nholidays: [2026-12-31, 2027-01-01..2027-01-03]\n"
        "workdays: [2027-01-09, 2026-10-04]\n",
    )
    calendar = HolidayCalendar.chinese(HolidayCalendar.load_dir(tmp_path))
    assert not calendar.is_working_day(date(2026, 12, 31))  # a local day off
    assert calendar.is_working_day(date(2026, 10, 4))  # worked, though the package says holiday
    policy = WorkingDays(calendar)
    # Wed 30 Dec 10:00 + 2 working days: 31 Dec, 1-3 Jan off, Mon 4 Jan, Tue 5 Jan 10:00.
    assert policy.due_at(cst(2026, 12, 30, 10), 48) == cst(2027, 1, 5, 10)
    with pytest.raises(BeyondCalendar):
        calendar.is_working_day(date(2028, 1, 3))


def test_the_shipped_override_file_documents_its_format() -> None:
    text = (LOCAL / "local.yaml").read_text(encoding="utf-8")
    assert all(word in text for word in ("holidays:", "workdays:", "covers:"))
    assert HolidayCalendar.load_dir(LOCAL) == HolidayCalendar()


@pytest.mark.parametrize("covers", ["covers: twenty\n", "covers: [2027, true]\n"])
def test_bad_covers_are_refused(tmp_path: Path, covers: str) -> None:
    with pytest.raises(InvalidCalendar, match="covers: expected a year"):
        HolidayCalendar.load(_write(tmp_path, covers))
