"""Each input that once gave a 500 is refused with a 4xx, and nothing is stored: the issue's list
(extreme time zones, CR/LF in a redirect, inf, a Unicode digit that `str.isdigit()` accepts and
`int()` does not, an id no column holds), request by request, and the parsing helper itself."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.bad_input import (
    BadInput,
    aware_datetime,
    calendar_date,
    decimal,
    seconds,
    whole_number,
)
from tests.fuzz.hostile import stored
from tests.support.staff import csrf_token, log_in, staff
from tests.support.texting import post_signed

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "query",
    [
        "start_date=0001-01-01T00:00:00%2B14:00",
        "end_date=9999-12-31T23:59:59-14:00",
        "start_date=2026-11-2²T00:00:00Z",
        "end_date=1e309",
    ],
)
def test_open311_dates_at_the_edge_of_the_calendar_are_a_400(client, ctx, query):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    assert response.get_json()[0]["code"] == 400


@pytest.mark.parametrize("field", ["\r\nSet-Cookie: x=1", "/dashboard/\r\nLocation: //evil"])
def test_a_language_switch_with_cr_lf_in_next_is_a_400(client, ctx, field):
    token = csrf_token(client)
    response = client.post("/language", data={"lang": "en", "next": field, "csrf_token": token})
    assert response.status_code == 400
    assert "Set-Cookie: x" not in str(response.headers)
    login = client.get("/login?next=/dashboard/%0d%0aX-Injected:%20yes")
    assert login.status_code == 200  # shown; refused only when the redirect would happen


@pytest.mark.parametrize("value", ["²", "1²", HUGE, "-5"])
def test_superscript_digits_and_huge_numbers_in_provider_callbacks_are_a_400(client, ctx, value):
    sms = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": value}
    assert post_signed(client, "/twilio/status/sms", sms).status_code == 400
    call = {"CallSid": "CA1", "CallStatus": "completed", "CallDuration": value}
    assert post_signed(client, "/twilio/status/call", call).status_code == 400
    step = f"/twilio/voice/step?node=greeting&n={value}"
    assert post_signed(client, step, {"CallSid": "CA1", "Digits": "1"}).status_code == 400
    assert stored() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/?community=²",
        f"/dashboard/?community={HUGE}",
        "/dashboard/queue.csv?community=²",
        "/dashboard/reports?community=²",
        f"/dashboard/reports?department={HUGE}",
        "/dashboard/reports?start=2026-11-0²",
        "/dashboard/reports?end=２０２６-11-25",
        "/dashboard/reports?start=0001-01-01",
    ],
)
def test_dashboard_filters_with_unusable_numbers_or_dates_are_a_400(client, ctx, path):
    staff("admin")
    log_in(client, "admin")
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("path", [f"/dashboard/residents/{HUGE}", "/dashboard/residents/²"])
def test_ids_in_paths_no_column_holds_find_nothing(client, ctx, path):
    staff("admin")
    log_in(client, "admin")
    assert client.get(path).status_code == 404
    assert client.get(f"/dashboard/reports/weekly/{HUGE}").status_code == 404


def test_the_helper_takes_what_clients_send_and_refuses_the_rest():
    assert whole_number("42", "n") == 42 and whole_number("", "n") is None
    assert seconds("12", "d") == 12 and seconds("12.7", "d") == 12
    assert decimal("0.83", "c") == 0.83
    assert aware_datetime("2026-11-25T10:00:00+08:00", "d") == datetime(2026, 11, 25, 2, tzinfo=UTC)
    assert aware_datetime("2026-11-25T02:00:00Z", "d") == datetime(2026, 11, 25, 2, tzinfo=UTC)
    assert calendar_date("2026-11-25", "d") == date(2026, 11, 25)
    refused = [
        (whole_number, "²"),
        (whole_number, "٣"),
        (whole_number, HUGE),
        (whole_number, "2147483648"),
        (whole_number, " 1"),
        (decimal, "inf"),
        (decimal, "NaN"),
        (decimal, "1e309"),
        (seconds, "-1"),
        (seconds, "inf"),
        (aware_datetime, "2026-11-25T10:00:00"),  # no offset
        (aware_datetime, "0001-01-01T00:00:00+14:00"),
        (aware_datetime, "9999-12-31T23:59:59-14:00"),
        (aware_datetime, "２０２６-11-25T10:00:00Z"),
        (calendar_date, "2026-11-2²"),
        (calendar_date, "20261125"),
        (calendar_date, "0001-01-01"),
    ]
    for parse, raw in refused:
        with pytest.raises(BadInput):
            parse(raw, "field")
