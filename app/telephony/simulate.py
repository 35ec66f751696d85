"""Sending a signed webhook request the way the provider would, for `hotline sms`, demos and
benchmarks."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from app.telephony.security import SIGNATURE_HEADER, public_url


def sms_form(sender: str, to: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }


def sign(auth_token: str, url: str, form: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of ``form`` to ``url``."""
    return RequestValidator(auth_token).compute_signature(url, form)


def post_signed_sms(
    server: str, public_base: str, auth_token: str, sender: str, to: str, body: str
) -> tuple[int, str]:
    """POST a signed incoming SMS to `server`; the signature is over the public URL."""
    form = sms_form(sender, to, body)
    signature = sign(auth_token, public_url(public_base, "/twilio/sms", ""), form)
    request = urllib.request.Request(
        server.rstrip("/") + "/twilio/sms",
        data=urlencode(form).encode(),
        headers={SIGNATURE_HEADER: signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
