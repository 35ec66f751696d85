"""The street of the end-to-end walks, for watching the line run."""

from __future__ import annotations

import pytest

from tests.e2e.street import Walk, build_street
from tests.support.worker import TestWorker


@pytest.fixture
def walk(app, client, ctx, clock, twilio_double) -> Walk:
    build_street()
    return Walk(client, TestWorker(app, twilio_double))
