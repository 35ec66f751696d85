"""The offer link /o/ answered again, or by many taps at once: the ticket is taken once and the
resident's details leave once, with the winning answer; the page is never cached nor leaks its
token in a Referer."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.messaging.models import Message
from app.tickets.models import EventKind, TicketEvent, TicketStatus
from app.volunteers.models import Offer, OfferStatus, Volunteer
from tests.support.crowd import at_once, csrf_form
from tests.support.texting import replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, only_ticket

TAPS = 12
NAME = "王奶奶"  # the resident's name: one of the details only the taker gets


@pytest.fixture
def link(client, ctx, clock) -> str:
    home = f.community()
    f.resident(home)
    f.volunteer(1, home)
    f.volunteer(2, home)
    replies(text_line(client, RESIDENT, "洗衣机坏了"))
    path = f"/o/{offers()[0].token}"
    db.session.remove()
    return path


def details_texts() -> int:
    return db.session.scalar(select(func.count()).where(Message.template == "offer_won"))


def events(kind: EventKind) -> int:
    return db.session.scalar(select(func.count()).where(TicketEvent.kind == kind))


def test_an_accepted_link_posted_again_does_not_send_the_details_again(app, link):
    client = app.test_client()
    form = csrf_form(client, link, answer="accept")
    first = client.post(link, data=form)
    assert b"state-accepted" in first.data and NAME.encode() in first.data
    again = client.post(link, data=form)
    assert again.status_code == 200 and b"state-yours" in again.data
    assert NAME.encode() not in again.data
    shown = app.test_client().get(link)
    assert b"state-yours" in shown.data and NAME.encode() not in shown.data
    assert details_texts() == 1


def test_twelve_taps_on_accept_at_once_take_the_ticket_once(app, link):
    forms = {}

    def open_page(c):
        forms[id(c)] = csrf_form(c, link, answer="accept")

    pages = at_once(app, TAPS, lambda c: c.post(link, data=forms[id(c)]), open_page)

    assert sorted(p.status_code for p in pages) == [200] * TAPS
    assert [NAME.encode() in p.data for p in pages].count(True) == 1
    assert sum(b"state-yours" in p.data for p in pages) == TAPS - 1
    helper = db.session.scalar(select(Volunteer).where(Volunteer.phone == f.phone_of(1)))
    effects = (details_texts(), events(EventKind.assign), helper.accepts, helper.active_tasks)
    assert effects == (1, 1, 1, 1)
    assert only_ticket().status == TicketStatus.assigned


def test_taps_on_accept_and_decline_at_once_settle_one_way(app, link):
    forms = {}
    choices = iter(["accept", "decline"] * (TAPS // 2))

    def open_page(c):
        forms[id(c)] = csrf_form(c, link, answer=next(choices))

    pages = at_once(app, TAPS, lambda c: c.post(link, data=forms[id(c)]), open_page)

    assert all(p.status_code == 200 for p in pages)
    offer = db.session.scalar(select(Offer).where(Offer.token == link.removeprefix("/o/")))
    helper = db.session.get(Volunteer, offer.volunteer_id)
    answered = (events(EventKind.assign), events(EventKind.offer_declined))
    if offer.status == OfferStatus.accepted:
        assert answered == (1, 0) and (helper.accepts, helper.declines) == (1, 0)
        assert details_texts() == 1
    else:
        assert offer.status == OfferStatus.declined
        assert answered == (0, 1) and (helper.accepts, helper.declines) == (0, 1)
        assert details_texts() == 0


def test_offer_pages_are_never_cached_and_send_no_referrer(app, link):
    client = app.test_client()
    shown = client.get(link)
    answered = client.post(link, data=csrf_form(client, link, answer="decline"))
    for page in (shown, answered, client.get("/o/not-a-real-token")):
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
