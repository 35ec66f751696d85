"""Texting the line in tests: a signed POST to /twilio/sms exactly as the provider sends it."""

from __future__ import annotations

import itertools
import threading
import xml.etree.ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.db import db
from app.scheduling.runner import run_jobs_once
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support.signing import signed_post

_sids = itertools.count(1)
LINE = "580"


def sms_form(sender: str, body: str, sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{next(_sids):032x}",
        "AccountSid": "AC" + "1" * 32,
        "From": sender,
        "To": LINE,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def text_line(client: FlaskClient, sender: str, body: str, sid: str | None = None) -> TestResponse:
    """Text the line, then let the worker do the jobs the text asked for, as it does at once."""
    response = post_signed(client, "/twilio/sms", sms_form(sender, body, sid))
    if response.status_code == 200:  # a refused text (503) asked for nothing
        run_jobs(client.application)
    return response


def run_jobs(app: Flask) -> None:
    """Everything the job queue holds that is due, run as the worker runs it: on another thread,
    with its own session, so the test's objects stay attached (and are refreshed after)."""

    db.session.commit()  # end the test's own transaction: on SQLite it holds the write lock

    def work() -> None:
        while run_jobs_once(app).busy:
            pass

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    db.session.expire_all()


def post_signed(client: FlaskClient, path: str, form: dict[str, str]) -> TestResponse:
    return signed_post(client, path, form, auth_token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL)


def replies(response: TestResponse) -> list[str]:
    """The bodies of the <Message> verbs in a TwiML messaging response."""
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]
