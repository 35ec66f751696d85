import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.volunteers.availability import (
    Availability,
    InvalidAvailability,
    QuietHours,
    Window,
)

CST = ZoneInfo("Asia/Shanghai")
WEEK = 7 * 24 * 60


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


# 2026-03-02 is a Monday; the week of 2 to 8 March has no public holiday (not that it matters).
MON, TUE, FRI, SAT, SUN = (cst(2026, 3, d) for d in (2, 3, 6, 7, 8))


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


# --- parsing and canonical text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00", "Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00"),
        ("Mon 09:00-12:00, 14:00-17:00", "Mon 09:00-12:00, 14:00-17:00"),
        ("Mon 09:00-12:00, Tue 14:00-17:00", "Mon 09:00-12:00; Tue 14:00-17:00"),
        ("mon - fri 18:00 - 21:00", "Mon-Fri 18:00-21:00"),
        ("Monday, Wednesday 9-12", "Mon,Wed 09:00-12:00"),
        ("Sat Sun 9:30-11", "Sat,Sun 09:30-11:00"),
        ("Sat/Sun all day", "Sat,Sun 00:00-24:00"),
        ("Mon,Tue,Wed,Fri 8-9", "Mon-Wed,Fri 08:00-09:00"),
        ("Fri-Mon 10-12", "Mon,Fri-Sun 10:00-12:00"),  # a day range may wrap the weekend
        ("weekdays 18:00-21:00, weekends 09:00-18:00", "Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00"),
        ("daily 7-8", "Mon-Sun 07:00-08:00"),
        ("every day 7-8", "Mon-Sun 07:00-08:00"),
        ("18:00-21:00", "Mon-Sun 18:00-21:00"),  # no days: every day
        ("Sat", "Sat 00:00-24:00"),  # no times: the whole day
        ("Mon 9-12\nTue 14-16;", "Mon 09:00-12:00; Tue 14:00-16:00"),
        ("Fri 22:00-02:00", "Fri 22:00-02:00"),
        ("Mon 22:00-00:00", "Mon 22:00-24:00"),
        ("Mon 22:00-24:00; Tue 00:00-02:00", "Mon 22:00-02:00"),  # one stretch past midnight
        ("Mon 09:00-12:00, 11:00-13:00; Mon 13:00-14:00", "Mon 09:00-14:00"),  # overlaps merge
        (
            "Mon 12:00-24:00; Tue 00:00-24:00; Wed 00:00-12:00",
            "Mon 12:00-24:00; Tue 00:00-24:00; Wed 00:00-12:00",
        ),
    ],
)
def test_parse_and_canonical_text(text: str, canonical: str) -> None:
    availability = Availability.parse(text)
    assert availability.to_text() == canonical
    assert Availability.parse(canonical) == availability


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            "周一至周五 18:00-21:00；周六、周日 9:00-18:00",
            "Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00",
        ),
        ("星期一到星期五 １８：００－２１：００", "Mon-Fri 18:00-21:00"),
        ("周一至五 9-12", "Mon-Fri 09:00-12:00"),
        ("周一、三、五 14:00～17:00", "Mon,Wed,Fri 14:00-17:00"),
        ("周末 全天", "Sat,Sun 00:00-24:00"),
        ("周日 8-10", "Sun 08:00-10:00"),
        ("星期天 8-10", "Sun 08:00-10:00"),
        ("每天 19:00-20:00", "Mon-Sun 19:00-20:00"),
        ("周一 9-12、周三 14-17", "Mon 09:00-12:00; Wed 14:00-17:00"),
    ],
)
def test_chinese_day_names_and_full_width_forms(text: str, canonical: str) -> None:
    assert Availability.parse(text).to_text() == canonical


@pytest.mark.parametrize(
    "text", ["", "   ", "always", "Always", "ANY", "anytime", "随时", "全天", "Mon-Sun 00:00-24:00"]
)
def test_always_available(text: str) -> None:
    availability = Availability.parse(text)
    assert availability.is_always
    assert availability == Availability()
    assert availability.to_text() == "always"
    assert availability.to_json() == []
    assert availability.is_available(at(SUN, 3))


def test_equivalent_texts_are_equal() -> None:
    assert Availability.parse("Sat,Sun 9-18; Mon-Fri 18-21") == Availability.parse(
        "周一至周五 18:00-21:00；周末 09:00-18:00"
    )


@pytest.mark.parametrize(
    ("text", "bad_part"),
    [
        ("Funday 9-12", "'funday'"),
        ("Mon 9-12 please", "'9-12 please'"),
        ("Mon 9am-12pm", "'9am-12pm'"),
        ("Mon 25:00-26:00", "'25:00'"),
        ("Mon 9:60-10", "'9:60'"),
        ("Mon 24:30-02:00", "'24:30'"),
        ("Mon 24:00-02:00", "starts at 24:00"),
        ("Mon 12:00-12:00", "'12:00-12:00'"),
        ("Mon 9-12; Tue 14-", "'14-'"),
        ("Mon-Fri 18:00-21:00 Sat 9-18", "'18:00-21:00 Sat 9-18'"),
        (";;", "no availability"),
        ("Mon-Xyz 9-12", "'xyz'"),
    ],
)
def test_bad_text_names_the_bad_part(text: str, bad_part: str) -> None:
    with pytest.raises(InvalidAvailability) as caught:
        Availability.parse(text)
    assert bad_part in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_parse_refuses_non_text() -> None:
    with pytest.raises(InvalidAvailability):
        Availability.parse(None)  # type: ignore[arg-type]


# --- is_available ------------------------------------------------------------------------------

EVENINGS_AND_WEEKENDS = Availability.parse("Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00")


@pytest.mark.parametrize(
    ("when", "available"),
    [
        (at(MON, 17, 59), False),
        (at(MON, 18), True),  # the start is inside
        (at(MON, 20, 59), True),
        (at(MON, 21), False),  # the end is outside
        (at(FRI, 19), True),
        (at(SAT, 8, 59), False),
        (at(SAT, 9), True),
        (at(SUN, 17, 59), True),
        (at(SUN, 18), False),
    ],
)
def test_is_available(when: datetime, available: bool) -> None:
    assert EVENINGS_AND_WEEKENDS.is_available(when) is available


@pytest.mark.parametrize(
    ("when", "available"),
    [
        (at(FRI, 21, 59), False),
        (at(FRI, 22), True),
        (at(FRI, 23, 59), True),
        (at(SAT, 0), True),
        (at(SAT, 1, 59), True),
        (at(SAT, 2), False),
        (at(MON, 1), False),
    ],
)
def test_window_past_midnight(when: datetime, available: bool) -> None:
    assert Availability.parse("Fri 22:00-02:00").is_available(when) is available


def test_window_past_sunday_midnight_reaches_monday() -> None:
    availability = Availability.parse("Sun 22:00-02:00")
    assert availability.is_available(at(SUN, 23))
    assert availability.is_available(at(MON, 1))
    assert availability.is_available(at(cst(2026, 3, 9), 1))  # and every following Monday
    assert not availability.is_available(at(MON, 2))


def test_is_available_reads_the_local_wall_clock() -> None:
    # 10:00 UTC is 18:00 in Chongqing: a weekday evening.
    when = datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert EVENINGS_AND_WEEKENDS.is_available(when)
    assert not EVENINGS_AND_WEEKENDS.is_available(when, tz="Europe/London")


def test_is_available_refuses_naive_datetimes() -> None:
    with pytest.raises(TypeError, match="timezone-aware"):
        EVENINGS_AND_WEEKENDS.is_available(datetime(2026, 3, 2, 18))
    with pytest.raises(TypeError, match="timezone-aware"):
        Availability().is_available(datetime(2026, 3, 2, 18))


# --- storage -----------------------------------------------------------------------------------


def test_json_form() -> None:
    availability = Availability.parse("Fri 22:00-02:00; Sat 09:00-24:00")
    data = availability.to_json()
    assert data == [
        {"day": "fri", "start": "22:00", "end": "02:00"},
        {"day": "sat", "start": "09:00", "end": "24:00"},
    ]
    assert Availability.from_json(json.loads(json.dumps(data))) == availability


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"day": "mon"},
        ["mon 09:00-12:00"],
        [{"day": "mon", "start": "09:00"}],
        [{"day": "mon", "start": "09:00", "end": "12:00", "extra": 1}],
        [{"day": "funday", "start": "09:00", "end": "12:00"}],
        [{"day": "mon", "start": "9:00", "end": "12:00"}],
        [{"day": "mon", "start": "09:00", "end": "25:00"}],
        [{"day": "mon", "start": "24:00", "end": "02:00"}],
        [{"day": "mon", "start": "09:00", "end": "09:00"}],
    ],
)
def test_from_json_refuses_malformed_data(data: object) -> None:
    with pytest.raises(InvalidAvailability):
        Availability.from_json(data)


def test_windows_are_validated() -> None:
    with pytest.raises(InvalidAvailability):
        Window(7, 0, 60)
    with pytest.raises(InvalidAvailability):
        Window(0, 60, 60)
    with pytest.raises(InvalidAvailability):
        Window(0, 0, 0)


# --- properties --------------------------------------------------------------------------------


@st.composite
def _window_lists(draw: st.DrawFn) -> list[Window]:
    windows = []
    for _ in range(draw(st.integers(0, 8))):
        day = draw(st.integers(0, 6))
        start = draw(st.integers(0, 24 * 4 - 1)) * 15
        end = draw(st.integers(1, 24 * 4).filter(lambda q, s=start: q * 15 != s)) * 15
        windows.append(Window(day, start, end))
    return windows


def _covered(windows: list[Window]) -> set[int]:
    """Minutes of the week a list of windows covers, by brute force."""
    minutes: set[int] = set()
    for window in windows:
        start, end = window.minutes
        minutes.update(m % WEEK for m in range(start, end))
    return minutes


@given(_window_lists())
def test_canonical_form_covers_the_same_minutes(windows: list[Window]) -> None:
    availability = Availability(tuple(windows))
    expected = _covered(windows) if windows else set(range(WEEK))
    canonical = _covered(list(availability.windows)) if availability.windows else set(range(WEEK))
    assert canonical == expected


@given(_window_lists())
def test_text_and_json_round_trip(windows: list[Window]) -> None:
    availability = Availability(tuple(windows))
    assert Availability.parse(availability.to_text()) == availability
    assert Availability.from_json(availability.to_json()) == availability
    assert Availability(availability.windows) == availability  # canonical is a fixed point


@given(_window_lists(), st.integers(0, WEEK - 1))
def test_is_available_matches_the_windows(windows: list[Window], minute: int) -> None:
    availability = Availability(tuple(windows))
    when = MON + timedelta(minutes=minute, seconds=30)
    assert availability.is_available(when) is (not windows or minute in _covered(windows))


_loose_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="MonTueFriSatSun周一二五末至 -~,;、：:0123456789\n", max_size=60),
)


@given(_loose_text)
def test_parse_only_raises_invalid_availability(text: str) -> None:
    try:
        availability = Availability.parse(text)
    except InvalidAvailability:
        return
    assert Availability.parse(availability.to_text()) == availability


# --- quiet hours -------------------------------------------------------------------------------

NIGHT = QuietHours()


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [
        (time(20, 59), False),
        (time(21, 0), True),
        (time(23, 59, 59), True),
        (time(0, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),
        (time(12, 0), False),
    ],
)
def test_default_quiet_hours_run_past_midnight(clock: time, quiet: bool) -> None:
    assert NIGHT.contains(clock) is quiet


def test_quiet_hours_within_one_day() -> None:
    nap = QuietHours(time(13), time(14, 30))
    assert [nap.contains(time(h, m)) for h, m in [(12, 59), (13, 0), (14, 29), (14, 30)]] == [
        False,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("when", "end"),
    [
        (at(MON, 23), at(TUE, 8)),  # late evening: tomorrow morning
        (at(TUE, 7), at(TUE, 8)),  # early morning: this morning
        (at(MON, 21), at(TUE, 8)),
        (at(MON, 12), at(TUE, 8)),  # not quiet now: the end of the next quiet period
        (at(MON, 8), at(TUE, 8)),  # the end itself is not quiet
    ],
)
def test_next_end(when: datetime, end: datetime) -> None:
    assert NIGHT.next_end(when) == end


@pytest.mark.parametrize(
    ("when", "send_at"),
    [(at(MON, 23), at(TUE, 8)), (at(TUE, 7, 30), at(TUE, 8)), (at(MON, 12), at(MON, 12))],
)
def test_postpone_holds_messages_only_in_quiet_hours(when: datetime, send_at: datetime) -> None:
    assert NIGHT.postpone(when) == send_at


def test_quiet_hours_read_the_local_wall_clock() -> None:
    when = datetime(2026, 3, 2, 15, tzinfo=UTC)  # 23:00 in Chongqing
    assert NIGHT.is_quiet(when)
    assert NIGHT.next_end(when) == datetime(2026, 3, 3, 0, tzinfo=UTC)  # 08:00 CST
    assert not NIGHT.is_quiet(when, tz="Europe/London")


def test_quiet_hours_refuse_naive_datetimes() -> None:
    with pytest.raises(TypeError, match="timezone-aware"):
        NIGHT.next_end(datetime(2026, 3, 2, 23))
    with pytest.raises(TypeError, match="timezone-aware"):
        NIGHT.postpone(datetime(2026, 3, 2, 23))


def test_quiet_hours_are_wall_clock_times() -> None:
    with pytest.raises(TypeError):
        QuietHours(time(21, tzinfo=UTC), time(8))
    with pytest.raises(InvalidAvailability):
        QuietHours(time(8), time(8))


@pytest.mark.parametrize(
    ("text", "quiet"),
    [
        ("21:00-08:00", QuietHours()),
        ("２２：３０～７：００", QuietHours(time(22, 30), time(7))),
        ("22-24", QuietHours(time(22), time(0))),
    ],
)
def test_quiet_hours_parse(text: str, quiet: QuietHours) -> None:
    assert QuietHours.parse(text) == quiet
    assert QuietHours.parse(quiet.to_text()) == quiet


@pytest.mark.parametrize("text", ["", "21:00", "night", "25:00-08:00", "08:00-08:00"])
def test_quiet_hours_parse_refuses_junk(text: str) -> None:
    with pytest.raises(InvalidAvailability):
        QuietHours.parse(text)


_clocks = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))


@given(
    st.tuples(_clocks, _clocks).filter(lambda pair: pair[0] != pair[1]),
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
)
def test_next_end_and_postpone_properties(bounds: tuple[time, time], when: datetime) -> None:
    quiet = QuietHours(*bounds)
    end = quiet.next_end(when)
    assert when < end <= when + timedelta(days=1)
    assert end.astimezone(CST).time() == quiet.end
    assert quiet.is_quiet(end - timedelta(seconds=1)) and not quiet.is_quiet(end)
    send_at = quiet.postpone(when)
    assert send_at >= when and not quiet.is_quiet(send_at)
    assert send_at == when or quiet.is_quiet(when)
