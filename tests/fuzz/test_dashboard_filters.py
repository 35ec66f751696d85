"""Fuzzing the dashboard's query strings as a logged-in admin: the queue, its live rows and the
reports take any community, department, date, status or search text with a 2xx or 4xx, never a
5xx (superscript digits, 20-digit ids, dates at the edge of the calendar included)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.hostile import FUZZ, check, extreme_dates, numbers, parameter_values, values
from tests.support.staff import log_in, staff

pytestmark = pytest.mark.fuzz

PAGES = ["/dashboard/", "/dashboard/queue.csv", "/dashboard/reports", "/dashboard/residents"]
TEXT_ARGS = ["status", "category", "channel", "q", "urgent"]
# Each filter gets the spellings that once broke it: numbers for ids, date-times for dates.
filters = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["community", "department"]), numbers),
        st.tuples(st.sampled_from(["start", "end"]), st.one_of(extreme_dates, parameter_values)),
        st.tuples(st.sampled_from(TEXT_ARGS), values),
    ),
    max_size=4,
).map(dict)


@pytest.fixture
def admin(client, ctx):
    staff("admin")
    log_in(client, "admin")
    return client


@FUZZ
@given(page=st.sampled_from(PAGES), args=filters)
def test_dashboard_pages_take_any_filter(admin, page, args):
    check(admin.get(page, query_string=args))
