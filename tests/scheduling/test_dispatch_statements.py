"""What the worker's dispatch of a new ticket may cost the database: the job claimed and read,
the ticket with its community, the street's units once, the ranking, the wave written, the
volunteers' offer counters in one UPDATE. A change that adds a query to the worker's hot path
fails here before it shows in the sustained rate of texts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.db import db
from app.volunteers.models import Offer, Volunteer
from tests.messaging.test_statement_budgets import budget, counted, post
from tests.support.texting import run_jobs
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT

# Claim and read the job; the ticket; its street's units; the last round; the ticket moved
# (its time set with its status); its "dispatched" event; the ranking; the candidates; the
# wave's texts and offers (one INSERT each on PostgreSQL, one per row on SQLite, which does not
# promise the order of RETURNING rows); the counters; the "offers sent" event with the
# ticket's time; the job deleted; the worker's next look, which finds nothing.
DISPATCH = {"postgresql": 16, "sqlite": 20}


def test_a_new_tickets_dispatch_stays_within_its_budget(client, ctx):
    home = f.community()
    f.resident(home)
    for n in range(1, 6):
        f.volunteer(n, home)
    post(client, RESIDENT, "洗衣机坏了，转几下就不动了")
    with counted(client.application) as (statements, _):
        run_jobs(client.application)
    offers = db.session.scalars(select(Offer)).all()
    assert len(offers) == 3, "\n".join(statements)
    assert len(statements) <= budget(DISPATCH), "\n".join(statements)

    def count(start: str) -> int:
        return sum(s.startswith(start) for s in statements)

    assert count("SELECT departments") == 1  # escalation and dispatch share one read
    assert count("UPDATE volunteers") == 1  # the whole wave's counters at once
    assert count("SELECT categories") == 0  # names and skills come from the data file
    assert count("SELECT residents") == 0  # only a volunteer's taking it calls a landline
    assert count("UPDATE jobs") == 2  # a batch claimed in one statement; the next finds none
    assert count("UPDATE tickets") == 2  # moved with its time; its time at the offers' event


def test_the_counters_of_a_wave_are_each_volunteers_own(client, ctx, clock):
    """One UPDATE for the wave still counts each volunteer once, and the day's count restarts
    on a new local day."""
    home = f.community()
    f.resident(home)
    helpers = [f.volunteer(n, home) for n in range(1, 4)]
    helpers[0].offers_day = date(2026, 11, 24)  # the clock's yesterday, in Chongqing
    helpers[0].offers_on_day = 7
    helpers[1].offers_total = 10
    db.session.commit()
    post(client, RESIDENT, "洗衣机坏了，转几下就不动了")
    run_jobs(client.application)
    rows = db.session.execute(
        select(Volunteer.offers_total, Volunteer.offers_on_day).order_by(Volunteer.id)
    ).all()
    assert [tuple(r) for r in rows] == [(1, 1), (11, 1), (1, 1)]
