"""Twilio's REST API through the official client: sending SMS, placing calls, judging failures.

The base URL can be overridden (TWILIO_API_BASE_URL) so the same client code talks to a
Twilio-compatible provider or to the local test double, and every request has a timeout: the
library's default is none, which would let one stuck connection stall the outbox worker.
"""

import ipaddress
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base import values
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

DEFAULT_TIMEOUT = 10.0  # seconds per request; the worker retries, a webhook never waits on this

ErrorKind = Literal["transient", "permanent"]

# Twilio error codes are five digits; the library falls back to the HTTP status when the body
# carries none, which is not a Twilio code.
_FIRST_TWILIO_CODE = 10000

# Refused, reset or timed-out connections, as requests raises them or as the OS does.
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    ConnectionError,
    TimeoutError,
)


class _TimedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with a timeout, optionally sending every request to another base."""

    def __init__(self, timeout: float, api_base_url: str | None = None) -> None:
        super().__init__(timeout=timeout)
        self._base = _parse_base(api_base_url) if api_base_url else None
        if self._base is not None and self.session is not None and _is_loopback(self._base[1]):
            self.session.trust_env = False  # an HTTP(S)_PROXY from the environment can't reach us

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return super().request(method, self._rebased(url), *args, **kwargs)

    def _rebased(self, url: str) -> str:
        """Same path and query under the override's scheme, host and optional path prefix."""
        if self._base is None:
            return url
        scheme, netloc, prefix = self._base
        parts = urlsplit(url)
        return urlunsplit((scheme, netloc, prefix + parts.path, parts.query, ""))


def make_client(
    account_sid: str,
    auth_token: str,
    api_base_url: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Client:
    """The real Twilio client; with ``api_base_url`` every request goes there instead."""
    http_client = _TimedHttpClient(timeout, api_base_url)
    return Client(account_sid, auth_token, http_client=http_client)


def close_client(client: Client) -> None:
    """Release the client's pooled connections (the worker does this on shutdown)."""
    session = getattr(client.http_client, "session", None)
    if session is not None:
        session.close()


def send_sms(
    client: Client, from_: str, to: str, body: str, status_callback: str | None
) -> tuple[str, str, int | None]:
    """Queue one SMS; returns (sid, status, segments). Raises on failure: see classify_error."""
    message = client.messages.create(
        to=to, from_=from_, body=body, status_callback=_or_unset(status_callback)
    )
    segments = int(message.num_segments) if message.num_segments else None
    return message.sid, str(message.status), segments


def place_call(client: Client, from_: str, to: str, url: str, status_callback: str | None) -> str:
    """Start one outbound call that fetches its TwiML from ``url``; returns the call sid."""
    call = client.calls.create(
        to=to, from_=from_, url=url, status_callback=_or_unset(status_callback)
    )
    return call.sid


def account_status(client: Client, account_sid: str) -> str:
    """Fetch the account (a read, nothing changes): its status, e.g. "active". Raises as the
    client does when the credentials are refused."""
    return str(client.api.v2010.accounts(account_sid).fetch().status)


def classify_error(exc: BaseException) -> tuple[ErrorKind, int | None]:
    """Whether retrying can help, and Twilio's error code when the API gave one.

    Transient: Twilio 5xx, 429 and 408, timeouts, refused or dropped connections. Permanent:
    every other 4xx (e.g. 21211 invalid 'To', 21610 unsubscribed, 21614 landline), and errors
    that are not about the network at all (a bug would fail the same way on every retry).
    A read timeout is transient but ambiguous: Twilio may have accepted the message already.
    """
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        return _kind_for_status(exc.status), _twilio_code(exc.code)
    if isinstance(exc, _NETWORK_ERRORS):
        return "transient", None
    return "permanent", None


def _kind_for_status(status: int) -> ErrorKind:
    return "transient" if status >= 500 or status in (408, 429) else "permanent"


def _twilio_code(code: object) -> int | None:
    return code if isinstance(code, int) and code >= _FIRST_TWILIO_CODE else None


def _parse_base(api_base_url: str) -> tuple[str, str, str]:
    parts = urlsplit(api_base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"TWILIO_API_BASE_URL must be an absolute http(s) URL: {api_base_url!r}")
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def _is_loopback(netloc: str) -> bool:
    host = urlsplit(f"//{netloc}").hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _or_unset(value: str | None) -> object:
    """The library omits a parameter only when it is its ``unset`` sentinel."""
    return values.unset if value is None else value
