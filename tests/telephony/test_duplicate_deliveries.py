"""The provider delivers at least once: 20 copies of one SMS, from several processes, at once."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.db import db
from app.messaging.models import Direction, Message
from app.tickets.models import Ticket
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support.texting import replies, sms_form

SID = "SM" + "f" * 32
BODY = "楼道灯坏了"


def deliver(database_url: str, copies: int) -> list[int]:
    """In a fresh process: build the app and post `copies` signed copies concurrently."""
    from app import create_app
    from tests.support.signing import signed_post

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-0123456789abcdef-0123456789",
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        }
    )
    form = sms_form("13800138000", BODY, SID)

    def post(_: int) -> tuple[int, int]:
        response = signed_post(
            app.test_client(), "/twilio/sms", form, auth_token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL
        )
        return response.status_code, len(replies(response))

    with ThreadPoolExecutor(copies) as pool:
        results = list(pool.map(post, range(copies)))
    return [status for status, _ in results] + [sum(n for _, n in results)]


@pytest.mark.slow
def test_twenty_copies_across_processes_make_one_ticket_and_one_reply(app, ctx, database_url):
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        outcomes = pool.starmap(deliver, [(database_url, 5)] * 4)
    statuses = [s for outcome in outcomes for s in outcome[:-1]]
    assert statuses == [200] * 20
    assert sum(outcome[-1] for outcome in outcomes) == 1  # exactly one reply in all responses
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    outbound = select(func.count()).where(Message.direction == Direction.outbound)
    assert db.session.scalar(outbound) == 1
