"""Deadline and survey sweeps over a million tickets with a few hundred due.

    .venv/bin/python bench/sweeps.py                      # SQLite in a temporary file
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/sweeps.py   # DROPS its tables

Builds BENCH_TICKETS (default 1,000,000) tickets with one INSERT ... SELECT over a generated
series (most closed long ago, ~10,000 open but not due, ~330 each due a reminder, a breach
notice and a survey), then times one run of each sweep (SMS queued and committed) against a
plain indexed count in the same database, and a second run that must find nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, text

import app.models  # noqa: F401  (every table, so drop_all drops them all)
from app import create_app
from app.clock import FrozenClock
from app.db import Base, UTCDateTime, db
from app.scheduling.sweeps import SWEEPS

N = int(os.environ.get("BENCH_TICKETS", "1000000"))
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Chongqing: not quiet
EVERY = 3000  # one ticket in EVERY is due for each sweep

ROWS = """
SELECT
  CAST(i AS VARCHAR(12)), 'sms', 'plumbing', 'bench', '', '', 'normal',
  CASE WHEN i % {every} = 0 THEN 'assigned' WHEN i % {every} = 1 THEN 'new'
       WHEN i % {every} = 2 THEN 'resolved' WHEN i % 100 = 50 THEN 'in_progress'
       ELSE 'closed' END,
  {false}, :old, :old, :old,
  CASE WHEN i % {every} = 0 THEN :soon WHEN i % 100 = 50 THEN :later ELSE :old END,
  CASE WHEN i % {every} = 0 OR i % 100 = 50 THEN :later ELSE :old END,
  CASE WHEN i % {every} = 1 THEN :old ELSE NULL END,
  CASE WHEN i % {every} = 2 THEN :resolved ELSE :old END,
  0, 1, 1
FROM {series}
"""
INSERT = """
INSERT INTO tickets (code, channel, category_code, description, building, address, priority,
  status, callback_requested, received_at, updated_at, last_report_at, remind_at, due_at,
  reminded_at, resolved_at, visits, resident_id, community_id)
"""


def build(n: int) -> None:
    """Empty schema, one community and resident, then n tickets in one statement."""
    engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    from app.cli import prepare_database

    prepare_database()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO communities (id, code, name, name_en, staff_phone)"
                " VALUES (1, 'c', '社区', 'C', '+8613900000099')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO residents (id, phone, phone_kind, name, building, address, language,"
                " prefers_voice, created_at, community_id)"
                " VALUES (1, '+8613800138000', 'mobile', '', '', '', 'zh', :f, :t, 1)"
            ).bindparams(bindparam("t", type_=UTCDateTime())),
            {"f": False, "t": NOW},
        )
        series = (
            "generate_series(1, :n) AS seq(i)"
            if postgres
            else "(WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq"
            " WHERE i < :n) SELECT i FROM seq)"
        )
        rows = ROWS.format(every=EVERY, series=series, false="false" if postgres else "0")
        times = {
            "old": NOW - timedelta(days=30),
            "soon": NOW - timedelta(hours=1),
            "later": NOW + timedelta(hours=5),
            "resolved": NOW - timedelta(hours=2),
        }
        statement = text(INSERT + rows).bindparams(
            *(bindparam(name, type_=UTCDateTime()) for name in times)
        )
        conn.execute(statement, {**times, "n": n})
        conn.execute(text("ANALYZE"))


def timed(run) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    db.session.commit()
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    clock = FrozenClock(NOW)
    clock.install()
    with app.app_context():
        started = time.perf_counter()
        build(N)
        built = time.perf_counter() - started
        print(f"{db.engine.dialect.name}: {N:,} tickets built in {built:.1f} s")
        count = text("SELECT count(*) FROM tickets WHERE status = 'in_progress'")
        timed(lambda: db.session.scalar(count))  # warm the cache once
        baseline, open_count = timed(lambda: db.session.scalar(count))
        print(f"baseline: indexed count of {open_count:,} open tickets: {baseline:.1f} ms\n")
        print(f"{'sweep':<24}{'run':>5}{'rows':>7}{'ms':>10}{'x baseline':>12}")
        for run_number in (1, 2):
            for name, sweep in SWEEPS:
                ms, rows = timed(lambda sweep=sweep: sweep(db.session))
                shown = rows if isinstance(rows, int) else "-"  # not every sweep counts rows
                print(f"{name:<24}{run_number:>5}{shown:>7}{ms:>10.1f}{ms / baseline:>12.1f}")
    FrozenClock.uninstall()


if __name__ == "__main__":
    main()
