"""Pytest fixtures for the Twilio REST double (register with ``pytest_plugins`` in conftest)."""

from collections.abc import Iterator

import pytest

from tests.support.twilio_double import TwilioDouble


@pytest.fixture
def twilio_double() -> Iterator[TwilioDouble]:
    """A fresh double per test, on its own port, stopped (threads joined) afterwards."""
    with TwilioDouble() as double:
        yield double
