"""Hostile input for the fuzz tests: random text plus the payloads attackers and broken phones send.

FUZZ_EXAMPLES sets how many examples each fuzz test tries (CI keeps it small; `make chaos`
raises it).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.db import db
from app.messaging.models import Message
from app.residents.models import Resident
from app.tickets.models import Ticket, TicketEvent
from app.voice.models import Call

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Markup that must never come back raw: if it does, it was rendered unescaped.
MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>"]
PAYLOADS = [
    *MARKUP,
    "' OR '1'='1' --",
    "'; DROP TABLE tickets; --",
    "1; SELECT pg_sleep(10)",
    "\x00",
    "\x1b[31mred\x1b[0m",
    "\r\nX-Injected: yes",
    "\u202eevil",
    "{{ 7*7 }}",
    "{% raw %}",
    "]]><!--",
    "../../etc/passwd",
    "%00%ff",
    "１３８００１３８０００",
    "+86 138 0013 8000",
    "0086 23 6152 0695",
    "-1",
    "99999999999999999999999",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "²",  # str.isdigit() says yes, int() says no
    "٣",
    "１２",
    "0001-01-01T00:00:00+14:00",  # cannot be moved to UTC
    "9999-12-31T23:59:59-14:00",
    "2026-11-2²",
    "/dashboard/\r\nSet-Cookie: x=1",
    "😀" * 100,
    "洗衣机" * 600,
    "A" * 5000,
]
# Numbers as text the way a broken client spells them: digits of other scripts and superscripts
# (Unicode categories Nd and No), ids no integer column holds, floats that are not finite.
unicode_digits = st.one_of(
    st.text(st.sampled_from("0123456789²³¹⁰⁹₂①⑨٣۵१１𝟙"), min_size=1, max_size=6),
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6),
)
huge_numbers = st.integers(min_value=2**31).map(str)
not_finite = st.sampled_from(["inf", "-inf", "nan", "Infinity", "1e309", "-1e309"])
# Date-times at the edges of the calendar with the widest offsets (+14:00, -14:00).
extreme_datetimes = st.builds(
    lambda moment, offset: moment.isoformat() + offset,
    st.one_of(
        st.datetimes(max_value=datetime(1, 1, 2)),
        st.datetimes(min_value=datetime(9999, 12, 30)),
        st.datetimes(),
    ),
    st.sampled_from(["+14:00", "-14:00", "-12:00", "Z", ""]),
)
extreme_dates = st.dates().map(date.isoformat)
# Text that would split a header if it reached one.
cr_lf = st.builds(
    lambda start, a, b: f"{start}{a}\r\n{b}",
    st.sampled_from(["", "/", "/dashboard/"]),
    st.text(max_size=20),
    st.text(max_size=20),
)
numbers = st.one_of(
    unicode_digits,
    huge_numbers,
    not_finite,
    st.integers().map(str),
    st.floats().map(str),
)
# For query parameters that name a number or a date: mostly the spellings above.
parameter_values = st.one_of(numbers, extreme_datetimes, extreme_dates, cr_lf)
values = st.one_of(
    st.text(max_size=200),
    st.sampled_from(PAYLOADS),
    numbers,
    extreme_datetimes,
    extreme_dates,
    cr_lf,
    st.binary(max_size=40).map(lambda raw: raw.decode("latin-1")),
)
TWILIO_FIELDS = [
    "MessageSid",
    "CallSid",
    "AccountSid",
    "From",
    "To",
    "Body",
    "Digits",
    "SpeechResult",
    "Confidence",
    "RecordingUrl",
    "RecordingSid",
    "RecordingDuration",
    "RecordingStatus",
    "CallStatus",
    "CallDuration",
    "DialCallStatus",
    "MessageStatus",
    "SmsStatus",
    "ErrorCode",
    "NumMedia",
]
field_names = st.one_of(st.sampled_from(TWILIO_FIELDS), st.text(min_size=1, max_size=20))
forms = st.lists(st.tuples(field_names, st.one_of(values, parameter_values)), max_size=10)
# Percent-encoded bytes that are not UTF-8, as a broken gateway might send them.
invalid_utf8 = st.binary(min_size=1, max_size=30).map(
    lambda raw: urlencode({"Body": raw, "From": b"\xc0\xaf\xff"})
)


def decoded(raw_body: str) -> list[tuple[str, str]]:
    """The form as the app reads it (invalid UTF-8 replaced), which is what a signer signs."""
    return parse_qsl(raw_body, keep_blank_values=True, errors="replace")


def stored() -> tuple[int, ...]:
    """Row counts of everything a webhook could write."""
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Message, Ticket, TicketEvent, Resident, Call)
    )


def check(response: TestResponse) -> None:
    """Never a server error; XML that parses; no markup echoed raw."""
    assert response.status_code < 500, (response.status_code, response.get_data()[:300])
    body = response.get_data(as_text=True)
    for markup in MARKUP:
        assert markup not in body, markup
    if response.status_code == 200 and response.mimetype in ("text/xml", "application/xml"):
        ET.fromstring(response.get_data())
