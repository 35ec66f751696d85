"""Which provider sends texts and which places calls (HOTLINE_SMS_PROVIDER, _VOICE_PROVIDER),
and what start-up refuses: a chosen provider without its credentials, templates or secret."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from app.config import Settings
from app.messaging import registry as registries
from app.messaging.registry import DOMESTIC_PROVIDERS, Registry
from app.messaging.senders import LocalSender, Sender, Sent, TemplateUse

PROVIDERS = ("twilio", "aliyun", "tencent", "local")
CREDENTIALS = {
    "twilio": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"),
    "aliyun": ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET"),
    "tencent": ("TENCENT_SECRET_ID", "TENCENT_SECRET_KEY"),
    "local": (),
}
SMS_SETTINGS = {
    "aliyun": ("ALIYUN_SMS_SIGN_NAME",),
    "tencent": ("TENCENT_SMS_SDK_APP_ID", "TENCENT_SMS_SIGN_NAME"),
}
VOICE_SETTINGS = {"tencent": ("TENCENT_VOICE_SDK_APP_ID",)}


@dataclass(frozen=True)
class Routed:
    """Texts through one provider, calls through another."""

    sms: Sender
    voice: Sender

    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent:
        return self.sms.send_sms(to, body, status_callback, template)

    def place_call(
        self, to: str, twiml_url: str, status_callback: str, prompt: TemplateUse | None = None
    ) -> Sent:
        return self.voice.place_call(to, twiml_url, status_callback, prompt)


def registry_for(settings: Settings) -> Registry:
    return registries.load(registries.registry_path(settings.HOTLINE_SMS_REGISTRY))


def build_sender(settings: Settings) -> Sender:
    """The senders the settings choose; Twilio or local alone exactly as before."""
    sms_name, voice_name = settings.sms_provider, settings.voice_provider
    if sms_name == voice_name and sms_name not in DOMESTIC_PROVIDERS:
        from app.telephony.sender import build_sender as twilio_or_local

        return twilio_or_local(settings)
    return Routed(sms=_one(settings, sms_name, "sms"), voice=_one(settings, voice_name, "voice"))


def _one(settings: Settings, name: str, kind: str) -> Sender:
    if name == "aliyun":
        from app.providers.aliyun import sender as aliyun

        made = aliyun.AliyunSms if kind == "sms" else aliyun.AliyunVoice
        return made(settings, registry_for(settings))
    if name == "tencent":
        from app.providers.tencent import sender as tencent

        made = tencent.TencentSms if kind == "sms" else tencent.TencentVoice
        return made(settings, registry_for(settings))
    if name == "twilio":
        from app.telephony.sender import build_sender as twilio_or_local

        return twilio_or_local(settings)
    return LocalSender()


def startup_problems(settings: Settings) -> list[str]:
    """One line per missing piece, for each chosen provider; empty when all is in place."""
    problems: list[str] = []
    chosen = {"HOTLINE_SMS_PROVIDER": settings.sms_provider}
    chosen["HOTLINE_VOICE_PROVIDER"] = settings.voice_provider
    for variable, name in chosen.items():
        if name not in PROVIDERS:
            problems.append(f"{variable}={name!r}: choose one of {', '.join(PROVIDERS)}")
    names = {n for n in chosen.values() if n in PROVIDERS}
    for name in sorted(names):
        for setting in CREDENTIALS[name]:
            if not getattr(settings, setting):
                problems.append(f"{name}: {setting} is not set")
    for name, extra in (
        (settings.sms_provider, SMS_SETTINGS),
        (settings.voice_provider, VOICE_SETTINGS),
    ):
        for setting in extra.get(name, ()):
            if not getattr(settings, setting):
                problems.append(f"{name}: {setting} is not set")
    for network in filter(None, (n.strip() for n in settings.HOTLINE_CALLBACK_ALLOW.split(","))):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            problems.append(f"HOTLINE_CALLBACK_ALLOW: {network!r} is not an address or network")
    domestic = sorted(names & set(DOMESTIC_PROVIDERS))
    if domestic and len(settings.HOTLINE_CALLBACK_SECRET) < 16:
        problems.append("HOTLINE_CALLBACK_SECRET must be set (16 characters or more)")
    for name in domestic:
        missing = registry_for(settings).missing_codes(
            name, sms=settings.sms_provider == name, voice=settings.voice_provider == name
        )
        if missing:
            shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
            problems.append(
                f"{name}: {len(missing)} template(s) without a code in the registry: {shown}"
            )
    return problems
