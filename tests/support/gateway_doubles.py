"""Local HTTP imitations of Alibaba Cloud's and Tencent Cloud's SMS and voice APIs.

The real SDKs are pointed at them (ALIYUN_SMS_ENDPOINT and the like). Each double recomputes the
signature the SDK put on the request, ACS3-HMAC-SHA256 for Alibaba Cloud and TC3-HMAC-SHA256
for Tencent Cloud, with the secret it was given, and refuses a request whose signature does not
match, as the real gateways do. They record what they accepted and fail on command: an HTTP
error, the gateway's flow-control or wrong-template answer, or a closed port.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlsplit


@dataclass(frozen=True)
class Received:
    """One request the double accepted (signature valid), by API action."""

    action: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Failure:
    status: int  # HTTP status; 200 with ``code`` is a refusal in the body
    code: str


class GatewayDouble:
    """Common lifecycle: 127.0.0.1, a free port, a background thread."""

    content_type = "application/json;charset=utf-8"

    def __init__(self) -> None:
        self.key_id = "AK" + secrets.token_hex(8)
        self.secret = secrets.token_hex(16)
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self.bad_signatures = 0
        self._failures: list[Failure] = []
        self._server: ThreadingHTTPServer | None = None
        self._port = 0

    def start(self) -> Self:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = double._handle(self.path, headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", double.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def refuse(self) -> None:
        """Close the port: connections are refused until ``recover()``."""
        self.stop()

    def recover(self) -> None:
        with self._lock:
            self._failures.clear()
        if self._server is None:
            self.start()

    def fail_next(self, n: int, status: int, code: str) -> None:
        with self._lock:
            self._failures.extend([Failure(status, code)] * n)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def actions(self, action: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r.params for r in self.received if r.action == action]

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self._lock:
            action, params = self.parse(path, headers, body)
            if not self.signature_ok(path, headers, body):
                self.bad_signatures += 1
                return self.error(403, "SignatureDoesNotMatch")
            if self._failures:
                failure = self._failures.pop(0)
                return self.error(failure.status, failure.code)
            self.received.append(Received(action, params))
            return 200, self.success(action, params)

    # Each gateway's own shape.
    def parse(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, dict]:
        raise NotImplementedError

    def signature_ok(self, path: str, headers: dict[str, str], body: bytes) -> bool:
        raise NotImplementedError

    def error(self, status: int, code: str) -> tuple[int, Any]:
        raise NotImplementedError

    def success(self, action: str, params: dict[str, Any]) -> Any:
        raise NotImplementedError


class AliyunDouble(GatewayDouble):
    """dysmsapi / dyvmsapi: RPC style, parameters in the query, ACS3-HMAC-SHA256 signed."""

    def parse(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, dict]:
        query = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        return headers.get("x-acs-action", ""), query

    def signature_ok(self, path: str, headers: dict[str, str], body: bytes) -> bool:
        match = re.fullmatch(
            r"ACS3-HMAC-SHA256 Credential=(?P<key>[^,]+),SignedHeaders=(?P<signed>[^,]+),"
            r"Signature=(?P<sig>[0-9a-f]+)",
            headers.get("authorization", ""),
        )
        if match is None or match["key"] != self.key_id:
            return False
        if headers.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
            return False
        parts = urlsplit(path)
        query = sorted(parse_qsl(parts.query, keep_blank_values=True))
        canonical_query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in query)
        signed = match["signed"].split(";")
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join(
            [
                "POST",
                parts.path or "/",
                canonical_query,
                canonical_headers,
                match["signed"],
                hashlib.sha256(body).hexdigest(),
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, match["sig"])

    def error(self, status: int, code: str) -> tuple[int, Any]:
        body = {"Code": code, "Message": code, "RequestId": secrets.token_hex(8)}
        return status, body

    def success(self, action: str, params: dict[str, Any]) -> Any:
        if action == "SendSms":
            biz_id = f"{secrets.randbelow(10**15)}^0"
            return {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "r"}
        return {"Code": "OK", "Message": "OK", "CallId": f"{secrets.randbelow(10**12)}^1"}


class TencentDouble(GatewayDouble):
    """sms / vms: JSON bodies, the action in X-TC-Action, TC3-HMAC-SHA256 signed."""

    content_type = "application/json"  # exactly: the SDK reads errors only from this type

    def parse(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, dict]:
        return headers.get("x-tc-action", ""), json.loads(body or b"{}")

    def signature_ok(self, path: str, headers: dict[str, str], body: bytes) -> bool:
        match = re.fullmatch(
            r"TC3-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>[\d-]+)/(?P<service>\w+)/"
            r"tc3_request, SignedHeaders=content-type;host, Signature=(?P<sig>[0-9a-f]+)",
            headers.get("authorization", ""),
        )
        if match is None or match["key"] != self.key_id:
            return False
        timestamp = headers.get("x-tc-timestamp", "0")
        date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
        if date != match["date"]:
            return False
        canonical = "\n".join(
            [
                "POST",
                urlsplit(path).path or "/",
                "",
                f"content-type:{headers.get('content-type', '')}\nhost:{headers.get('host', '')}\n",
                "content-type;host",
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{date}/{match['service']}/tc3_request"
        to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                timestamp,
                scope,
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        key = _hmac(("TC3" + self.secret).encode(), date)
        key = _hmac(_hmac(key, match["service"]), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, match["sig"])

    def error(self, status: int, code: str) -> tuple[int, Any]:
        if status != 200:
            return status, {"message": code}  # a proxy or gateway failure, not the API's
        error = {"Error": {"Code": code, "Message": code}, "RequestId": "r"}
        return 200, {"Response": error}

    def success(self, action: str, params: dict[str, Any]) -> Any:
        if action == "SendSms":
            statuses = [
                {
                    "SerialNo": f"2645:{secrets.randbelow(10**12)}",
                    "PhoneNumber": number,
                    "Fee": 1,
                    "SessionContext": params.get("SessionContext", ""),
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
                for number in params.get("PhoneNumberSet", [])
            ]
            return {"Response": {"SendStatusSet": statuses, "RequestId": "r"}}
        call_id = secrets.token_hex(12)
        context = params.get("SessionContext", "")
        return {
            "Response": {
                "SendStatus": {"CallId": call_id, "SessionContext": context},
                "RequestId": "r",
            }
        }


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()
