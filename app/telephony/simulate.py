"""Sending a signed webhook request the way the provider would, for `hotline sms`, demos and
benchmarks."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from urllib.parse import urlencode

from flask import Flask
from twilio.request_validator import RequestValidator
from werkzeug.test import Client

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
    return str(RequestValidator(auth_token).compute_signature(url, form))


def signed_sms(
    public_base: str, auth_token: str, sender: str, to: str, body: str
) -> tuple[dict[str, str], str]:
    """The form of an incoming SMS and the signature Twilio would send with it."""
    form = sms_form(sender, to, body)
    return form, sign(auth_token, public_url(public_base, "/twilio/sms", ""), form)


def post_signed_sms(
    server: str, public_base: str, auth_token: str, sender: str, to: str, body: str
) -> tuple[int, str]:
    """POST a signed incoming SMS to `server`; the signature is over the public URL."""
    form, signature = signed_sms(public_base, auth_token, sender, to, body)
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


def text_line_in_process(app: Flask, sender: str, body: str) -> int:
    """Deliver a signed incoming SMS to this app's own /twilio/sms, through its WSGI stack.

    The dashboard's phone simulator uses this: the text takes exactly the provider's path,
    signature check included, so the simulator opens no unsigned way into the webhooks.
    Returns the HTTP status.
    """
    form = sms_form(sender, app.config["TWILIO_PHONE_NUMBER"], body)
    return post_in_process(app, "/twilio/sms", "", form)[0]


def post_in_process(app: Flask, path: str, query: str, form: dict[str, str]) -> tuple[int, str]:
    """POST `form` to this app's own `path`, signed as the provider signs it: (status, body)."""
    config = app.config
    url = public_url(config["PUBLIC_BASE_URL"], path, query)
    signature = sign(config["TWILIO_AUTH_TOKEN"], url, form)
    # A fresh app context of its own, so the webhook's request state (g) cannot leak into the
    # caller's; the database session is per thread and is shared, then removed on exit.
    with app.app_context():
        response = Client(app).post(
            f"{path}?{query}" if query else path,
            data=form,
            headers={SIGNATURE_HEADER: signature},
        )
        body = response.get_data(as_text=True)
        response.close()
    return response.status_code, body
