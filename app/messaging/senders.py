"""The provider interface the worker sends through, and the local provider for local mode.

The Twilio implementation lives in app.telephony.sender; both are checked against this interface.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Sent:
    """What the provider answered: its id for the message or call, and its first status."""

    sid: str
    status: str


@dataclass(frozen=True)
class TemplateUse:
    """The template a text was rendered from, for gateways that send a registered template
    code and its values instead of the text (mainland China). For a call, the values its
    registered voice prompt reads out (Twilio reads them from the call's flow instead)."""

    name: str
    language: str
    values: dict[str, str]


class SendError(Exception):
    """The provider refused. `permanent` errors are never retried; `code` is the provider's."""

    def __init__(self, message: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


class Sender(Protocol):
    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent: ...

    def place_call(
        self, to: str, twiml_url: str, status_callback: str, prompt: TemplateUse | None = None
    ) -> Sent: ...


class LocalSender:
    """Local mode: nothing leaves the machine. The message row itself is the record of what
    would have been sent, shown in the dashboard's outbox and the phone simulator."""

    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent:
        return Sent(sid="LM" + secrets.token_hex(16), status="delivered")

    def place_call(
        self, to: str, twiml_url: str, status_callback: str, prompt: TemplateUse | None = None
    ) -> Sent:
        return Sent(sid="LC" + secrets.token_hex(16), status="queued")
