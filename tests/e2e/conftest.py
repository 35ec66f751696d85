"""The street, its worker, and a walk through both; time frozen on a Wednesday at 10:00."""

from __future__ import annotations

import pytest

from tests.e2e.street import Walk, build_street
from tests.support.worker import TestWorker


@pytest.fixture
def walk(app, client, ctx, clock, twilio_double) -> Walk:
    """The street built, and one worker tick already run (this week's supervision report)."""
    build_street()
    walk = Walk(client, TestWorker(app, twilio_double))
    walk.tick()
    return walk
