"""Callbacks from the domestic gateways: replies, delivery reports and call results (JSON POSTs).

Neither gateway signs its pushes: every URL carries HOTLINE_CALLBACK_SECRET (compared in
constant time) and, optionally, callers must come from HOTLINE_CALLBACK_ALLOW. A wrong secret is
403 and nothing is stored. Handlers parse, call one use case per item, commit and answer in the
gateway's own words (Alibaba Cloud retries a push not answered ``{"code": 0}`` after 1, 5 and
10 minutes; the provider ids make the retry change nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request

from app.db import again_if_lost, db
from app.messaging.delivery import apply_status
from app.providers.choice import registry_for
from app.providers.inbound import receive_gateway_sms
from app.voice import calls
from app.voice.setup import voice_line
from app.volunteers import dispatch

bp = Blueprint("providers", __name__, url_prefix="/providers")
ALIYUN_OK = {"code": 0, "msg": "成功"}
TENCENT_OK = {"result": 0, "errmsg": "OK"}
# Alibaba Cloud voice: 200000 the callee listened to the end, 2001xx answered then hung up.
ALIYUN_ANSWERED = re.compile(r"^200(000|1\d\d)$")


@bp.before_request
def check_secret() -> None:
    expected = current_app.config["HOTLINE_CALLBACK_SECRET"]
    given = (request.view_args or {}).get("secret", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(403)
    allowed = current_app.config["HOTLINE_CALLBACK_ALLOW"]
    if allowed and not _allowed(request.remote_addr or "", allowed):
        abort(403)


def _allowed(address: str, allowed: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    networks = [n.strip() for n in allowed.split(",") if n.strip()]
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def _items(*, key: str | None = None) -> list[dict[str, Any]]:
    """The body as a list of objects (Alibaba Cloud pushes arrays; Tencent single objects)."""
    body = request.get_json(silent=True)
    if key is not None and isinstance(body, dict):
        body = body.get(key)
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
        abort(400, description="expected a JSON object or array of objects")
    return body


def _text(item: dict[str, Any], name: str, limit: int = 1600) -> str:
    value = item.get(name)
    return "" if value is None else str(value)[:limit]


@bp.post("/aliyun/sms-up/<secret>")
def aliyun_sms_up(secret: str) -> Response:
    texts = [
        (
            f"aliyun-up:{_text(item, 'sequence_id', 40)}",
            _text(item, "phone_number", 40),
            _text(item, "content"),
        )
        for item in _items()
    ]
    _receive("aliyun", texts)
    return jsonify(ALIYUN_OK)


@bp.post("/tencent/sms-reply/<secret>")
def tencent_sms_reply(secret: str) -> Response:
    texts = []
    for item in _items():
        mobile, text = _text(item, "mobile", 30), _text(item, "text")
        # No id in the push: the sender, the second and the text identify a repeat.
        digest = hashlib.sha256(f"{mobile}|{_text(item, 'time', 20)}|{text}".encode()).hexdigest()
        sender = f"+{_text(item, 'nationcode', 4) or '86'}{mobile}"
        texts.append((f"tencent-up:{digest[:40]}", sender, text))
    _receive("tencent", texts)
    return jsonify(TENCENT_OK)


def _receive(provider: str, texts: list[tuple[str, str, str]]) -> None:
    """Record and route each pushed (id, sender, text) in one unit, run again whole if it lost
    a race with a concurrent request."""
    registry = registry_for(current_app.config["SETTINGS"])

    def handle() -> None:
        for sid, sender, body in texts:
            receive_gateway_sms(db.session, registry, provider, sid, sender, body)

    again_if_lost(db.session, handle)
    db.session.commit()


def _delivery(sid: str, delivered: bool) -> None:
    message = apply_status(db.session, sid, "delivered" if delivered else "undelivered", None)
    if message is not None:
        dispatch.delivery_failed(db.session, message)


@bp.post("/aliyun/sms-report/<secret>")
def aliyun_sms_report(secret: str) -> Response:
    for item in _items():
        _delivery(_text(item, "biz_id", 64), item.get("success") in (True, "true"))
    db.session.commit()
    return jsonify(ALIYUN_OK)


@bp.post("/tencent/sms-status/<secret>")
def tencent_sms_status(secret: str) -> Response:
    for item in _items():
        _delivery(_text(item, "sid", 64), _text(item, "report_status") == "SUCCESS")
    db.session.commit()
    return jsonify(TENCENT_OK)


@bp.post("/aliyun/voice-report/<secret>")
def aliyun_voice_report(secret: str) -> Response:
    for item in _items():
        calls.gateway_call_ended(
            db.session,
            voice_line(),
            _text(item, "call_id", 64),
            answered=bool(ALIYUN_ANSWERED.match(_text(item, "status_code", 10))),
            keys=_text(item, "dtmf", 20),
            duration=_seconds(item.get("duration")),
        )
    db.session.commit()
    return jsonify(ALIYUN_OK)


@bp.post("/tencent/voice-status/<secret>")
def tencent_voice_status(secret: str) -> Response:
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        abort(400)
    pressed = body.get("voicekey_callback")
    ended = body.get("voice_callback")
    if isinstance(pressed, dict):
        calls.gateway_keys(
            db.session, voice_line(), _text(pressed, "callid", 64), _text(pressed, "keypress", 20)
        )
    elif isinstance(ended, dict):
        start, end = _seconds(ended.get("start_calltime")), _seconds(ended.get("end_calltime"))
        calls.gateway_call_ended(
            db.session,
            voice_line(),
            _text(ended, "callid", 64),
            answered=_text(ended, "result") == "0",
            keys="",
            duration=end - start if start and end else None,
        )
    else:
        abort(400, description="expected voicekey_callback or voice_callback")
    db.session.commit()
    return jsonify(TENCENT_OK)


def _seconds(value: object) -> int | None:
    text = str(value or "").removesuffix("秒")
    return int(text) if text.isdigit() else None
