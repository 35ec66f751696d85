"""Log lines as JSON, each with the bound trace fields, never with a phone number, a link token or
a resident's words.

Nothing logs a message body; numbers and tokens can still reach a line through an error message
or a request path, so every line passes `redact` on its way out, whatever the format.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from app.operations import tracing

# A phone number as people type it (13800138000, +86 138 0013 8000, 023-6123-4567): groups of
# digits with single spaces or hyphens, seven digits or more in all. Not a date (2026-11-29),
# not the digits inside a provider's id (SM5f3…).
_NUMBER = re.compile(r"(?<![\w.+-])\+?\d{2,4}(?:[ -]?\d{3,4}){1,3}(?!\w)")
# The secret part of a resident's, volunteer's or liaison's link, and of a callback URL.
_LINK_TOKEN = re.compile(r"(/(?:s|o|d|providers/[a-z]+/[a-z-]+)/)[^/\s\"?]+")
_SECRET_PARAM = re.compile(r"((?:token|key|secret|signature)=)[^&\s\"]+", re.IGNORECASE)
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)  # what json.dumps would build per line
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_HANDLER_NAME = "hotline"


def redact(text: str) -> str:
    """Mask numbers down to their last four digits, and link tokens and secrets entirely.

    A link token follows a "/" and a secret an "=": text without them (most values: levels,
    ids, durations) skips those replacements."""
    text = _NUMBER.sub(_last_four, text)
    if "/" in text:
        text = _LINK_TOKEN.sub(_keep_prefix, text)
    if "=" in text:
        text = _SECRET_PARAM.sub(_keep_prefix, text)
    return text


def _keep_prefix(match: re.Match[str]) -> str:
    return match.group(1) + "…"


def _last_four(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "…" + digits[-4:] if len(digits) >= 7 else match.group()


def line_fields(record: logging.LogRecord) -> dict[str, object]:
    """The record's own `extra=` values and the bound trace fields."""
    extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    return {**tracing.fields(), **extra}


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **line_fields(record),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        redacted = {k: redact(v) if isinstance(v, str) else v for k, v in line.items()}
        return _ENCODER.encode({"ts": when, **redacted})


class Plain(logging.Formatter):
    """Human-readable lines with the same fields and the same redaction."""

    def format(self, record: logging.LogRecord) -> str:
        tail = " ".join(f"{k}={v}" for k, v in line_fields(record).items())
        return redact(f"{super().format(record)} {tail}".rstrip())


def configure(fmt: str = "json", level: str = "INFO") -> None:
    """Send every logger's lines to stderr in `fmt` ("json" or "text"). Idempotent."""
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        JsonLines() if fmt == "json" else Plain("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level.upper())
    # The request line comes from app.operations.web, with its route and trace; the migration
    # and scheduler libraries say every step at INFO, which is noise for whoever runs the line,
    # and the twilio client writes eleven lines for each message it sends (the worker's own
    # "sms sent" line, with the message and its sid, is the one that matters).
    for chatty in ("werkzeug", "alembic", "apscheduler", "twilio.http_client"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
