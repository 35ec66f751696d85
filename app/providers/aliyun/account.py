"""Alibaba Cloud: list one SMS sign (or one voice robot) to prove the access key works."""

from __future__ import annotations

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client as SmsClient
from alibabacloud_dyvmsapi20170525 import models as voice_models
from alibabacloud_dyvmsapi20170525.client import Client as VoiceClient

from app.config import Settings
from app.providers.aliyun.sender import _call, _config, _runtime


def check(settings: Settings, kind: str) -> str:
    """Raises SendError when the key is refused or the endpoint does not answer."""
    if kind == "sms":
        sms = SmsClient(_config(settings, settings.ALIYUN_SMS_ENDPOINT))
        request = sms_models.QuerySmsSignListRequest(page_index=1, page_size=1)
        _call(lambda: sms.query_sms_sign_list_with_options(request, _runtime()))
        return f"Alibaba Cloud SMS accepts key {settings.ALIYUN_ACCESS_KEY_ID[:6]}…"
    voice = VoiceClient(_config(settings, settings.ALIYUN_VOICE_ENDPOINT))
    robots = voice_models.QueryRobotInfoListRequest()
    _call(lambda: voice.query_robot_info_list_with_options(robots, _runtime()))
    return f"Alibaba Cloud voice accepts key {settings.ALIYUN_ACCESS_KEY_ID[:6]}…"
