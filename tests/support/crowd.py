"""Many people pressing the same button at once: one thread per request, released together.

Each thread gets its own test client (its own cookies, app context and database session), so the
requests race the way requests on several server workers do.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.texting import post_signed, run_jobs, sms_form

T = TypeVar("T")


def at_once(
    app: Flask,
    count: int,
    act: Callable[[FlaskClient], T],
    prepare: Callable[[FlaskClient], object] | None = None,
) -> list[T]:
    """Run `act` on `count` threads at the same instant; `prepare` runs first on each client
    (open the page, log in) so only the racing request is timed together."""
    start = threading.Barrier(count)

    def one(_: int) -> T:
        client = app.test_client()
        if prepare is not None:
            prepare(client)
        start.wait()
        return act(client)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def csrf_form(client: FlaskClient, path: str, **fields: str) -> dict[str, str]:
    """The fields of the form on `path`, with the CSRF token the page gave this client."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return {"csrf_token": token[1], **fields}


def texts_at_once(app: Flask, count: int, phone: str, body: str) -> list[TestResponse]:
    """`body` from `phone` `count` times at the same instant, each a signed webhook with its own
    message id (a phone resending); the worker then runs the jobs they asked for."""

    def send(client: FlaskClient) -> TestResponse:
        return post_signed(client, "/twilio/sms", sms_form(phone, body, "SM" + uuid.uuid4().hex))

    responses = at_once(app, count, send)
    run_jobs(app)
    return responses
