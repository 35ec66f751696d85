"""A local HTTP imitation of Twilio's REST API, so tests drive the real ``twilio`` client.

It answers ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` and ``.../Calls.json``, and
``GET /2010-04-01/Accounts/{AccountSid}.json`` (the account itself), the way Twilio does (basic
auth, form bodies, 201 with Twilio-shaped JSON, Twilio error bodies), records every request, and
fails on command: HTTP errors, dropped connections, slow answers, or a closed port (connection
refused).
"""

import base64
import json
import re
import secrets
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl

API_VERSION = "2010-04-01"
_ROUTE = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>\w+)/(?P<resource>Messages|Calls)\.json$"
)

_ACCOUNT = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>\w+)\.json$")

_DEFAULT_CODES = {429: 20429, 500: 20500, 503: 20503}
_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21205: "Url parameter is required",
    21211: "Invalid 'To' Phone Number",
    21408: "Permission to send an SMS has not been enabled for the region indicated by 'To'",
    21602: "Message body is required",
    21603: "A 'From' phone number is required",
    21604: "A 'To' phone number is required",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    30006: "Landline or unreachable carrier",
}

# GSM 03.38: the basic set costs one septet, the extension set two (escape + char).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the double received it, and the HTTP status it answered (0: dropped)."""

    method: str
    path: str
    fields: tuple[tuple[str, str], ...]
    auth: tuple[str, str] | None
    status: int

    @property
    def resource(self) -> str | None:
        """``"Messages"``, ``"Calls"`` or None for an unknown path."""
        match = _ROUTE.match(self.path)
        return match["resource"] if match else None

    @property
    def form(self) -> dict[str, str]:
        """First value of each field: what a test usually asserts on."""
        first: dict[str, str] = {}
        for name, value in self.fields:
            first.setdefault(name, value)
        return first

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]


@dataclass(frozen=True)
class _Failure:
    status: int
    code: int | None
    message: str | None


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any] | None  # None: plain-text body, as a proxy's error page would be
    hang: float = 0.0
    drop: bool = False


@dataclass
class _Script:
    """What the double has been told to do with the next requests."""

    fail_next: deque[_Failure] = field(default_factory=deque)
    fail_to: dict[str | None, _Failure] = field(default_factory=dict)  # None: every number
    hang_next: deque[float] = field(default_factory=deque)
    drop_next: int = 0


class TwilioDouble:
    """Twilio's REST API on 127.0.0.1, on a free port, in a background thread."""

    def __init__(self, account_sid: str | None = None, auth_token: str | None = None) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self._lock = threading.Lock()
        self._recorded: list[RecordedRequest] = []
        self._script = _Script()
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        self._server = _Server(("127.0.0.1", self._port), self)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release_hangs()
        self._close_listener()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    # -- what it received ----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._recorded)

    def messages(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.resource == "Messages"]

    def calls(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.resource == "Calls"]

    # -- failing on command -----------------------------------------------------------------

    def fail_next(
        self, n: int = 1, status: int = 500, code: int | None = None, message: str | None = None
    ) -> None:
        """The next ``n`` requests get an HTTP error. Without a Twilio code (none given, none
        usual for the status) the body is plain text, like a proxy's error page."""
        with self._lock:
            self._script.fail_next.extend([_Failure(status, code, message)] * n)

    def fail_with(
        self,
        status: int = 400,
        code: int | None = 21614,
        message: str | None = None,
        *,
        to: str | None = None,
    ) -> None:
        """Every request to ``to`` (or to anyone when None) fails until ``recover()``."""
        with self._lock:
            self._script.fail_to[to] = _Failure(status, code, message)

    def hang_next(self, n: int = 1, seconds: float = 1.0) -> None:
        """The next ``n`` requests are answered only after ``seconds`` (or at stop/recover)."""
        with self._lock:
            self._script.hang_next.extend([seconds] * n)

    def drop_next(self, n: int = 1) -> None:
        """The next ``n`` connections are closed without an answer (reset by peer)."""
        with self._lock:
            self._script.drop_next += n

    def refuse(self) -> None:
        """Close the listening socket: new connections are refused until ``recover()``."""
        self._release_hangs()
        self._close_listener()

    def recover(self) -> None:
        """Forget every scripted failure and listen again (same port) if refusing."""
        with self._lock:
            self._script = _Script()
        self._release_hangs()
        if self._server is None:
            self.start()

    # -- answering (called from handler threads) ---------------------------------------------

    def _answer(
        self, method: str, path: str, fields: list[tuple[str, str]], auth: tuple[str, str] | None
    ) -> tuple[_Answer, threading.Event]:
        with self._lock:
            answer = self._decide(method, path, dict(fields), auth)
            self._recorded.append(
                RecordedRequest(
                    method, path, tuple(fields), auth, 0 if answer.drop else answer.status
                )
            )
            return answer, self._release

    def _decide(
        self, method: str, path: str, form: dict[str, str], auth: tuple[str, str] | None
    ) -> _Answer:
        """Twilio's order: route, then authentication, then the request itself."""
        account = _ACCOUNT.match(path)
        match = _ROUTE.match(path)
        if not (method == "GET" and account) and not (method == "POST" and match):
            return _error(404, 20404)
        if auth != (self.account_sid, self.auth_token) or (account or match)["account"] != (
            self.account_sid
        ):
            return _error(401, 20003)
        if account is not None:
            return _Answer(200, _account_json(self.account_sid))
        assert match is not None
        hang = self._script.hang_next.popleft() if self._script.hang_next else 0.0
        if self._script.drop_next:
            self._script.drop_next -= 1
            return _Answer(0, None, hang, drop=True)
        failure = self._scripted_failure(form.get("To"))
        if failure is not None:
            return _error(failure.status, failure.code, failure.message, form.get("To"), hang)
        missing = _missing_parameter(match["resource"], form)
        if missing is not None:
            return _error(400, missing, hang=hang)
        return _Answer(201, self._resource(match["resource"], form), hang)

    def _scripted_failure(self, to: str | None) -> _Failure | None:
        if self._script.fail_next:
            return self._script.fail_next.popleft()
        return self._script.fail_to.get(to) or self._script.fail_to.get(None)

    def _resource(self, resource: str, form: dict[str, str]) -> dict[str, Any]:
        if resource == "Messages":
            return _message_json(self.account_sid, form)
        return _call_json(self.account_sid, form)

    def _release_hangs(self) -> None:
        with self._lock:
            self._release.set()
            self._release = threading.Event()

    def _close_listener(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()  # joins handler threads: none outlives the test
        if thread is not None:
            thread.join()


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() waits for handlers

    def __init__(self, address: tuple[str, int], double: TwilioDouble) -> None:
        self.double = double
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) is expected; anything else is a bug worth a trace."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        fields = parse_qsl(body, keep_blank_values=True)
        answer, release = self.server.double._answer(
            self.command, self.path, fields, _basic_auth(self.headers.get("Authorization"))
        )
        if answer.hang:
            release.wait(answer.hang)
        if answer.drop:
            self.close_connection = True
            return
        self._send(answer)

    def _send(self, answer: _Answer) -> None:
        if answer.body is None:
            payload, content_type = self.responses[answer.status][0].encode(), "text/plain"
        else:
            payload, content_type = json.dumps(answer.body).encode(), "application/json"
        self.send_response(answer.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the recorded requests are the log."""


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _error(
    status: int,
    code: int | None,
    message: str | None = None,
    to: str | None = None,
    hang: float = 0.0,
) -> _Answer:
    code = code or _DEFAULT_CODES.get(status)
    if code is None:
        return _Answer(status, None, hang)
    text = message or _MESSAGES.get(code, f"Error {code}")
    if to and message is None:
        text = f"{text}: {to}"
    body = {
        "code": code,
        "message": text,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return _Answer(status, body, hang)


def _missing_parameter(resource: str, form: dict[str, str]) -> int | None:
    """Twilio's error code for the first required parameter that is absent."""
    if not form.get("To"):
        return 21604
    if not form.get("From"):
        return 21603
    if resource == "Messages" and not form.get("Body"):
        return 21602
    if resource == "Calls" and not (form.get("Url") or form.get("Twiml")):
        return 21205
    return None


def _message_json(account_sid: str, form: dict[str, str]) -> dict[str, Any]:
    sid = "SM" + secrets.token_hex(16)
    now = _rfc2822_now()
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": form["Body"],
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form["From"],
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": str(segment_count(form["Body"])),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {
            "media": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}/Media.json"
        },
        "to": form["To"],
        "uri": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json",
    }


def _call_json(account_sid: str, form: dict[str, str]) -> dict[str, Any]:
    sid = "CA" + secrets.token_hex(16)
    now = _rfc2822_now()
    return {
        "account_sid": account_sid,
        "annotation": None,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": now,
        "date_updated": now,
        "direction": "outbound-api",
        "duration": None,
        "end_time": None,
        "forwarded_from": None,
        "from": form["From"],
        "from_formatted": form["From"],
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": sid,
        "start_time": None,
        "status": "queued",
        "subresource_uris": {},
        "to": form["To"],
        "to_formatted": form["To"],
        "trunk_sid": None,
        "uri": f"/{API_VERSION}/Accounts/{account_sid}/Calls/{sid}.json",
    }


def _account_json(account_sid: str) -> dict[str, Any]:
    return {
        "sid": account_sid,
        "friendly_name": "580 Hotline",
        "status": "active",
        "type": "Full",
        "uri": f"/{API_VERSION}/Accounts/{account_sid}.json",
    }


def segment_count(body: str) -> int:
    """SMS segments as carriers bill them: GSM-7 160/153 septets, else UCS-2 70/67 units."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in body):
        units = sum(2 if ch in _GSM_EXTENSION else 1 for ch in body)
        single, multi = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else -(-units // multi)


def _rfc2822_now() -> str:
    return format_datetime(datetime.now(UTC))
