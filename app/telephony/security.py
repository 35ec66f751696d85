"""Webhook authenticity: did this request really come from Twilio?

Twilio signs the exact URL it called plus every POST field, so the URL must be rebuilt from the
configured public base URL (proxies change scheme, host and prefix) and the raw query string;
Flask's ``request.url`` decodes escapes and would break the signature.
"""

import base64
import hmac
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from hashlib import sha1
from urllib.parse import SplitResult, parse_qs, quote, urlparse, urlsplit

from twilio.request_validator import RequestValidator, add_port, remove_port
from werkzeug.datastructures import MultiDict

SIGNATURE_HEADER = "X-Twilio-Signature"

# Characters a URL path may carry unescaped; "%" keeps already-escaped paths unchanged.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def public_url(base_url: str, path: str, raw_query: bytes | str) -> str:
    """The URL Twilio called: ``base_url`` + ``path`` + ``?`` + the query exactly as received.

    ``base_url`` is PUBLIC_BASE_URL (may carry a path prefix, a port, a trailing slash);
    ``path`` is relative to the application root (Flask's ``request.path``); ``raw_query`` is
    ``request.query_string`` and is never decoded, because Twilio signed the escaped form.
    """
    url = _normalised_base(base_url) + quote("/" + path.lstrip("/"), safe=_PATH_SAFE)
    query = raw_query.decode("utf-8", "replace") if isinstance(raw_query, bytes) else raw_query
    return f"{url}?{query}" if query else url


def is_valid_signature(
    auth_token: str,
    url: str,
    form: Mapping[str, str] | str | None,
    signature: str | None,
) -> bool:
    """True when ``signature`` is Twilio's for ``url`` and ``form``.

    Pass the whole multi-valued form (Flask's ``request.form``, not ``.to_dict()``): Twilio signs
    every field, repeated ones included, and adds fields without notice. A JSON-body webhook
    passes its raw body as a string; its URL then carries ``bodySHA256``.
    """
    if not signature or not auth_token:
        return False
    if isinstance(form, str):
        if "bodySHA256" not in parse_qs(urlsplit(url).query):
            return False  # a raw body is only signed through its hash in the URL
        return bool(RequestValidator(auth_token).validate(url, form, signature))
    # As the SDK's validate, which accepts the URL with or without its port, but the URL as
    # called is tried first and alone: one HMAC per genuine request instead of two.
    given, key, fields = signature.encode(), auth_token.encode(), _fields(form or {})
    return any(
        hmac.compare_digest(form_signature(key, candidate, fields), given)
        for candidate in _with_and_without_port(url)
    )


def form_signature(key: bytes, url: str, fields: Iterable[tuple[str, list[str]]]) -> bytes:
    """Twilio's signature, as the SDK's `RequestValidator.compute_signature` makes it: the URL,
    then each field's name before each of its distinct values (names and values sorted), signed
    with HMAC-SHA1 and base64-encoded. (The SDK asks a Flask form for each field's values in a
    way that raises and catches an exception per field.)"""
    signed = url + "".join(
        name + value for name, values in sorted(fields) for value in sorted(set(values))
    )
    return base64.b64encode(hmac.new(key, signed.encode(), sha1).digest())


def _fields(form: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    if isinstance(form, MultiDict):
        return list(form.lists())
    return [(name, [value]) for name, value in form.items()]


def _with_and_without_port(url: str) -> Iterator[str]:
    yield url
    parsed = urlparse(url)
    yield remove_port(parsed) if parsed.port else add_port(parsed)


@lru_cache(maxsize=8)
def _normalised_base(base_url: str) -> str:
    """``base_url`` without its trailing slash; a malformed one is a configuration error."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not _has_valid_port(parts):
        raise ValueError(f"PUBLIC_BASE_URL must be an absolute http(s) URL, got {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"PUBLIC_BASE_URL must not carry a query or fragment: {base_url!r}")
    return base_url.rstrip("/")


def _has_valid_port(parts: SplitResult) -> bool:
    try:
        _ = parts.port  # parsed lazily; raises on "host:abc" or out-of-range ports
    except ValueError:
        return False
    return True
