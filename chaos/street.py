"""Work for the scenarios, written through the app's own operations: queued texts, volunteers,
tickets whose survey is due, offers that have run out.

Residents and volunteers live in one community, each resident in a building of their own: an
offer must say where, so a ticket without a place is held and offered to nobody, and two
reports from one building could be one problem."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from app.categories.catalog import classify
from app.clock import utcnow
from app.communities.models import Community
from app.db import db
from app.messaging import outbox
from app.messaging.models import Priority
from app.messaging.outbox import Text
from app.residents.models import Resident
from app.tickets.intake import open_ticket
from app.tickets.lifecycle import Actor, Move, transition
from app.tickets.models import ActorKind, Channel
from app.volunteers import dispatch
from app.volunteers.models import Offer, Volunteer

STAFF = Actor(ActorKind.staff, 1, "chaos")
COMMUNITY = "chaos"
SKILLS = ["appliance", "electrical", "plumbing", "building", "sanitation", "elderly", "other"]


def phone(series: int, n: int) -> str:
    return f"+861{series}{n:08d}"


def queued_texts(flask_app: Flask, count: int) -> None:
    """`count` texts in the outbox, each to its own number, priorities mixed."""
    priorities = [Priority.offer, Priority.notice, Priority.survey]
    with flask_app.app_context():
        for n in range(count):
            text = Text("help", "zh" if n % 2 else "en")
            outbox.queue_sms(db.session, phone(39, n), text, priority=priorities[n % 3])
        db.session.commit()
        db.session.remove()


def community() -> int:
    """The scenarios' community (made on first use); call inside an app context."""
    found = db.session.scalar(select(Community.id).where(Community.code == COMMUNITY))
    if found is not None:
        return found
    home = Community(code=COMMUNITY, name="混沌社区", name_en="Chaos")
    db.session.add(home)
    db.session.flush()
    return home.id


def volunteers(flask_app: Flask, count: int) -> None:
    """`count` always-available volunteers in the community who can take every category."""
    with flask_app.app_context():
        home = community()
        for n in range(count):
            helper = Volunteer(
                name=f"志愿者{n}", phone=phone(37, n), max_active=10**6, community_id=home
            )
            helper.skills = SKILLS
            db.session.add(helper)
        db.session.commit()
        db.session.remove()


def residents(flask_app: Flask, phones: list[str]) -> None:
    """Residents of the community with these numbers, each in a building of their own."""
    with flask_app.app_context():
        home = community()
        db.session.add_all(
            Resident(phone=number, language="zh", community_id=home, building=f"{n + 1}栋")
            for n, number in enumerate(phones)
        )
        db.session.commit()
        db.session.remove()


def tickets(flask_app: Flask, count: int, words: str = "洗衣机坏了") -> list[int]:
    """`count` new tickets from as many residents, offered to volunteers as intake does."""
    ids = []
    phones = [phone(38, n) for n in range(count)]
    residents(flask_app, phones)
    with flask_app.app_context():
        placed = db.session.scalars(select(Resident).where(Resident.phone.in_(phones)))
        for resident in sorted(placed, key=lambda r: r.phone):
            ticket = open_ticket(db.session, resident, words, Channel.sms, classify(words))
            dispatch.start(db.session, ticket)
            ids.append(ticket.id)
        db.session.commit()
        db.session.remove()
    return ids


def resolved_long_ago(flask_app: Flask, ticket_ids: list[int]) -> None:
    """Take the tickets off the volunteers and resolve them two hours ago: surveys are due."""
    from app.tickets.models import Ticket

    with flask_app.app_context():
        db.session.execute(
            update(Offer).where(Offer.ticket_id.in_(ticket_ids)).values(status="withdrawn")
        )
        for ticket in db.session.query(Ticket).filter(Ticket.id.in_(ticket_ids)):
            transition(ticket, Move.assign, STAFF)
            transition(ticket, Move.resolve, STAFF)
            ticket.resolved_at = utcnow() - timedelta(hours=2)
        db.session.commit()
        db.session.remove()


def offers_run_out(flask_app: Flask) -> list[int]:
    """Every open offer expired a minute ago; returns their ids."""
    with flask_app.app_context():
        ids = [o.id for o in db.session.query(Offer).filter(Offer.status == "open")]
        db.session.execute(
            update(Offer)
            .where(Offer.id.in_(ids))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
        db.session.remove()
    return ids
