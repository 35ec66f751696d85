"""Only one scheduler runs the sweeps at a time; a dead one's lease lapses."""

from __future__ import annotations

from datetime import timedelta

from app.db import db
from app.scheduling import lease
from app.scheduling.lease import SWEEPS as LEASE_NAME
from app.scheduling.runner import run_sweeps_once
from app.scheduling.sweeps import SWEEPS

TTL = timedelta(seconds=60)


def test_second_holder_waits_until_the_lease_lapses(ctx, clock):
    assert lease.acquire(db.session, LEASE_NAME, "worker-a", TTL)
    assert not lease.acquire(db.session, LEASE_NAME, "worker-b", TTL)
    assert lease.acquire(db.session, LEASE_NAME, "worker-a", TTL)  # renewing
    clock.advance(seconds=61)
    assert lease.acquire(db.session, LEASE_NAME, "worker-b", TTL)
    assert not lease.acquire(db.session, LEASE_NAME, "worker-a", TTL)


def test_release_hands_over_at_once(ctx, clock):
    lease.acquire(db.session, LEASE_NAME, "worker-a", TTL)
    lease.release(db.session, LEASE_NAME, "worker-a")
    assert lease.acquire(db.session, LEASE_NAME, "worker-b", TTL)


def test_only_the_holder_runs_the_sweeps(app, clock, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(
        "app.scheduling.runner.SWEEPS", [*SWEEPS, ("probe", lambda session: calls.append("x"))]
    )
    assert "probe" in run_sweeps_once(app, "worker-a")
    assert run_sweeps_once(app, "worker-b") == []
    assert calls == ["x"]
