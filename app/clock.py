"""The one seam through which the application reads the time.

Deadlines, offer expiry and quiet hours depend on "now"; tests move this clock, never sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return _now()


class FrozenClock:
    """A clock that only moves when told to; installed with `install()`."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise TypeError("FrozenClock needs an aware datetime")
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when.astimezone(UTC)

    def install(self) -> None:
        global _now
        _now = self

    @staticmethod
    def uninstall() -> None:
        global _now
        _now = lambda: datetime.now(UTC)  # noqa: E731
