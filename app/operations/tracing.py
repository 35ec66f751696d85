"""Which resident text or call a piece of work belongs to, from the webhook to the worker.

A webhook binds the provider's id of what arrived (MessageSid, CallSid or a gateway's sequence
id) as the trace; jobs and outbound messages written while it is bound store it, and the worker
binds it again when it runs the job or sends the message. Every log line carries the bound
fields, so one text can be followed through every process by its id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_fields: ContextVar[dict[str, str]] = ContextVar("hotline_log_fields", default={})  # noqa: B039

TRACE = "trace"


def current_trace() -> str | None:
    """The trace bound now, if any: a column default for jobs and messages."""
    return _fields.get().get(TRACE)


def fields() -> dict[str, str]:
    return _fields.get()


@contextmanager
def bound(**values: str | None) -> Iterator[None]:
    """Add `values` (None ones are skipped) to every log line and row written inside."""
    token = _fields.set(_fields.get() | {k: v for k, v in values.items() if v})
    try:
        yield
    finally:
        _fields.reset(token)


def bind(**values: str | None) -> Token[dict[str, str]]:
    """Like `bound`, until `unbind` (a request binds at its start and unbinds at its end: a
    server thread that serves the next request must not carry this one's trace)."""
    return _fields.set(_fields.get() | {k: v for k, v in values.items() if v})


def unbind(token: Token[dict[str, str]]) -> None:
    _fields.reset(token)
