"""How long matching takes among 10,000 and 100,000 volunteers.

    .venv/bin/python bench/matching.py            # SQLite, in a temporary file
    DATABASE_URL=postgresql+psycopg://.../bench .venv/bin/python bench/matching.py

The database given by DATABASE_URL is emptied first (refused if it holds any ticket).
Volunteers are spread over communities of about 200 (the source platform's size), with one to
three skills each, 70% with weekly windows, and random history counters. Two matches are timed:
"nearby" (a ticket in a community: the usual case) and "city-wide" (a ticket with no community,
so every volunteer with the skill is ranked). The baseline, timed in the same run, is a bare
indexed lookup of three volunteer ids with the skill in the community.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, inspect, select, text

from app import create_app
from app import models as every_model
from app.categories.catalog import load
from app.clock import FrozenClock
from app.db import Base, db
from app.tickets.models import Channel, Ticket
from app.volunteers import matching
from app.volunteers.availability import Availability
from app.volunteers.models import (
    Volunteer,
    VolunteerSkill,
    VolunteerWindow,
    week_minutes,
)

SIZES = (1_000, 10_000) if os.environ.get("BENCH_QUICK") else (10_000, 100_000)
PER_COMMUNITY = 200
RUNS = 41
WEEKLY = [
    Availability.parse(t)
    for t in (
        "Mon-Fri 08:00-21:00",
        "Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00",
        "daily 07:00-20:00",
    )
]
WEDNESDAY_10AM = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def reset_schema() -> None:
    if "tickets" in inspect(db.engine).get_table_names():
        with db.engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM tickets LIMIT 1")).first():
                sys.exit("refusing to empty a database that holds tickets")
    assert every_model.__all__
    with db.engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    from app.cli import prepare_database

    prepare_database()


def load_volunteers(count: int, skills: list[str]) -> list[int]:
    """Insert `count` volunteers in bulk; returns the community ids."""
    rng = random.Random(count)
    session = db.session
    communities = max(1, count // PER_COMMUNITY)
    session.execute(
        text("INSERT INTO communities (id, code, name, name_en) VALUES (:id, :code, :name, '')"),
        [{"id": i, "code": f"c{i}", "name": f"社区{i}"} for i in range(1, communities + 1)],
    )
    people, skill_rows, window_rows = [], [], []
    now = WEDNESDAY_10AM
    for vid in range(1, count + 1):
        weekly = rng.choice(WEEKLY) if rng.random() < 0.7 else Availability()
        accepts = rng.randint(0, 20)
        people.append(
            {
                "id": vid,
                "name": f"v{vid}",
                "phone": f"+86139{vid:08d}",
                "community_id": rng.randint(1, communities),
                "building": f"{rng.randint(1, 30)}栋",
                "always_available": weekly.is_always,
                "max_active": rng.randint(1, 3),
                "active_tasks": rng.choice((0, 0, 0, 1)),
                "accepts": accepts,
                "declines": rng.randint(0, 10),
                "no_replies": rng.randint(0, 10),
                "completions": rng.randint(0, accepts),
                "last_offered_at": now - timedelta(hours=rng.randint(1, 200)),
                "availability": weekly.to_json(),
            }
        )
        for skill in rng.sample(skills, rng.randint(1, 3)):
            skill_rows.append({"volunteer_id": vid, "skill": skill})
        for start, end in week_minutes(weekly):
            window_rows.append({"volunteer_id": vid, "start_minute": start, "end_minute": end})
    session.execute(insert(Volunteer), people)
    session.execute(insert(VolunteerSkill), skill_rows)
    session.execute(insert(VolunteerWindow), window_rows)
    session.commit()
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return list(range(1, communities + 1))


def median_ms(action: Callable[[], object]) -> float:
    action()  # warm the cache and the statement compiler
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench(count: int) -> list[tuple[str, float]]:
    reset_schema()
    skills = [c["code"] for c in load().categories]
    communities = load_volunteers(count, skills)
    session = db.session
    nearby = Ticket(
        code="900001",
        channel=Channel.sms,
        category_code="appliance",
        community_id=communities[len(communities) // 2],
        building="3栋",
    )
    citywide = Ticket(code="900002", channel=Channel.sms, category_code="appliance")
    session.add_all([nearby, citywide])
    session.commit()

    def baseline() -> list[int]:
        return list(
            session.scalars(
                select(VolunteerSkill.volunteer_id)
                .join(Volunteer, Volunteer.id == VolunteerSkill.volunteer_id)
                .where(
                    VolunteerSkill.skill == "appliance",
                    Volunteer.community_id == nearby.community_id,
                )
                .limit(3)
            )
        )

    results = [
        ("baseline: indexed lookup", median_ms(baseline)),
        ("match nearby ticket", median_ms(lambda: matching.candidates(session, nearby, 3))),
        ("match city-wide ticket", median_ms(lambda: matching.candidates(session, citywide, 3))),
    ]
    assert len(matching.candidates(session, nearby, 3)) == 3
    session.delete(nearby)
    session.delete(citywide)
    session.commit()
    return results


def main() -> None:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    FrozenClock(WEDNESDAY_10AM).install()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        print(f"database: {db.engine.dialect.name}; median of {RUNS} runs, top 3 of a wave")
        print(f"{'volunteers':>10}  {'what':<26} {'ms':>8} {'x baseline':>11}")
        for count in SIZES:
            rows = bench(count)
            base = rows[0][1]
            for name, ms in rows:
                print(f"{count:>10,}  {name:<26} {ms:>8.2f} {ms / base:>11.1f}")
        db.session.remove()


if __name__ == "__main__":
    main()
