"""Alibaba Cloud SMS (SendSms) and voice (IvrCall, SingleCallByTts) behind the Sender interface.

The SDK signs every request (ACS3-HMAC-SHA256). With HTTP 200 the gateway still answers a
refusal in the body's ``Code``: flow control and account trouble are retried, a wrong template
or number is final.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client as SmsClient
from alibabacloud_dyvmsapi20170525 import models as voice_models
from alibabacloud_dyvmsapi20170525.client import Client as VoiceClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import RetryError, UnretryableException
from darabonba.runtime import RuntimeOptions

from app.config import Settings
from app.messaging.registry import Registry
from app.messaging.senders import SendError, Sent, TemplateUse
from app.providers.gateway import national, texted, voice_prompt

TIMEOUT_MS = 10_000
# Codes in a 200 answer that are about the moment or the account, not the message: retried.
TRANSIENT_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",  # flow control (per number per minute/hour)
    "Throttling.User",
    "Throttling.Api",
    "isv.AMOUNT_NOT_ENOUGH",  # account out of credit: fixed by topping up
    "isv.OUT_OF_SERVICE",
    "isv.ACCOUNT_ABNORMAL",
    "SignatureDoesNotMatch",  # a key being rotated
    "InvalidAccessKeyId.NotFound",
}


def _config(settings: Settings, endpoint: str) -> Config:
    """Endpoint as host (``dysmsapi.aliyuncs.com``) or URL (``http://127.0.0.1:8080``)."""
    parts = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}")
    return Config(
        access_key_id=settings.ALIYUN_ACCESS_KEY_ID,
        access_key_secret=settings.ALIYUN_ACCESS_KEY_SECRET,
        endpoint=parts.netloc,
        protocol=parts.scheme or "https",
        read_timeout=TIMEOUT_MS,
        connect_timeout=TIMEOUT_MS,
    )


def _runtime() -> RuntimeOptions:
    return RuntimeOptions(autoretry=False, read_timeout=TIMEOUT_MS, connect_timeout=TIMEOUT_MS)


class AliyunSms:
    def __init__(self, settings: Settings, registry: Registry) -> None:
        self.client = SmsClient(_config(settings, settings.ALIYUN_SMS_ENDPOINT))
        self.sign_name = settings.ALIYUN_SMS_SIGN_NAME
        self.registry = registry

    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent:
        code, params = texted(self.registry, "aliyun", to, template)
        request = sms_models.SendSmsRequest(
            phone_numbers=national(to),
            sign_name=self.sign_name,
            template_code=code,
            template_param=json.dumps(params, ensure_ascii=False),
        )
        answer = _call(lambda: self.client.send_sms_with_options(request, _runtime()))
        return Sent(sid=str(answer.biz_id), status="sent")

    def place_call(
        self, to: str, twiml_url: str, status_callback: str, prompt: TemplateUse | None = None
    ) -> Sent:
        raise SendError("Alibaba Cloud SMS does not place calls", permanent=True)


class AliyunVoice:
    def __init__(self, settings: Settings, registry: Registry) -> None:
        self.client = VoiceClient(_config(settings, settings.ALIYUN_VOICE_ENDPOINT))
        self.show_number = settings.ALIYUN_VOICE_SHOW_NUMBER or None
        self.registry = registry

    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent:
        raise SendError("Alibaba Cloud voice does not send SMS", permanent=True)

    def place_call(
        self, to: str, twiml_url: str, status_callback: str, prompt: TemplateUse | None = None
    ) -> Sent:
        """A prompt that collects keys is an IVR call; one that only tells is a TTS call."""
        call = voice_prompt(self.registry, "aliyun", twiml_url, prompt)
        params = json.dumps(call.values, ensure_ascii=False)
        if call.keys:
            bye = self.registry.voice_code("aliyun", call.after or "survey_thanks", call.language)
            request = voice_models.IvrCallRequest(
                called_number=national(to),
                called_show_number=self.show_number,
                start_code=call.code,
                start_tts_params=params,
                menu_key_map=[
                    voice_models.IvrCallRequestMenuKeyMap(key=key, code=bye) for key in call.keys
                ],
                play_times=2,
                timeout=10_000,
                out_id=call.out_id,
            )
            answer = _call(lambda: self.client.ivr_call_with_options(request, _runtime()))
        else:
            request = voice_models.SingleCallByTtsRequest(
                called_number=national(to),
                called_show_number=self.show_number,
                tts_code=call.code,
                tts_param=params,
                play_times=2,
                out_id=call.out_id,
            )
            answer = _call(lambda: self.client.single_call_by_tts_with_options(request, _runtime()))
        return Sent(sid=str(answer.call_id), status="queued")


def _call(request):  # type: ignore[no-untyped-def]
    """Run one SDK call; the answer's body, or the failure as a SendError."""
    try:
        body = request().body
    except ThrottlingException as exc:
        raise SendError(str(exc), permanent=False) from exc
    except AlibabaCloudException as exc:
        status = getattr(exc, "status_code", 0) or 0
        transient = status >= 500 or status == 429 or str(exc.code) in TRANSIENT_CODES
        raise SendError(f"{exc.code}: {exc}", permanent=not transient) from exc
    except (RetryError, UnretryableException, OSError) as exc:
        raise SendError(f"unreachable: {exc}", permanent=False) from exc
    if body.code != "OK":
        raise SendError(f"{body.code}: {body.message}", permanent=body.code not in TRANSIENT_CODES)
    return body
