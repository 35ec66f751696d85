"""Talking to a running `hotline` process from outside, as the provider and a person do: signed
webhooks over real HTTP, and the database read back to see what the worker sent."""

from __future__ import annotations

import secrets
import time

import requests
from sqlalchemy import create_engine, text

from tests.support.processes import Hotline
from tests.support.signing import SIGNATURE_HEADER, sign

AUTH_TOKEN = "restart-auth-token-0123456789"
ANSWER_SECONDS = 10  # a webhook answer after a restart, on a loaded machine (Twilio allows 15)
SENT_SECONDS = 60


def signed(base: str, path: str, form: dict[str, str]) -> requests.Response:
    signature = sign(AUTH_TOKEN, base + path, form)
    return requests.post(
        base + path, data=form, headers={SIGNATURE_HEADER: signature}, timeout=ANSWER_SECONDS
    )


def text_line(base: str, sender: str, body: str) -> requests.Response:
    form = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "580",
        "Body": body,
        "NumMedia": "0",
    }
    return signed(base, "/twilio/sms", form)


def sent_messages(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(
                text(
                    "SELECT count(*) FROM messages WHERE direction = 'out' "
                    "AND status IN ('sent', 'delivered')"
                )
            )
    finally:
        engine.dispose()


def wait_for_sent(url: str, more_than: int, worker: Hotline) -> None:
    """The worker process sends what the text queued (polled, bounded)."""
    deadline = time.monotonic() + SENT_SECONDS
    while sent_messages(url) <= more_than:
        assert time.monotonic() < deadline, f"nothing sent:\n{worker.output()}"
        time.sleep(0.2)
