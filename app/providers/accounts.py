"""A harmless authenticated call per provider: do the configured credentials work?

Each check reads something (the Twilio account, Alibaba Cloud's sign list, Tencent Cloud's send
statistics) and changes nothing. A refusal or no answer comes back as the check's failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from app.clock import utcnow
from app.config import Settings
from app.messaging.senders import SendError

Check = Callable[[Settings, str], str]


def twilio(settings: Settings, kind: str) -> str:
    from app.telephony import rest

    client = rest.make_client(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_BASE_URL
    )
    try:
        status = rest.account_status(client, settings.TWILIO_ACCOUNT_SID)
    except Exception as error:  # refused, unreachable: the doctor reports it, in one line
        kind_of, code = rest.classify_error(error)
        refusal = f"Twilio refused the account ({code or kind_of}): {error}"
        raise SendError(refusal, permanent=True) from error
    finally:
        rest.close_client(client)
    if status != "active":
        raise SendError(f"the Twilio account is {status}", permanent=True)
    return f"Twilio account {settings.TWILIO_ACCOUNT_SID[:6]}… is active"


def aliyun(settings: Settings, kind: str) -> str:
    from app.providers.aliyun import account

    return account.check(settings, kind)


def tencent(settings: Settings, kind: str) -> str:
    from app.providers.tencent import account

    return account.check(settings, since=utcnow() - timedelta(days=1))


def local(settings: Settings, kind: str) -> str:
    return "local: texts and calls are recorded, not sent (no account to check)"


CHECKS: dict[str, Check] = {"twilio": twilio, "aliyun": aliyun, "tencent": tencent, "local": local}
