"""Twenty volunteers say yes at the same moment: exactly one gets the ticket, nineteen hear it
is taken, once each (the notice the winner's answer sent them; their own answers crossed it and
get no second text). Each answer is a real signed webhook request with its own app context and
session."""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.clock import FrozenClock
from app.db import db
from app.messaging.models import Message
from app.tickets.models import TicketEvent, TicketStatus
from app.volunteers.models import Offer, OfferStatus
from tests.conftest import app_config
from tests.support.texting import replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, only_ticket, texter

CROWD = 20


@pytest.fixture
def crowded_offer(app, client, ctx, clock, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_WAVE_SIZE", CROWD)
    home = f.community()
    f.resident(home)
    for n in range(1, CROWD + 1):
        f.volunteer(n, home)
    text_line(client, RESIDENT, "洗衣机坏了")
    assert len(offers()) == CROWD
    db.session.remove()


def accept_all(app: Flask, numbers: list[int]) -> list[str]:
    """Every volunteer in `numbers` texts "1" at once, each on its own thread and client."""
    start = threading.Barrier(len(numbers))

    def answer(number: int) -> str:
        client = app.test_client()
        start.wait()
        sid = "SM" + uuid.uuid4().hex  # unique across processes, unlike the counter's
        return "".join(replies(text_line(client, texter(number), "1", sid=sid)))

    with ThreadPoolExecutor(len(numbers)) as pool:
        return list(pool.map(answer, numbers))


def assert_one_winner(answers: list[str]) -> None:
    won = [a for a in answers if "由您负责" in a]
    silent = [a for a in answers if a == ""]
    assert (len(won), len(silent)) == (1, CROWD - 1), answers
    notices = db.session.scalars(select(Message.peer).where(Message.template == "offer_taken"))
    assert sorted(notices) == sorted({f.phone_of(n) for n in range(1, CROWD + 1)} - {won_by()})
    ticket = only_ticket()
    assert ticket.status == TicketStatus.assigned
    accepted = db.session.scalars(select(Offer).where(Offer.status == OfferStatus.accepted)).all()
    assert [o.volunteer_id for o in accepted] == [ticket.assignee_id]
    assigns = db.session.scalar(select(func.count()).where(TicketEvent.kind == "assign"))
    assert assigns == 1


def won_by() -> str:
    ticket = only_ticket()
    assert ticket.assignee is not None
    return ticket.assignee.phone


def test_threads(app, crowded_offer):
    assert_one_winner(accept_all(app, list(range(1, CROWD + 1))))


def _process(now: datetime, numbers: list[int]) -> list[str]:
    FrozenClock(now).install()  # the same moment as the parent, so the offers are open
    app = create_app(app_config(os.environ["DATABASE_URL"], HOTLINE_WAVE_SIZE=CROWD))
    return accept_all(app, numbers)


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="needs PostgreSQL"
)
@pytest.mark.slow
def test_two_processes(app, crowded_offer, clock):
    halves = [list(range(1, CROWD + 1, 2)), list(range(2, CROWD + 1, 2))]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        parts = pool.starmap(_process, [(clock.now, half) for half in halves])
    answers = [a for part in parts for a in part]
    assert_one_winner(answers)
