"""The Twilio provider behind the messaging Sender interface, and the choice of provider."""

from __future__ import annotations

from twilio.rest import Client

from app.config import Settings
from app.messaging.senders import LocalSender, Sender, SendError, Sent, TemplateUse
from app.telephony import rest


class TwilioSender:
    """Sends through Twilio's REST API (or a compatible one at TWILIO_API_BASE_URL)."""

    def __init__(self, client: Client, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent:
        """Twilio sends the rendered body; ``template`` is for gateways that need it."""
        try:
            sid, status, _ = rest.send_sms(self.client, self.from_number, to, body, status_callback)
        except Exception as exc:
            raise _send_error(exc) from exc
        return Sent(sid=sid, status=status)

    def place_call(
        self, to: str, twiml_url: str, status_callback: str, prompt: TemplateUse | None = None
    ) -> Sent:
        try:
            sid = rest.place_call(self.client, self.from_number, to, twiml_url, status_callback)
        except Exception as exc:
            raise _send_error(exc) from exc
        return Sent(sid=sid, status="queued")

    def close(self) -> None:
        rest.close_client(self.client)


# Authentication failed: an account problem (say, a token being rotated), not this message's.
# Retrying lets the outbox drain once credentials are fixed instead of failing every row.
ACCOUNT_ERRORS = {20003}


def _send_error(exc: BaseException) -> SendError:
    kind, code = rest.classify_error(exc)
    permanent = kind == "permanent" and code not in ACCOUNT_ERRORS
    return SendError(str(exc) or type(exc).__name__, permanent=permanent, code=code)


def build_sender(settings: Settings) -> Sender:
    """Twilio when an account is configured, the local recorder otherwise."""
    if settings.local_mode:
        return LocalSender()
    client = rest.make_client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL or None,
    )
    return TwilioSender(client, settings.TWILIO_PHONE_NUMBER)
