"""What one ticket-creating text costs inside the process: SQL statements and CPU milliseconds.

    .venv/bin/python bench/webhook_cost.py [--texts 400] [--volunteers 30] [--statements]

No server and no network: signed texts go through Flask's test client, so the figures are the
app's own work (routing, signature, ORM, SQL) without HTTP parsing, against the bare Flask app
of bench/bare_app.py measured the same way in the same run. With --volunteers N the street
has N volunteers who can take every category (matching then finds and texts three); by default
it has none, as in bench/sms_webhook.py. --statements lists the SQL of one text and where in
app/ each statement was issued. DATABASE_URL selects PostgreSQL (its tables are DROPPED).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import event, select, text

import app.models  # noqa: F401  (complete metadata, so drop_all sees every table)
from app import create_app
from app.cli import prepare_database
from app.db import Base, db
from app.telephony.simulate import sign
from bench import bare_app
from bench.webhooks import sms_form

TOKEN = "bench-auth-token"
BASE = "http://bench.invalid"
APP_ROOT = str(Path(__file__).resolve().parent.parent / "app")


def poster(flask_app: Flask) -> Callable[[int], None]:
    client = flask_app.test_client()

    def post(n: int) -> None:
        fields = sms_form(n)
        signature = sign(TOKEN, BASE + "/twilio/sms", fields)
        headers = {"X-Twilio-Signature": signature}
        response = client.post("/twilio/sms", data=fields, headers=headers)
        assert response.status_code == 200, response.status_code

    return post


def cpu_ms_per_text(post: Callable[[int], None], first: int, count: int, batches: int = 5) -> float:
    """Median over batches of CPU time per request (CPU, not wall: other load does not count)."""
    samples = []
    for b in range(batches):
        started = time.process_time()
        for n in range(first + b * count, first + (b + 1) * count):
            post(n)
        samples.append((time.process_time() - started) * 1000 / count)
    return statistics.median(samples)


def issued_from() -> str:
    """The innermost frame in app/ that issued a statement."""
    for frame in reversed(traceback.extract_stack()):
        if frame.filename.startswith(APP_ROOT):
            return f"{frame.filename[len(APP_ROOT) - 3 :]}:{frame.lineno}"
    return "?"


def build(url: str, volunteers: int) -> Flask:
    flask_app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "TWILIO_AUTH_TOKEN": TOKEN}
        | {"PUBLIC_BASE_URL": BASE}
    )
    with flask_app.app_context():
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        prepare_database()
        add_volunteers(volunteers)
    return flask_app


def add_volunteers(count: int) -> None:
    """`count` always-available volunteers with every skill and room for plenty of offers."""
    from app.categories.models import Category
    from app.volunteers.models import Volunteer, VolunteerSkill

    skills = [c.skill or c.code for c in db.session.scalars(select(Category))]
    for i in range(count):
        volunteer = Volunteer(
            name=f"v{i}", phone=f"+86137{i:08d}", max_active=10**6, always_available=True
        )
        db.session.add(volunteer)
        db.session.flush()
        db.session.add_all(VolunteerSkill(volunteer_id=volunteer.id, skill=s) for s in skills)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--volunteers", type=int, default=0)
    parser.add_argument("--statements", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    bare_app.app.config["TESTING"] = True
    flask_app = build(url, args.volunteers)
    flask_app.config["HOTLINE_OFFERS_PER_DAY"] = 10**6
    post = poster(flask_app)
    per_batch = max(1, args.texts // 5)
    for n in range(20):  # warm: imports, compiled-statement cache, connection pool
        post(10**7 + n)
    statements: list[str] = []
    with flask_app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, *args: object) -> None:  # type: ignore[no-untyped-def]
        statements.append(f"{issued_from():<38} {' '.join(statement.split())[:90]}")

    post(10**7 + 99)
    event.remove(engine, "before_cursor_execute", count)
    ours = cpu_ms_per_text(post, 0, per_batch)
    bare = cpu_ms_per_text(poster(bare_app.app), 0, per_batch)
    print(
        f"One ticket-creating text, in-process, {engine.dialect.name}, "
        f"{args.volunteers} volunteers, {os.cpu_count()} cores"
    )
    print(f"{'':14}{'CPU ms/text':>12}{'SQL statements':>16}{'x bare':>8}")
    print(f"{'bare Flask':14}{bare:12.2f}{0:16d}{1:8.1f}")
    print(f"{'580 Hotline':14}{ours:12.2f}{len(statements):16d}{ours / bare:8.1f}")
    if args.statements:
        print("\n".join(statements))


if __name__ == "__main__":
    main()
