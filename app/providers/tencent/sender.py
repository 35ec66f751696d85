"""Tencent Cloud SMS (SendSms) and voice messages (SendTtsVoice) behind the Sender interface.

The SDK signs every request (TC3-HMAC-SHA256). Refusals come back as an ``Error`` the SDK
raises, or per number in ``SendStatusSet``: rate limits and account trouble are retried, a wrong
template or number is final.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient
from tencentcloud.vms.v20200902 import models as voice_models
from tencentcloud.vms.v20200902.vms_client import VmsClient

from app.config import Settings
from app.messaging.registry import Registry
from app.messaging.senders import SendError, Sent, TemplateUse
from app.providers.gateway import texted, voice_prompt

TIMEOUT_SECONDS = 10
REGION = "ap-guangzhou"
# Error codes (or their families) about the moment or the account, not the message: retried.
TRANSIENT_PREFIXES = (
    "LimitExceeded",  # e.g. LimitExceeded.PhoneNumberThirtySecondLimit
    "RequestLimitExceeded",
    "InternalError",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "AuthFailure",  # a key being rotated
    "ClientNetworkError",
    "ServerNetworkError",
)


def _profile(endpoint: str) -> ClientProfile:
    """Endpoint as host (``sms.tencentcloudapi.com``) or URL (``http://127.0.0.1:8080``)."""
    parts = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}")
    http = HttpProfile(
        endpoint=parts.netloc, protocol=parts.scheme or "https", reqTimeout=TIMEOUT_SECONDS
    )
    return ClientProfile(httpProfile=http)


def _credential(settings: Settings) -> Credential:
    return Credential(settings.TENCENT_SECRET_ID, settings.TENCENT_SECRET_KEY)


class TencentSms:
    def __init__(self, settings: Settings, registry: Registry) -> None:
        profile = _profile(settings.TENCENT_SMS_ENDPOINT)
        self.client = SmsClient(_credential(settings), REGION, profile)
        self.app_id = settings.TENCENT_SMS_SDK_APP_ID
        self.sign_name = settings.TENCENT_SMS_SIGN_NAME
        self.registry = registry

    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent:
        code, params = texted(self.registry, "tencent", to, template)
        request = sms_models.SendSmsRequest()
        request.SmsSdkAppId = self.app_id
        request.SignName = self.sign_name
        request.TemplateId = code
        request.TemplateParamSet = list(params.values())
        request.PhoneNumberSet = [to]  # E.164, as the API wants
        answer = _call(lambda: self.client.SendSms(request))
        status = answer.SendStatusSet[0]
        if status.Code != "Ok":
            raise SendError(f"{status.Code}: {status.Message}", permanent=_permanent(status.Code))
        return Sent(sid=status.SerialNo, status="sent")

    def place_call(
        self, to: str, twiml_url: str, status_callback: str, prompt: TemplateUse | None = None
    ) -> Sent:
        raise SendError("Tencent Cloud SMS does not place calls", permanent=True)


class TencentVoice:
    def __init__(self, settings: Settings, registry: Registry) -> None:
        profile = _profile(settings.TENCENT_VOICE_ENDPOINT)
        self.client = VmsClient(_credential(settings), REGION, profile)
        self.app_id = settings.TENCENT_VOICE_SDK_APP_ID
        self.registry = registry

    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent:
        raise SendError("Tencent Cloud voice does not send SMS", permanent=True)

    def place_call(
        self, to: str, twiml_url: str, status_callback: str, prompt: TemplateUse | None = None
    ) -> Sent:
        """A voice notification; the keys pressed come back in the key-press callback."""
        call = voice_prompt(self.registry, "tencent", twiml_url, prompt)
        request = voice_models.SendTtsVoiceRequest()
        request.TemplateId = call.code
        request.TemplateParamSet = list(call.values.values())
        request.CalledNumber = to
        request.VoiceSdkAppid = self.app_id
        request.PlayTimes = 2
        request.SessionContext = call.out_id
        answer = _call(lambda: self.client.SendTtsVoice(request))
        return Sent(sid=answer.SendStatus.CallId, status="queued")


def _call(request):  # type: ignore[no-untyped-def]
    try:
        return request()
    except TencentCloudSDKException as exc:
        code = exc.get_code() or ""
        raise SendError(f"{code}: {exc.get_message()}", permanent=_permanent(code)) from exc
    except OSError as exc:
        raise SendError(f"unreachable: {exc}", permanent=False) from exc


def _permanent(code: str) -> bool:
    return not code.startswith(TRANSIENT_PREFIXES)
