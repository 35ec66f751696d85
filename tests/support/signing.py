"""Signs webhook requests the way Twilio does, written from Twilio's published algorithm.

Deliberately independent of ``twilio.request_validator`` so the app's validation is checked
against a second implementation, not against itself.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

SIGNATURE_HEADER = "X-Twilio-Signature"

Form = Mapping[str, str] | Iterable[tuple[str, str]]


def sign(auth_token: str, url: str, form: Form) -> str:
    """HMAC-SHA1 (key: auth token) of the URL followed by every name+value, base64-encoded.

    Pairs are sorted by name, then value; an identical repeated pair counts once, as in
    Twilio's own SDKs.
    """
    payload = url + "".join(name + value for name, value in sorted(set(_pairs(form))))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_post(
    client: FlaskClient,
    path: str,
    form: Form,
    *,
    auth_token: str,
    base_url: str,
    query: str = "",
) -> TestResponse:
    """POST ``form`` to ``path`` with the signature Twilio would send for ``base_url``+path.

    ``query`` is the raw (already escaped) query string, sent and signed byte for byte.
    """
    target = path + (f"?{query}" if query else "")
    pairs = _pairs(form)
    signature = sign(auth_token, base_url.rstrip("/") + target, pairs)
    return client.post(target, data=MultiDict(pairs), headers={SIGNATURE_HEADER: signature})


def _pairs(form: Form) -> list[tuple[str, str]]:
    """Every (name, value) pair, repeated names included."""
    if isinstance(form, MultiDict):
        return list(form.items(multi=True))
    if isinstance(form, Mapping):
        return list(form.items())
    return list(form)
