"""A domestic gateway as tests drive it: the app configured for it, the real SDK sending to the
signature-checking double, and the gateway's pushes (replies, reports, call results) posted to
the app's callback URLs exactly as the gateway formats them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.clock import utcnow
from app.db import EXTENSION_KEY, db
from app.messaging.registry import Registry, load
from app.providers.choice import build_sender
from app.providers.gateway import national
from app.scheduling.runner import run_sweeps_once, send_outbox_once
from tests.support.gateway_doubles import AliyunDouble, GatewayDouble, TencentDouble
from tests.support.registry import filled_registry

SECRET = "cb-7f3a9c2e5d1b8a4f6e0c9d2b7a5f1e3c"
SIGN = "580热线"
_sequence = itertools.count(1)


def settings_for(provider: str, double: GatewayDouble, registry: Path) -> dict[str, Any]:
    """Everything a mainland installation sets for ``provider``, pointed at ``double``."""
    common = {
        "HOTLINE_SMS_PROVIDER": provider,
        "HOTLINE_VOICE_PROVIDER": provider,
        "HOTLINE_CALLBACK_SECRET": SECRET,
        "HOTLINE_SMS_REGISTRY": str(registry),
        "HOTLINE_LINKS_ENABLED": False,
    }
    if provider == "aliyun":
        return common | {
            "ALIYUN_ACCESS_KEY_ID": double.key_id,
            "ALIYUN_ACCESS_KEY_SECRET": double.secret,
            "ALIYUN_SMS_SIGN_NAME": SIGN,
            "ALIYUN_SMS_ENDPOINT": double.endpoint,
            "ALIYUN_VOICE_ENDPOINT": double.endpoint,
        }
    return common | {
        "TENCENT_SECRET_ID": double.key_id,
        "TENCENT_SECRET_KEY": double.secret,
        "TENCENT_SMS_SDK_APP_ID": "1400580580",
        "TENCENT_SMS_SIGN_NAME": SIGN,
        "TENCENT_VOICE_SDK_APP_ID": "1400580581",
        "TENCENT_SMS_ENDPOINT": double.endpoint,
        "TENCENT_VOICE_ENDPOINT": double.endpoint,
    }


@dataclass
class Gateway:
    provider: str
    app: Flask
    client: FlaskClient
    double: GatewayDouble
    registry: Registry
    seen: int = 0
    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, by_provider in self.registry.codes.items():
            for code in by_provider[self.provider].values():
                self.names[code] = name
        for name, voice in self.registry.voice.items():
            for code in voice.codes[self.provider].values():
                self.names[code] = name

    # -- the worker --------------------------------------------------------------------------

    def tick(self) -> list[tuple[str, str]]:
        """Sweeps, then the outbox; (number as the gateway got it, template) per request."""
        run_sweeps_once(self.app, "test-worker")
        return self.send()

    def send(self) -> list[tuple[str, str]]:
        sender = build_sender(self.app.config["SETTINGS"])
        while (outcome := send_outbox_once(self.app, sender)).sent or outcome.suppressed:
            assert not (outcome.failed or outcome.retried), outcome
        db.session.expire_all()
        return self.new_requests()

    def new_requests(self) -> list[tuple[str, str]]:
        received = self.double.received[self.seen :]
        self.seen = len(self.double.received)
        return [self._describe(r.action, r.params) for r in received]

    def _describe(self, action: str, params: dict[str, Any]) -> tuple[str, str]:
        if action == "SendSms" and self.provider == "aliyun":
            return params["PhoneNumbers"], self.names[params["TemplateCode"]]
        if action == "SendSms":
            return params["PhoneNumberSet"][0], self.names[params["TemplateId"]]
        if self.provider == "aliyun":
            code = params.get("StartCode") or params.get("TtsCode")
            return params["CalledNumber"], self.names[code]
        return params["CalledNumber"], self.names[params["TemplateId"]]

    # -- the gateway's pushes ----------------------------------------------------------------

    def post(self, kind: str, body: Any, secret: str = SECRET) -> Any:
        response = self.client.post(f"/providers/{self.provider}/{kind}/{secret}", json=body)
        db.session.expire_all()
        return response

    def text_in(self, phone: str, text: str, sequence: int | None = None) -> Any:
        """The phone's text as the gateway pushes it (Alibaba Cloud: SmsUp; Tencent: reply)."""
        if self.provider == "aliyun":
            item = {
                "phone_number": national(phone),
                "send_time": utcnow().strftime("%Y-%m-%d %H:%M:%S"),
                "content": text,
                "sign_name": SIGN,
                "dest_code": "580",
                "sequence_id": sequence or next(_sequence),
            }
            return self.post("sms-up", [item])
        item = {
            "extend": "",
            "mobile": national(phone),
            "nationcode": "86",
            "sign": SIGN,
            "text": text,
            # Tencent sends no id: a repeat is the same sender, second and text.
            "time": int(utcnow().timestamp()) + (sequence or next(_sequence)),
        }
        return self.post("sms-reply", item)

    def report(self, sid: str, phone: str, delivered: bool = True) -> Any:
        """The delivery report for one sent text."""
        if self.provider == "aliyun":
            item = {
                "phone_number": national(phone),
                "send_time": "2026-11-25 10:00:00",
                "report_time": "2026-11-25 10:00:05",
                "success": delivered,
                "err_code": "DELIVERED" if delivered else "MK:0001",
                "err_msg": "用户接收成功" if delivered else "失败",
                "sms_size": "1",
                "biz_id": sid,
                "out_id": "",
            }
            return self.post("sms-report", [item])
        item = {
            "user_receive_time": "2026-11-25 10:00:05",
            "nationcode": "86",
            "mobile": national(phone),
            "report_status": "SUCCESS" if delivered else "FAIL",
            "errmsg": "DELIVRD" if delivered else "MK:0001",
            "description": "用户短信送达成功" if delivered else "失败",
            "sid": sid,
        }
        return self.post("sms-status", [item])

    def call_result(self, call_id: str, phone: str, keys: str, answered: bool = True) -> None:
        """The call's end, with the keys pressed, as the gateway reports it."""
        if self.provider == "aliyun":
            item = {
                "call_id": call_id,
                "start_time": "2026-11-25 11:02:00",
                "end_time": "2026-11-25 11:02:30",
                "duration": "30" if answered else "0",
                "status_code": "200000" if answered else "200005",
                "status_msg": "用户听完自然挂断" if answered else "被叫无应答",
                "out_id": "",
                "dtmf": keys,
                "caller": "02300000000",
                "callee": national(phone),
            }
            assert self.post("voice-report", [item]).json == {"code": 0, "msg": "成功"}
            return
        if keys:
            pressed = {
                "callid": call_id,
                "mobile": national(phone),
                "nationcode": "86",
                "keypress": keys,
                "call_from": "",
            }
            assert self.post("voice-status", {"voicekey_callback": pressed}).status_code == 200
        ended = {
            "result": "0" if answered else "1",
            "accept_time": "1764036120",
            "call_from": "",
            "callid": call_id,
            "end_calltime": "1764036150",
            "fee": "1",
            "mobile": national(phone),
            "nationcode": "86",
            "start_calltime": "1764036120",
        }
        assert self.post("voice-status", {"voice_callback": ended}).status_code == 200


@contextmanager
def gateway_app(provider: str, database_url: str, directory: Path) -> Iterator[Gateway]:
    """The app as a mainland installation runs it, with its double, in an app context."""
    double = (AliyunDouble if provider == "aliyun" else TencentDouble)().start()
    path = filled_registry(directory)
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-0123456789abcdef-0123456789",
        "PUBLIC_BASE_URL": "https://hotline.example.org",
    } | settings_for(provider, double, path)
    app = create_app(config)
    try:
        with app.app_context():
            yield Gateway(provider, app, app.test_client(), double, load(path))
            db.session.remove()
    finally:
        app.extensions[EXTENSION_KEY].dispose()
        double.stop()
