"""The offer link: previews change nothing; only the page's own POST answers, once."""

from __future__ import annotations

import re

import pytest

from app.db import db
from app.messaging.models import Message
from app.tickets.models import TicketStatus
from app.volunteers.models import OfferStatus
from tests.support.texting import replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, only_ticket, sent_to

PREVIEWERS = [
    "WhatsApp/2.23.20.0 A",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitterbot/1.0",
    "Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.40 WeChat",
    "curl/8.4.0",
]


@pytest.fixture
def offer(client, ctx, clock):
    home = f.community()
    f.resident(home, building="<b>3栋</b>")
    f.volunteer(1, home)
    f.volunteer(2, home, language="en")
    replies(text_line(client, RESIDENT, "洗衣机坏了"))
    return offers()[0]


def csrf_token(page: bytes) -> str:
    match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1).decode()


@pytest.mark.parametrize("agent", PREVIEWERS)
def test_fetching_the_link_changes_nothing(client, offer, agent):
    before = db.session.query(Message).count()
    page = client.get(f"/o/{offer.token}", headers={"User-Agent": agent})
    assert page.status_code == 200
    assert "接单".encode() in page.data and b"<form" in page.data
    # Not the resident's number, name or flat: an offer says only what and roughly where.
    # (The flat number is looked for as the address writes it: the page's random token, form
    # token and ticket code may hold the digits 401 anywhere.)
    assert RESIDENT.encode() not in page.data and "王奶奶".encode() not in page.data
    assert "2单元401".encode() not in page.data
    db.session.expire_all()
    assert offers()[0].status == OfferStatus.open
    assert only_ticket().status == TicketStatus.dispatching
    assert db.session.query(Message).count() == before


def test_the_page_post_accepts_once_and_texts_the_details(client, offer):
    page = client.get(f"/o/{offer.token}")
    assert b"&lt;b&gt;" in page.data and b"<b>3" not in page.data  # escaped
    answer = client.post(
        f"/o/{offer.token}", data={"answer": "accept", "csrf_token": csrf_token(page.data)}
    )
    assert answer.status_code == 200 and b"state-accepted" in answer.data
    assert "王奶奶".encode() in answer.data
    db.session.expire_all()
    assert only_ticket().assignee_id == offer.volunteer_id
    assert sent_to(f.phone_of(offer.volunteer_id), "offer_won")
    again = client.get(f"/o/{offer.token}")
    assert b"<form" not in again.data
    other = offers()[1]
    taken = client.get(f"/o/{other.token}")
    assert b"state-taken" in taken.data and b"Someone else" in taken.data  # in English


def test_a_post_without_the_csrf_token_is_refused(client, offer):
    response = client.post(f"/o/{offer.token}", data={"answer": "accept"})
    assert response.status_code == 400
    db.session.expire_all()
    assert offers()[0].status == OfferStatus.open


def test_decline_and_expiry_are_said_plainly(client, offer, clock):
    page = client.get(f"/o/{offer.token}")
    declined = client.post(
        f"/o/{offer.token}", data={"answer": "decline", "csrf_token": csrf_token(page.data)}
    )
    assert b"state-declined" in declined.data
    clock.advance(minutes=16)
    expired = client.get(f"/o/{offers()[1].token}")
    assert b"state-expired" in expired.data and b"<form" not in expired.data
    assert client.get("/o/not-a-real-token").status_code == 404
