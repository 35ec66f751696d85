"""Input no client sends in good faith is refused at the door with 400, never a server error.

Every number, date or time a request carries is read through the functions here, not with
`str.isdigit()` and `int()`: `"²".isdigit()` is true but `int("²")` fails, `int()` takes an id no
column can hold (`99999999999999999999`), `float()` takes `inf`, and a date-time at the edge of
the calendar (`0001-01-01T00:00:00+14:00`) cannot be moved to UTC. Each function returns None
for an absent value and raises `BadInput` (answered 400) for one that is present but unusable.

NUL characters: PostgreSQL text cannot hold them (the insert would fail with a server error),
and no phone, browser form or the provider puts one in a field. Such a request answers 400.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest value an integer column holds on every database we run on
MAX_SECONDS = 10**8  # a duration beyond this (three years) is not one
MAX_UNIX_TIME = 32_503_680_000  # 3000-01-01: a clock reading in seconds beyond it is not one
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
_WHOLE = re.compile(r"[0-9]{1,12}")
_DECIMAL = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,12})?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadInput(ValueError):
    """A request field that is present but unusable; the message names it and says why."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")
        self.field = field


def whole_number(raw: str | None, field: str, maximum: int = MAX_ID) -> int | None:
    """ASCII digits only, at most `maximum`."""
    if raw is None or raw == "":
        return None
    if not _WHOLE.fullmatch(raw) or int(raw) > maximum:
        raise BadInput(field, f"expected a whole number from 0 to {maximum}")
    return int(raw)


def decimal(raw: str | None, field: str) -> float | None:
    """A plain decimal number (ASCII, no exponent, never inf or NaN)."""
    if raw is None or raw == "":
        return None
    if not _DECIMAL.fullmatch(raw):
        raise BadInput(field, "expected a decimal number")
    number = float(raw)
    assert math.isfinite(number)  # the pattern admits at most 25 digits
    return number


def seconds(raw: str | None, field: str) -> int | None:
    """A duration in whole seconds (a fraction is dropped)."""
    number = decimal(raw, field)
    if number is None:
        return None
    if not 0 <= number <= MAX_SECONDS:
        raise BadInput(field, f"expected seconds from 0 to {MAX_SECONDS}")
    return int(number)


def aware_datetime(raw: str | None, field: str) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset, between the years 1900 and 3000, in UTC."""
    if raw is None or raw == "":
        return None
    if not raw.isascii():
        raise BadInput(field, "expected an ISO 8601 date-time")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise BadInput(field, "expected an ISO 8601 date-time") from error
    if moment.tzinfo is None:
        raise BadInput(field, "the date-time must carry a UTC offset")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:00+14:00 is before the calendar starts
        raise BadInput(field, "the date-time is out of range") from error
    if not EARLIEST <= moment < LATEST:
        raise BadInput(field, "the date-time is out of range")
    return moment


def calendar_date(raw: str | None, field: str) -> date | None:
    """A YYYY-MM-DD date between the years 1900 and 3000."""
    if raw is None or raw == "":
        return None
    try:
        day = date.fromisoformat(raw) if raw.isascii() and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST.date() <= day < LATEST.date():
        raise BadInput(field, "expected a date as YYYY-MM-DD")
    return day


def local_path(raw: str | None, field: str) -> str | None:
    """A path on this site (for a redirect), or None for anything else. Control characters
    (a CR/LF would split the Location header) are refused outright."""
    if not raw:
        return None
    if _CONTROL.search(raw):
        raise BadInput(field, "control characters are not accepted")
    return raw


class DatabaseId(IntegerConverter):
    """`<int:...>` in a route: ASCII digits no integer column overflows on. Other spellings
    (`²`, 20 digits) find no route (404) instead of reaching the database."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]


def refuse_nul() -> None:
    fields = (pair for values in (request.args, request.form) for pair in values.items(multi=True))
    if any("\x00" in text for text in (request.path, *(t for pair in fields for t in pair))):
        abort(400, description="NUL characters are not accepted")


def bad_request(error: BadInput) -> Response:
    return Response(f"400 Bad Request: {error}\n", status=400, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Before any blueprint: the bounded integer converter applies to routes added after it."""
    app.url_map.converters["int"] = DatabaseId
    app.before_request(refuse_nul)
    app.register_error_handler(BadInput, bad_request)
