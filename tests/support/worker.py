"""The worker as tests run it: the outbox sent through the real twilio client to the REST double,
and the scheduler's sweeps, each one tick at a time under the test's clock."""

from __future__ import annotations

from flask import Flask

from app.db import db
from app.scheduling.runner import run_sweeps_once, send_outbox_once
from app.telephony import rest
from app.telephony.sender import TwilioSender
from tests.support.call_walker import LINE
from tests.support.twilio_double import RecordedRequest, TwilioDouble


class TestWorker:
    """One worker process: ``tick()`` runs the sweeps, then sends what they queued."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, app: Flask, double: TwilioDouble) -> None:
        self.app = app
        self.double = double

    def sweep(self) -> list[str]:
        ran = run_sweeps_once(self.app, "test-worker")
        db.session.expire_all()
        return ran

    def send(self) -> list[RecordedRequest]:
        """Send every due outbox row; returns the provider requests this made."""
        before = len(self.double.requests)
        client = rest.make_client(
            self.double.account_sid, self.double.auth_token, self.double.base_url
        )
        try:
            sender = TwilioSender(client, LINE)
            while (outcome := send_outbox_once(self.app, sender)).sent or outcome.suppressed:
                assert not (outcome.failed or outcome.retried), outcome
        finally:
            rest.close_client(client)
        db.session.expire_all()
        return self.double.requests[before:]

    def tick(self) -> list[RecordedRequest]:
        self.sweep()
        return self.send()
