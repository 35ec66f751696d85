"""How costs grow with data: 10^3 to 10^6 tickets (10^3 to 10^5 volunteers), one table.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/growth.py    # EMPTIES it
    .venv/bin/python bench/growth.py                  # SQLite in a temp file, up to 10^5
    BENCH_QUICK=1 .venv/bin/python bench/growth.py    # 10^3 and 10^4 only

At each size the street is rebuilt in bulk (tickets spread over a year with their timeline as in
bench/dashboard.py, volunteers as in bench/matching.py), then, as medians:
- webhook: a resident of a community texts a new problem (signed, through the Flask test
  client: routing, signature, intake, matching, three offers, reply, commit);
- matching: the top three volunteers for a ticket in that community;
- sweeps: one pass of every sweep over a street in a steady state (open tickets being worked
  on, their reminders and breach notices long sent): what finding due work costs;
- queue: the dashboard's live queue rows for the 580 office (every open ticket in scope);
- weekly: building last week's supervision report.
The baseline, in the same run, is a primary-key lookup of one ticket. A cost that grows with
data shows as a growing column; one that does not stays flat.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text

import app.models  # noqa: F401  (complete metadata, so drop_all sees every table)
from app import create_app
from app.auth.accounts import create_user
from app.auth.models import StaffRole
from app.categories.catalog import load as load_categories
from app.cli import prepare_database
from app.clock import FrozenClock
from app.db import Base, db
from app.reports.weekly import build_weekly, due_week
from app.residents.models import Resident
from app.scheduling.sweeps import SWEEPS
from app.telephony.simulate import sign
from app.tickets.models import Channel, Ticket
from app.volunteers import matching
from bench import dashboard
from bench import matching as volunteers

QUICK = bool(os.environ.get("BENCH_QUICK"))
TOKEN = "bench-auth-token"
BASE = "http://bench.invalid"
PASSWORD = "bench password 123"
TEXTS = 15


def sizes(postgres: bool) -> list[tuple[int, int]]:
    """(tickets, volunteers) pairs."""
    if QUICK:
        return [(10**3, 10**3), (10**4, 10**4)]
    pairs = [(10**3, 10**3), (10**4, 10**4), (10**5, 10**5)]
    return [*pairs, (10**6, 10**5)] if postgres else pairs


def rebuild(flask_app, tickets: int, people: int, postgres: bool) -> None:
    with flask_app.app_context():
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        prepare_database()
        skills = [c["code"] for c in load_categories().categories]
        volunteers.load_volunteers(people, skills)  # communities 1..people/200
        dashboard.fill(tickets, postgres)  # tickets in communities 1..4
        settle()
        for n in range(TEXTS + 1):
            db.session.add(Resident(phone=f"+86136{n:08d}", community_id=1, building=f"{n % 30}栋"))
        create_user(db.session, "bench", StaffRole.office, PASSWORD)
        db.session.commit()
        db.session.remove()


def settle() -> None:
    """The street in a steady state: open tickets are being worked on and their reminders and
    breach notices went out long ago, so a sweep pass finds nothing to do at any size and its
    time is what finding work costs (the work itself is batch-bounded: bench/sweeps.py)."""
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE tickets SET status = 'in_progress' WHERE status = 'new'"))
        conn.execute(
            text(
                "UPDATE tickets SET reminded_at = received_at, breached_at = due_at"
                " WHERE status <> 'closed'"
            )
        )
        conn.execute(text("UPDATE volunteers SET active_tasks = 0"))
        conn.execute(text("ANALYZE"))


def text_in(client, n: int) -> None:
    form = {
        "MessageSid": f"SM{time.time_ns():032x}",
        "From": f"+86136{n:08d}",
        "To": "580",
        "Body": "洗衣机坏了，转几下就不动了",
    }
    headers = {
        "X-Twilio-Signature": sign(TOKEN, BASE + "/twilio/sms", form),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = client.post("/twilio/sms", data=urlencode(form), headers=headers)
    assert response.status_code == 200, response.status_code


def in_app(flask_app, run: Callable[[], object]) -> Callable[[], object]:
    def wrapped() -> object:
        with flask_app.app_context():
            try:
                result = run()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    return wrapped


def measure(flask_app, tickets: int) -> dict[str, float]:
    client = flask_app.test_client()
    client.post("/login", data={"username": "bench", "password": PASSWORD})
    texts = iter(range(TEXTS + 1))
    webhook = dashboard.median_ms(lambda: text_in(client, next(texts)), repeat=TEXTS - 1)
    timezone = flask_app.config["HOTLINE_TIMEZONE"]
    week = due_week(dashboard.NOW, timezone)

    with flask_app.app_context():
        nearby = db.session.scalar(
            select(Ticket.id)
            .where(Ticket.channel == Channel.sms, Ticket.community_id == 1)
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        db.session.remove()

    def sweep() -> None:
        for _name, run in SWEEPS:
            run(db.session)
            db.session.commit()

    in_app(flask_app, sweep)()  # the due work, once
    return {
        "baseline": dashboard.median_ms(
            in_app(flask_app, lambda: db.session.get(Ticket, tickets // 2))
        ),
        "webhook": webhook,
        "matching": dashboard.median_ms(
            in_app(
                flask_app,
                lambda: matching.candidates(db.session, db.session.get(Ticket, nearby), 3),
            )
        ),
        "sweeps": dashboard.median_ms(in_app(flask_app, sweep), repeat=3),
        "queue": dashboard.median_ms(lambda: client.get("/dashboard/queue/rows"), repeat=5),
        "weekly": dashboard.median_ms(
            in_app(flask_app, lambda: build_weekly(db.session, *week, timezone)), repeat=3
        ),
    }


def main() -> None:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/growth.db"
    postgres = url.startswith("postgresql")
    FrozenClock(dashboard.NOW).install()
    flask_app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_BASE_URL": BASE,
            "TESTING": True,
        }
    )
    flask_app.config["WTF_CSRF_ENABLED"] = False
    print(
        f"Growth, {'postgresql' if postgres else 'sqlite'}, {os.cpu_count()} cores; median ms"
        + ("" if postgres else " (SQLite stops at 10^5 tickets: set DATABASE_URL for 10^6)")
    )
    columns = ["baseline", "webhook", "matching", "sweeps", "queue", "weekly"]
    print(f"{'tickets':>9}{'volunteers':>11}{'built s':>9}" + "".join(f"{c:>10}" for c in columns))
    for tickets, people in sizes(postgres):
        started = time.perf_counter()
        rebuild(flask_app, tickets, people, postgres)
        built = time.perf_counter() - started
        figures = measure(flask_app, tickets)
        row = "".join(f"{figures[c]:>10.1f}" for c in columns)
        print(f"{tickets:>9,}{people:>11,}{built:>9.0f}{row}", flush=True)


if __name__ == "__main__":
    main()
