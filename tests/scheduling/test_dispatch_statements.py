"""What the worker's dispatch of a new ticket may cost the database: the job claimed and read,
the ticket with its community, the street's units once, the ranking, the wave written, the
volunteers' offer counters in one UPDATE. A change that adds a query to the worker's hot path
fails here before it shows in the sustained rate of texts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.db import db
from app.messaging.models import Message, MessageStatus
from app.volunteers.models import Offer, Volunteer
from tests.messaging.test_statement_budgets import budget, counted, post
from tests.support.texting import run_jobs
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT

# Claim and read the job; the ticket; its street's units; the last round; the ticket moved
# (its time set with its status); its "dispatched" event; the ranking; the candidates; the
# wave's texts and offers (one INSERT each, without the ORM's flush); the counters; the "offers
# sent" event with the ticket's time; the job deleted; the worker's next look, which finds
# nothing.
DISPATCH = {"postgresql": 16, "sqlite": 16}


def first_wave(client) -> tuple[list[str], list[Offer]]:  # type: ignore[no-untyped-def]
    """A resident's new report dispatched by the worker to five volunteers nearby: the
    statements the worker ran, and the offers of its first wave."""
    home = f.community()
    f.resident(home)
    for n in range(1, 6):
        f.volunteer(n, home)
    post(client, RESIDENT, "洗衣机坏了，转几下就不动了")
    with counted(client.application) as (statements, _):
        run_jobs(client.application)
    offers = db.session.scalars(select(Offer)).all()
    assert len(offers) == 3, "\n".join(statements)
    return statements, list(offers)


def test_a_new_tickets_dispatch_stays_within_its_budget(client, ctx):
    statements, _ = first_wave(client)
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


def test_a_wave_of_offers_is_written_in_one_insert_of_texts_and_one_of_offers(client, ctx, clock):
    """On both databases: the wave's texts in one INSERT, then its offers in one, each offer
    pointing at the text that asks its own volunteer."""
    statements, offers = first_wave(client)
    # Opt-outs were read with the candidates (matching leaves them out), not once per offer.
    lookups = [s for s in statements if s.startswith("SELECT EXISTS (SELECT * FROM opt_outs")]
    assert lookups == [], "\n".join(statements)
    inserts = [s.split(" (")[0] for s in statements if s.startswith("INSERT")]
    assert inserts.count("INSERT INTO messages") == 1, "\n".join(statements)
    assert inserts.count("INSERT INTO offers") == 1, "\n".join(statements)
    first = inserts.index("INSERT INTO messages")
    assert inserts[first : first + 2] == ["INSERT INTO messages", "INSERT INTO offers"]
    for offer in offers:
        text = db.session.get(Message, offer.message_id)
        assert text is not None and text.peer == offer.volunteer.phone
        assert offer.token in text.body  # the link in the text is this offer's own
        assert (text.status, text.template) == (MessageStatus.queued, "offer")
