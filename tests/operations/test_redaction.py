"""What a log line may not carry: numbers as people type them, link tokens, secrets."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.operations import logs, tracing
from app.operations.logs import JsonLines, redact


@pytest.mark.parametrize(
    ("said", "logged"),
    [
        ("from +8613800138000", "from …8000"),
        ("call 138 0013 8000 now", "call …8000 now"),
        ("landline 023-6123-4567.", "landline …4567."),
        ("GET /o/Zk3vA9_x-q2/accept", "GET /o/…/accept"),
        ("POST /providers/aliyun/sms-up/long-secret-123", "POST /providers/aliyun/sms-up/…"),
        ("?api_key=abc123&page=2", "?api_key=…&page=2"),
    ],
)
def test_numbers_tokens_and_secrets_are_masked(said, logged):
    assert redact(said) == logged


@pytest.mark.parametrize(
    "kept",
    ["at 2026-11-29 06:33:41", "ticket 482913", "SM5f3a1234567890abcdef1234567890", "12.5 ms"],
)
def test_dates_ids_and_durations_are_kept(kept):
    assert redact(kept) == kept


def test_a_json_line_carries_the_bound_trace_and_is_redacted():
    record = logging.LogRecord("app.x", logging.INFO, __file__, 1, "to %s", ("13800138000",), None)
    record.status = 200
    with tracing.bound(trace="SM1", request_id="r1"):
        line = json.loads(JsonLines().format(record))
    assert line["msg"] == "to …8000"
    assert (line["trace"], line["request_id"], line["status"]) == ("SM1", "r1", 200)
    assert line["ts"].endswith("+00:00")


@given(st.text(alphabet='0123456789 +-./?&="sodkeyTOKENprovidersali_x中', max_size=40))
def test_skipping_replacements_that_cannot_match_changes_nothing(text):
    """`redact` skips the link and secret replacements for text without "/" or "="; the result
    must be what all three replacements give."""
    masked = logs._NUMBER.sub(logs._last_four, text)
    masked = logs._LINK_TOKEN.sub(r"\1…", masked)
    assert redact(text) == logs._SECRET_PARAM.sub(r"\1…", masked)
