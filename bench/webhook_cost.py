"""What one webhook request costs inside the process: SQL statements and CPU milliseconds.

    .venv/bin/python bench/webhook_cost.py [--requests 400] [--volunteers 30] [--statements]

No server and no network: signed posts go through Flask's test client, so the figures are the
app's own work (routing, signature check, ORM, SQL) without HTTP parsing, against the bare Flask
app of bench/bare_app.py measured the same way in the same run. Every request is signed before
the clock starts (the provider signs, not us) and every response is checked: a text gets a 200
whose reply holds a ticket code, a repeated delivery an empty 200, a call's answer and a key
press the TwiML that comes next.

Four requests: a ticket-creating text from a new number, the same text delivered again, a call's
answer (the greeting) and a key press at the category menu. With --volunteers N the street has
N volunteers in its communities who can take every category, and the texts come from residents
of those communities, so the worker's matching would find them (the texts themselves only ask
for dispatch; the worker does it). --statements lists the SQL of each request with the line in
app/ that issued it. DATABASE_URL selects PostgreSQL (its tables are DROPPED).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, text

import app.models  # noqa: F401  (complete metadata, so drop_all sees every table)
from app import create_app
from app.cli import prepare_database
from app.db import Base, db
from app.telephony.simulate import sign
from bench import bare_app
from bench.webhooks import call_form, sms_form

TOKEN = "bench-auth-token"
BASE = "http://bench.invalid"
APP_ROOT = str(Path(__file__).resolve().parent.parent / "app")
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")
CODE = re.compile(r"\d{6,8}")


@dataclass(frozen=True)
class Signed:
    path: str
    form: dict[str, str]
    headers: dict[str, str]


def signed(path: str, form: dict[str, str]) -> Signed:
    return Signed(path, form, {"X-Twilio-Signature": sign(TOKEN, BASE + path, form)})


Check = Callable[[str], bool]


def ticket_reply(body: str) -> bool:
    return "<Message>" in body and CODE.search(body) is not None


def empty_reply(body: str) -> bool:
    return "<Message>" not in body and "<Response" in body


def gather(body: str) -> bool:
    return "<Gather" in body


def record(body: str) -> bool:
    return "<Record" in body


def send(client: FlaskClient, request: Signed, check: Check) -> str:
    response = client.post(request.path, data=request.form, headers=request.headers)
    body = response.get_data(as_text=True)
    if response.status_code != 200 or not check(body):
        raise AssertionError(f"{request.path}: {response.status_code} {body[:300]}")
    return body


def cpu_ms(client: FlaskClient, requests: list[Signed], check: Check, batches: int = 5) -> float:
    """Median over batches of CPU time per request (CPU, not wall: other load does not count).
    Signing happened before; checking each response is outside the timed part too."""
    size = max(1, len(requests) // batches)
    samples = []
    for b in range(batches):
        batch = requests[b * size : (b + 1) * size]
        bodies = []
        started = time.process_time()
        for r in batch:
            response = client.post(r.path, data=r.form, headers=r.headers)
            bodies.append((response.status_code, response.get_data(as_text=True)))
        samples.append((time.process_time() - started) * 1000 / len(batch))
        for (status, body), r in zip(bodies, batch, strict=True):
            if status != 200 or not check(body):
                raise AssertionError(f"{r.path}: {status} {body[:300]}")
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
        | {"PUBLIC_BASE_URL": BASE, "HOTLINE_OFFERS_PER_DAY": 10**6}
    )
    with flask_app.app_context():
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        prepare_database()
        add_volunteers(volunteers)
    return flask_app


def add_volunteers(count: int) -> None:
    """`count` always-available volunteers with every skill, spread over two communities."""
    from app.categories.models import Category
    from app.communities.models import Community
    from app.volunteers.models import Volunteer, VolunteerSkill

    if not count:
        return
    places = [Community(code=f"c{i}", name=f"社区{i}", name_en=f"C{i}") for i in range(2)]
    db.session.add_all(places)
    db.session.flush()
    skills = [c.skill or c.code for c in db.session.scalars(select(Category))]
    for i in range(count):
        volunteer = Volunteer(
            name=f"v{i}",
            phone=f"+86137{i:08d}",
            max_active=10**6,
            always_available=True,
            community_id=places[i % 2].id,
        )
        db.session.add(volunteer)
        db.session.flush()
        db.session.add_all(VolunteerSkill(volunteer_id=volunteer.id, skill=s) for s in skills)
    db.session.commit()


def residents_of_communities(first: int, count: int, *, own_buildings: bool = False) -> None:
    """The senders of texts first..first+count live in the volunteers' communities (all in one
    building, or with `own_buildings` each in a building of their own, so the worker's repeat
    check sees no two reports of one problem)."""
    from app.communities.models import Community
    from app.residents.models import Resident

    places = list(db.session.scalars(select(Community.id)))
    if not places:
        return
    db.session.add_all(
        Resident(
            phone=sms_form(n)["From"],
            community_id=places[n % len(places)],
            building=f"{n}栋" if own_buildings else "1栋",
        )
        for n in range(first, first + count)
    )
    db.session.commit()


def texts(first: int, count: int) -> list[Signed]:
    return [signed("/twilio/sms", sms_form(n)) for n in range(first, first + count)]


def answers(first: int, count: int) -> list[Signed]:
    return [signed("/twilio/voice", call_form(n)) for n in range(first, first + count)]


def key_presses(client: FlaskClient, first: int, count: int) -> list[Signed]:
    """Calls answered and past the greeting (not measured); the key 3 at the menu, signed."""
    presses = []
    for n in range(first, first + count):
        form = call_form(n)
        greeting = send(client, signed("/twilio/voice", form), gather)
        onward = re.search(r"<Redirect[^>]*>([^<]+)</Redirect>", greeting)
        assert onward is not None, greeting
        menu = send(client, signed(_path(onward.group(1)), form), gather)
        action = re.search(r'<Gather action="([^"]+)"', menu)
        assert action is not None, menu
        presses.append(signed(_path(action.group(1)), form | {"Digits": "3"}))
    return presses


def _path(url: str) -> str:
    return url.replace("&amp;", "&").removeprefix(BASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--volunteers", type=int, default=0)
    parser.add_argument("--statements", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    bare_app.app.config["TESTING"] = True
    flask_app = build(url, args.volunteers)
    client = flask_app.test_client()
    count = args.requests
    with flask_app.app_context():
        engine = db.engine
        residents_of_communities(0, count + 1)
    # Warm: imports, compiled-statement caches, the connection pool.
    for r in texts(10**7, 20):
        send(client, r, ticket_reply)
    for r in answers(10**7, 20):
        send(client, r, gather)

    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count_statement(conn, cursor, statement, *rest: object) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(CONTROL):
            statements.append(f"{issued_from():<38} {' '.join(statement.split())[:90]}")

    one_text = texts(count, 1)[0]
    one_answer = answers(count, 1)[0]
    [one_press] = key_presses(client, count + 1, 1)
    cases: list[tuple[str, Signed, Check]] = [
        ("text: new ticket", one_text, ticket_reply),
        ("text: repeated", one_text, empty_reply),
        ("call: answer", one_answer, gather),
        ("call: key press", one_press, record),
    ]
    listed: dict[str, list[str]] = {}
    for name, request, check in cases:
        statements.clear()
        send(client, request, check)
        listed[name] = list(statements)
    event.remove(engine, "before_cursor_execute", count_statement)

    presses = key_presses(client, 2 * count, count)
    bare_client = bare_app.app.test_client()
    measured = {
        "text: new ticket": cpu_ms(client, texts(0, count), ticket_reply),
        "text: repeated": cpu_ms(client, texts(0, count), empty_reply),
        "call: answer": cpu_ms(client, answers(0, count), gather),
        "call: key press": cpu_ms(client, presses, record),
    }
    bare_sms = cpu_ms(bare_client, texts(0, count), ticket_reply)
    bare_call = cpu_ms(bare_client, answers(0, count), gather)
    print(
        f"One webhook request, in-process, {engine.dialect.name}, "
        f"{args.volunteers} volunteers, {os.cpu_count()} cores, {count} requests each"
    )
    print(f"{'':20}{'CPU ms':>8}{'statements':>12}{'x bare':>8}")
    print(f"{'bare Flask: text':20}{bare_sms:8.2f}{0:12d}{1:8.1f}")
    print(f"{'bare Flask: call':20}{bare_call:8.2f}{0:12d}{1:8.1f}")
    for name, ms in measured.items():
        reference = bare_sms if name.startswith("text") else bare_call
        print(f"{name:20}{ms:8.2f}{len(listed[name]):12d}{ms / reference:8.1f}")
    if args.statements:
        for name, lines in listed.items():
            print(f"\n{name}:")
            print("\n".join(lines))


if __name__ == "__main__":
    main()
