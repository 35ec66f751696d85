"""What the worker spends on one new ticket: its dispatch job, and each text it then sends.

    .venv/bin/python bench/worker_cost.py [--tickets 200] [--volunteers 500]

In-process, no server: signed texts from residents placed where the volunteers are (each in a
building of their own, so no two reports are one problem) open tickets through the webhook
(not measured); then the worker's job loop dispatches them, each to a first wave of offers,
and its outbox sends every offer through the real twilio client to the local REST double.
Measured: CPU milliseconds and SQL statements per dispatched ticket and per message sent, on
this thread only (the double answers on threads of its own, which are not counted). Every
ticket must end with its wave queued and every message marked sent, or the run fails.

The baseline, in the same run, is one committed unit of work that reads a ticket by its
primary key: the least a job or a send can cost. DATABASE_URL selects PostgreSQL (its tables
are DROPPED).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import event, func, select

from app import create_app
from app.db import db
from app.messaging.models import Message, MessageStatus
from app.providers.choice import build_sender
from app.scheduling.runner import run_jobs_once, send_outbox_once
from app.tickets.models import Ticket
from app.volunteers.models import Offer
from bench import webhook_cost
from tests.support.twilio_double import TwilioDouble

WAVE = 3  # the first wave's offers, with this many volunteers for every category


def build(url: str, volunteers: int, double: TwilioDouble) -> Flask:
    webhook_cost.build(url, volunteers)  # fresh tables, the volunteers in two communities
    return create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-0123456789abcdef-0123456789"}
        | {"TWILIO_AUTH_TOKEN": webhook_cost.TOKEN, "PUBLIC_BASE_URL": webhook_cost.BASE}
        | {"TWILIO_ACCOUNT_SID": double.account_sid, "TWILIO_API_BASE_URL": double.base_url}
        | {"HOTLINE_OFFERS_PER_DAY": 10**6, "HOTLINE_QUIET_HOURS": ""}
    )


def open_tickets(flask_app: Flask, first: int, count: int) -> None:
    with flask_app.app_context():
        webhook_cost.residents_of_communities(first, count, own_buildings=True)
    client = flask_app.test_client()
    for request in webhook_cost.texts(first, count):
        webhook_cost.send(client, request, webhook_cost.ticket_reply)


def measured(work: Callable[[], int], statements: list[str]) -> tuple[float, float, int]:
    """(CPU ms per item, statements per item, items) of `work`, which returns how many it did."""
    statements.clear()
    started = time.thread_time()
    items = work()
    spent = time.thread_time() - started
    return spent * 1000 / max(items, 1), len(statements) / max(items, 1), items


def dispatch_all(flask_app: Flask) -> Callable[[], int]:
    def work() -> int:
        done = 0
        while (ran := run_jobs_once(flask_app)).busy:
            done += ran.done
        return done

    return work


def send_all(flask_app: Flask) -> Callable[[], int]:
    sender = build_sender(flask_app.config["SETTINGS"])

    def work() -> int:
        sent = 0
        while (outcome := send_outbox_once(flask_app, sender)).busy:
            sent += outcome.sent
        return sent

    return work


def baseline(flask_app: Flask, count: int) -> Callable[[], int]:
    def work() -> int:
        for n in range(count):
            with flask_app.app_context(), db.unit_of_work(writes=False) as session:
                session.get(Ticket, n % 10 + 1)
        return count

    return work


def check(flask_app: Flask, tickets: int) -> None:
    with flask_app.app_context():
        offers = db.session.scalar(select(func.count()).select_from(Offer))
        unsent = db.session.scalar(
            select(func.count()).where(Message.status == MessageStatus.queued)
        )
    if offers != tickets * WAVE or unsent:
        raise AssertionError(f"{offers} offers for {tickets} tickets, {unsent} texts unsent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--volunteers", type=int, default=500)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    with TwilioDouble(auth_token=webhook_cost.TOKEN) as double:
        flask_app = build(url, args.volunteers, double)
        statements: list[str] = []
        with flask_app.app_context():
            engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def count(conn, cursor, statement, *rest: object) -> None:  # type: ignore[no-untyped-def]
            if not statement.lstrip().upper().startswith(webhook_cost.CONTROL):
                statements.append(statement)

        warm = 20  # imports, compiled statements, the pool, the client's connection
        open_tickets(flask_app, 10**6, warm)
        measured(dispatch_all(flask_app), statements)
        measured(send_all(flask_app), statements)
        open_tickets(flask_app, 0, args.tickets)
        rows = {
            "a committed primary-key read": measured(baseline(flask_app, 400), statements),
            "dispatch of a new ticket": measured(dispatch_all(flask_app), statements),
            "one offer sent": measured(send_all(flask_app), statements),
        }
        check(flask_app, args.tickets + warm)
    print(
        f"The worker's cost per item, in-process, {engine.dialect.name}, {args.volunteers}"
        f" volunteers, {args.tickets} tickets, waves of {WAVE}, {os.cpu_count()} cores"
    )
    print(f"{'':30}{'CPU ms':>8}{'statements':>12}{'x baseline':>12}{'items':>7}")
    reference = rows["a committed primary-key read"][0]
    for name, (ms, per_item, items) in rows.items():
        print(f"{name:30}{ms:8.2f}{per_item:12.1f}{ms / reference:12.1f}{items:7d}")


if __name__ == "__main__":
    main()
