"""Start-up refuses a chosen gateway with anything missing, one line each; callbacks check their
secret and allow-list; the gateways' unsubscribe words opt the sender out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import create_app
from app.config import Settings
from app.db import db
from app.messaging.models import Message, MessageStatus, OptOut
from app.providers.choice import startup_problems
from app.providers.gateway import national
from tests.e2e.street import RESIDENT, build_street
from tests.support.gateway import SECRET, gateway_app
from tests.support.gateway_doubles import AliyunDouble
from tests.support.registry import filled_registry


def test_start_up_names_every_missing_piece_of_a_chosen_gateway(tmp_path):
    settings = Settings(
        HOTLINE_SMS_PROVIDER="aliyun",
        HOTLINE_VOICE_PROVIDER="tencent",
        ALIYUN_ACCESS_KEY_ID="LTAI5t",
    )
    problems = startup_problems(settings)
    assert "aliyun: ALIYUN_ACCESS_KEY_SECRET is not set" in problems
    assert "aliyun: ALIYUN_SMS_SIGN_NAME is not set" in problems
    assert "tencent: TENCENT_SECRET_ID is not set" in problems
    assert "tencent: TENCENT_VOICE_SDK_APP_ID is not set" in problems
    assert "HOTLINE_CALLBACK_SECRET must be set (16 characters or more)" in problems
    unregistered = [p for p in problems if "without a code in the registry" in p]
    assert len(unregistered) == 2, problems
    assert "cancel_none (zh)" in unregistered[0] and "voice" not in unregistered[0]
    assert unregistered[1].startswith("tencent: 12 template(s)")  # its 6 voice prompts only
    assert not any("TENCENT_SMS_SIGN_NAME" in p for p in problems)  # Tencent only calls here
    assert startup_problems(Settings(HOTLINE_SMS_PROVIDER="sms-king")) == [
        "HOTLINE_SMS_PROVIDER='sms-king': choose one of twilio, aliyun, tencent, local"
    ]


def test_a_malformed_allow_list_is_refused_at_start_up():
    settings = Settings(HOTLINE_CALLBACK_ALLOW="100.104.0.0/16, aliyun.com")
    assert startup_problems(settings) == [
        "HOTLINE_CALLBACK_ALLOW: 'aliyun.com' is not an address or network"
    ]


def test_twilio_and_local_start_as_before():
    assert startup_problems(Settings()) == []
    assert startup_problems(Settings(TWILIO_ACCOUNT_SID="AC1", TWILIO_AUTH_TOKEN="t")) == []


def test_the_app_refuses_to_start_and_says_why(database_url, tmp_path):
    with pytest.raises(RuntimeError, match="aliyun: ALIYUN_SMS_SIGN_NAME is not set"):
        create_app(
            {
                "DATABASE_URL": database_url,
                "SECRET_KEY": "k",
                "HOTLINE_SMS_PROVIDER": "aliyun",
                "HOTLINE_VOICE_PROVIDER": "local",
                "ALIYUN_ACCESS_KEY_ID": "a",
                "ALIYUN_ACCESS_KEY_SECRET": "b",
                "HOTLINE_CALLBACK_SECRET": SECRET,
                "HOTLINE_SMS_REGISTRY": str(filled_registry(tmp_path)),
            }
        )


def test_the_gateways_unsubscribe_word_opts_out(gateway):
    build_street()
    word = "R" if gateway.provider == "aliyun" else "T"
    assert gateway.text_in(RESIDENT, word).status_code == 200
    assert db.session.get(OptOut, RESIDENT) is not None
    resident = national(RESIDENT) if gateway.provider == "aliyun" else RESIDENT
    assert resident not in [to for to, _ in gateway.tick()]  # nothing texted to it any more
    confirmation = db.session.scalars(
        select(Message).where(Message.peer == RESIDENT, Message.template == "opted_out")
    ).one()
    assert confirmation.status == MessageStatus.suppressed


def test_callbacks_from_outside_the_allow_list_are_refused(app, database_url, clock, tmp_path):
    with gateway_app("aliyun", database_url, tmp_path) as gateway:
        gateway.app.config["HOTLINE_CALLBACK_ALLOW"] = "100.104.0.0/16, 10.0.0.1"
        item = [{"phone_number": "13800138000", "content": "灯不亮了", "sequence_id": 9}]
        assert gateway.post("sms-up", item).status_code == 403
        gateway.app.config["HOTLINE_CALLBACK_ALLOW"] = "127.0.0.0/8"
        assert gateway.post("sms-up", item).json == {"code": 0, "msg": "成功"}
        assert db.session.scalar(select(func.count()).select_from(Message)) >= 1


def test_a_malformed_push_is_a_400_not_a_500(gateway):
    kind = "sms-up" if gateway.provider == "aliyun" else "sms-reply"
    assert gateway.post(kind, "not json at all").status_code == 400
    assert gateway.post(kind, [1, 2]).status_code == 400
    assert AliyunDouble  # the doubles module imports cleanly on its own
