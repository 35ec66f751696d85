"""Tencent Cloud: read a day's SMS send statistics to prove the secret and the SDK app id work.

The voice-message API has no read-only call; its credentials are the same account's, so a voice
check reads the SMS statistics too.
"""

from __future__ import annotations

from datetime import datetime

from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from app.config import Settings
from app.providers.tencent.sender import REGION, _call, _credential, _profile


def check(settings: Settings, *, since: datetime) -> str:
    """Raises SendError when the secret is refused or the endpoint does not answer."""
    client = SmsClient(_credential(settings), REGION, _profile(settings.TENCENT_SMS_ENDPOINT))
    request = sms_models.SendStatusStatisticsRequest()
    request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID or settings.TENCENT_VOICE_SDK_APP_ID
    request.BeginTime = since.strftime("%Y%m%d%H")
    request.EndTime = since.strftime("%Y%m%d%H")
    request.Limit = 0
    request.Offset = 0
    _call(lambda: client.SendStatusStatistics(request))
    return f"Tencent Cloud accepts secret {settings.TENCENT_SECRET_ID[:6]}…"
