"""Every request's log line, trace and metrics: what the hooks around each request record."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from app.operations import metrics
from app.operations.logs import JsonLines
from tests.support.texting import post_signed


class Lines(logging.Handler):
    """Formats as the JSON log does, while the request's trace is still bound."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(JsonLines().format(record)))


@pytest.fixture
def lines() -> Iterator[list[dict[str, object]]]:
    handler, logger = Lines(), logging.getLogger("app.requests")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def answered(status: str) -> float:
    labels = {"route": "/twilio/ping", "method": "POST", "status": status}
    return metrics.PROCESS.get_sample_value("hotline_http_requests_total", labels) or 0.0


def test_a_webhook_is_traced_by_the_providers_id_and_counted(client: FlaskClient, lines):
    before = answered("204")
    first = post_signed(client, "/twilio/ping", {"CallSid": "CA9", "From": "+8613800138000"})
    second = post_signed(client, "/twilio/ping", {"From": "+8613800138000"})
    assert answered("204") == before + 2
    assert client.post("/twilio/ping").status_code == 403
    assert answered("403") >= 1
    call, other, refused = lines
    assert call["trace"] == "CA9"
    assert call["request_id"] == first.headers["X-Request-Id"]
    assert call["msg"] == "POST /twilio/ping answered 204"
    assert (call["status"], call["level"]) == (204, "info")
    assert other["trace"] == other["request_id"] == second.headers["X-Request-Id"]
    assert refused["status"] == 403
