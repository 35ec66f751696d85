"""What an inbound text may cost the database: statements counted on the engine, flushes on the
session. A change that adds a query to the hot path fails here before it shows in a benchmark.

Transaction control (BEGIN, COMMIT) is not counted; every other statement is. PostgreSQL runs
one more read first (a repeated delivery told, else the sender's number and building held by
advisory locks, so the sender is then read in a snapshot taken after the locks) and writes a
new ticket, its "received" event and the worker's job in one statement (INSERTs inside WITH);
SQLite has no INSERT inside WITH: it writes the ticket, then the event and the job in one
INSERT into a view whose trigger writes both (migration 0019).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.db import db
from app.messaging.models import Message
from app.residents.models import Resident
from app.scheduling.models import Job
from app.tickets.models import Ticket, TicketEvent
from tests.support.texting import post_signed, replies, sms_form, text_line
from tests.volunteers import factories as f

# A first text from a new number: the sender's context, the resident, the ticket with its
# "received" event and the worker's job, and the text with its reply (one INSERT).
NEW_SENDER_TICKET = {"postgresql": 5, "sqlite": 5}
# A known resident's new problem: the same without the resident, and the unit of its street
# that handles its category (the reply names it when there is one). On PostgreSQL the first
# statement also holds the resident's building for the category (neighbours reporting it at
# once), so the SELECT after it reads a current answer to "does this repeat a neighbour's?"
# and the worker's job is written with the ticket.
KNOWN_RESIDENT_TICKET = {"postgresql": 5, "sqlite": 5}
# The provider delivering a text again: one read tells it, nothing is written.
DUPLICATE = 1

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def counted(app: Flask) -> Iterator[tuple[list[str], list[int]]]:
    """Statements run on the app's engine, and ORM flushes that wrote something."""
    statements: list[str] = []
    flushes: list[int] = []
    with app.app_context():
        engine = db.engine

    def on_execute(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(_CONTROL):
            statements.append(" ".join(statement.split())[:120])

    def on_flush(session: Session, context: object, instances: object) -> None:
        flushes.append(len(session.new) + len(session.dirty) + len(session.deleted))

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(Session, "before_flush", on_flush)
    try:
        yield statements, flushes
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(Session, "before_flush", on_flush)


def budget(statements: dict[str, int]) -> int:
    return statements[db.engine.dialect.name]


def post(client, sender: str, body: str, sid: str | None = None):  # type: ignore[no-untyped-def]
    return post_signed(client, "/twilio/sms", sms_form(sender, body, sid))


def test_a_first_text_from_a_new_number_stays_within_its_budget(client, ctx):
    with counted(client.application) as (statements, flushes):
        response = post(client, "13800138000", "洗衣机坏了，转几下就不动了")
    [reply] = replies(response)
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.code in reply
    assert len(statements) <= budget(NEW_SENDER_TICKET), "\n".join(statements)
    assert flushes == []  # Core statements only: no unit of work on the hot path
    inbound = db.session.scalars(select(Message).where(Message.provider_sid.is_not(None))).one()
    assert inbound.ticket_id == ticket.id  # written once, already holding its ticket
    # The rows written with the ticket (in its WITH, or through SQLite's view) are whole.
    [event] = db.session.scalars(select(TicketEvent)).all()
    assert (event.ticket_id, event.kind, event.actor_id) == (
        ticket.id,
        "received",
        ticket.resident_id,
    )
    assert event.data["category"] == ticket.category_code and event.data["keyword"] == "洗衣机"
    assert event.at == ticket.received_at and event.actor_label == "+8613800138000"
    [job] = db.session.scalars(select(Job)).all()
    assert (job.ticket_id, job.kind, job.attempts, job.data) == (ticket.id, "ticket_opened", 0, {})
    assert job.trace == inbound.provider_sid and job.locked_until is None


def test_a_known_residents_new_problem_stays_within_its_budget(client, ctx, clock):
    text_line(client, "13800138000", "洗衣机坏了，转几下就不动了")
    resident = db.session.scalars(select(Resident)).one()
    resident.building = "3栋"  # the same-building repeat check is part of the one SELECT
    resident.community = f.community()  # placed (a stranger is first asked where)
    db.session.commit()
    clock.advance(hours=3)  # past the window in which a text adds to the open ticket
    with counted(client.application) as (statements, flushes):
        response = post(client, "13800138000", "楼道灯不亮了")
    [reply] = replies(response)
    code = db.session.scalar(select(Ticket.code).where(Ticket.category_code == "electrical"))
    assert code is not None and code in reply
    assert len(statements) <= budget(KNOWN_RESIDENT_TICKET), "\n".join(statements)
    assert flushes == []


def test_a_repeated_delivery_costs_one_statement_and_writes_nothing(client, ctx):
    text_line(client, "13800138000", "洗衣机坏了，转几下就不动了", sid="SM" + "7" * 32)
    db.session.commit()
    with counted(client.application) as (statements, flushes):
        response = post(client, "13800138000", "洗衣机坏了，转几下就不动了", sid="SM" + "7" * 32)
    assert response.status_code == 200 and replies(response) == []
    assert len(statements) == DUPLICATE, "\n".join(statements)
    assert all(s.startswith("SELECT") for s in statements)
    assert flushes == []
    assert db.session.scalar(select(Ticket.id).order_by(Ticket.id.desc())) == 1
