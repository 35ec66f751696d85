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
    clients = [app.test_client() for _ in range(count)]

    def ready(n: int) -> None:
        if prepare is not None:
            prepare(clients[n])

    return together(count, lambda n: act(clients[n]), ready)


def together(
    count: int, act: Callable[[int], T], prepare: Callable[[int], object] | None = None
) -> list[T]:
    """`act(n)` for n in range(count), each on its own thread, released at the same instant
    once every `prepare(n)` is done; the results in order."""
    start = threading.Barrier(count)

    def one(n: int) -> T:
        if prepare is not None:
            prepare(n)
        start.wait()
        return act(n)

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
