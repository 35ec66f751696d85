"""Benchmark: the dashboard queue and the weekly supervision report at 10^4..10^6 tickets.

    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/<scratch database>
    .venv/bin/python bench/dashboard.py
    .venv/bin/python bench/dashboard.py      # SQLite in a temp file, smaller sizes

THE DATABASE IS EMPTIED. Tickets are spread over one year (5% still open, half of the closed ones
rated); each size is bulk-inserted in SQL. Timings are medians of 5 runs, measured through the
real HTTP stack (Flask test client, logged in) for the queue and by calling the report builder
for the weekly report. The baseline is a bare indexed query for the same rows, in the same run.
Aims: queue < 200 ms, weekly report < 2 s at 10^6 tickets on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import make_url, text

import app.models  # noqa: F401  (complete metadata, so drop_all sees every table)
from app import create_app
from app.auth.accounts import create_user
from app.auth.models import StaffRole
from app.db import Base, db
from app.reports.weekly import build_weekly, due_week

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SPAN_DAYS = 365
PASSWORD = "bench password 123"
CATEGORIES = ("appliance", "electrical", "plumbing", "building", "sanitation", "elderly", "other")
ACTIVE = "('new','dispatching','unassigned','assigned','in_progress','escalated','reopened')"


def median_ms(run: Callable[[], object], repeat: int = 5) -> float:
    run()  # warm caches and plans
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def series(n: int, postgres: bool) -> str:
    """A row source of i = 1..n."""
    if postgres:
        return f"generate_series(1, {n}) AS s(i)"
    return (
        f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        "SELECT i FROM s) AS s"
    )


def fill(n: int, postgres: bool) -> None:
    """Bulk-insert n tickets with their received, close and survey events, in SQL."""
    start = NOW - timedelta(days=SPAN_DAYS)
    step = SPAN_DAYS * 86400 / n
    if postgres:
        at = f"(TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' + (i * {step}) * INTERVAL '1 second')"
        plus_day = f"({at} + INTERVAL '1 day')"
        plus_hours = f"({at} + ((i % 40) * INTERVAL '1 hour'))"
        code = "lpad(i::text, 8, '0')"
    else:
        seconds = f"'+' || CAST(i * {step} AS INTEGER) || ' seconds'"
        at = f"datetime('{start:%Y-%m-%d %H:%M:%S}', {seconds})"
        plus_day = f"datetime({at}, '+1 day')"
        plus_hours = f"datetime({at}, '+' || (i % 40) || ' hours')"
        code = "substr('00000000' || i, -8, 8)"
    status = (
        "CASE WHEN i % 20 = 0 THEN (CASE i % 3 WHEN 0 THEN 'new' WHEN 1 THEN 'assigned' "
        "ELSE 'in_progress' END) ELSE 'closed' END"
    )
    whens = " ".join(f"WHEN {n} THEN '{code}'" for n, code in enumerate(CATEGORIES))
    categories = f"CASE i % {len(CATEGORIES)} {whens} END"
    json_cast = "::json" if postgres else ""
    statements = [
        f"""INSERT INTO tickets (id, code, channel, category_code, description, community_id,
            building, address, priority, status, callback_requested, received_at, updated_at,
            last_report_at, due_at, visits, closed_at)
            SELECT i, {code}, 'sms', {categories}, 'bench request ' || i, 1 + i % 4, '', '',
                   'normal', {status}, false, {at}, {at}, {at}, {plus_day}, 0,
                   CASE WHEN i % 20 = 0 THEN NULL ELSE {plus_hours} END
            FROM {series(n, postgres)}""",
        f"""INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, actor_label, reason, data)
            SELECT i, {at}, 'received', 'resident', '', '', '{{}}' FROM {series(n, postgres)}""",
        f"""INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, actor_label, reason, data)
            SELECT i, {plus_hours}, 'close', 'system', '', '', '{{}}'
            FROM {series(n, postgres)} WHERE i % 20 <> 0""",
        f"""INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, actor_label, reason, data)
            SELECT i, {plus_hours}, 'survey_answered', 'resident', '', '',
                   CASE i % 7 WHEN 0 THEN '{{"rating": "unsatisfied"}}'
                              WHEN 1 THEN '{{"rating": "basically_satisfied"}}'
                              ELSE '{{"rating": "satisfied"}}' END{json_cast}
            FROM {series(n, postgres)} WHERE i % 20 <> 0 AND i % 2 = 0""",
    ]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
        if postgres:
            sequence = "SELECT setval(pg_get_serial_sequence('tickets', 'id'), :n)"
            conn.execute(text(sequence), {"n": n})
        conn.execute(text("ANALYZE"))


def empty(postgres: bool) -> None:
    with db.engine.begin() as conn:
        if postgres:
            conn.execute(text("TRUNCATE ticket_events, tickets RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("DELETE FROM ticket_events"))
            conn.execute(text("DELETE FROM tickets"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    postgres = url.startswith("postgresql")
    sizes = [int(s) for s in args.sizes.split(",") if s] or (
        [10**4, 10**5, 10**6] if postgres else [10**4, 10**5]
    )
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    app.config["WTF_CSRF_ENABLED"] = False
    from app.clock import FrozenClock

    FrozenClock(NOW).install()
    with app.app_context():
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        from app.cli import prepare_database

        prepare_database()
        with db.engine.begin() as conn:
            for code in ("longxi", "jinshan", "huilong", "shuanglong"):
                conn.execute(
                    text("INSERT INTO communities (code, name, name_en) VALUES (:c, :c, :c)"),
                    {"c": code},
                )
        create_user(db.session, "bench", StaffRole.office, PASSWORD)
        db.session.commit()
    client = app.test_client()  # requests run outside any held app context, like a server's
    client.post("/login", data={"username": "bench", "password": PASSWORD})
    timezone = app.config["HOTLINE_TIMEZONE"]
    week = due_week(NOW, timezone)
    print(f"database: {make_url(url).get_backend_name()}")
    print(
        f"{'tickets':>9} {'baseline':>9} {'queue rows':>11} {'queue page':>11} "
        f"{'x base':>7} {'weekly':>9} {'x base':>7} {'30-day page':>12}"
    )
    bare = text(f"SELECT id FROM tickets WHERE status IN {ACTIVE} ORDER BY due_at LIMIT 200")
    for n in sizes:
        with app.app_context():
            empty(postgres)
            fill(n, postgres)
        baseline = median_ms(lambda: in_app(app, lambda: db.session.execute(bare).all()))
        rows = median_ms(lambda: _ok(client.get("/dashboard/queue/rows")))
        page = median_ms(lambda: _ok(client.get("/dashboard/")))
        weekly = median_ms(lambda: in_app(app, lambda: build_weekly(db.session, *week, timezone)))
        reports = median_ms(lambda: _ok(client.get("/dashboard/reports")), repeat=3)
        print(
            f"{n:>9} {baseline:>7.1f}ms {rows:>9.1f}ms {page:>9.1f}ms {rows / baseline:>6.1f}x "
            f"{weekly:>7.1f}ms {weekly / baseline:>6.1f}x {reports:>10.1f}ms"
        )
    with app.app_context():
        empty(postgres)


def in_app(app: object, run: Callable[[], object]) -> object:
    with app.app_context():  # type: ignore[attr-defined]
        try:
            return run()
        finally:
            db.session.remove()


def _ok(response: object) -> None:
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
