"""What the domestic gateways share: national numbers, voice prompts for a call, failures."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import phonenumbers
from phonenumbers import PhoneNumberType

from app.messaging.registry import Registry, UnregisteredTemplate, cut
from app.messaging.senders import SendError, TemplateUse


def national(e164: str) -> str:
    """11-digit mobile (13800138000) or a landline with its area code (02361520695)."""
    parsed = phonenumbers.parse(e164, "CN")
    if parsed.country_code != 86:
        return e164.lstrip("+")  # international: country code and number, no plus
    digits = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(c for c in digits if c.isdigit())


def texted(
    registry: Registry, provider: str, to: str, template: TemplateUse | None
) -> tuple[str, dict]:
    """The gateway's template code and variables for one text. Unregistered texts, and texts
    to landlines, are refused for good (the gateway would refuse them too, and bill for it)."""
    if phonenumbers.number_type(phonenumbers.parse(to, "CN")) == PhoneNumberType.FIXED_LINE:
        raise SendError(f"{to} is a landline: it cannot receive SMS", permanent=True)
    if template is None:
        raise SendError("no template: the gateway only sends registered texts", permanent=True)
    try:
        code = registry.sms_code(provider, template.name, template.language)
    except UnregisteredTemplate as exc:
        raise SendError(str(exc), permanent=True) from exc
    return code, registry.params(template.name, template.language, dict(template.values))


@dataclass(frozen=True)
class VoicePrompt:
    """Which registered voice template a call plays, its values, and the keys it collects."""

    name: str
    code: str
    values: dict[str, str]
    keys: tuple[str, ...]
    out_id: str  # handed back in the result callback: the ticket code
    after: str = ""  # the voice template played once a key is pressed (Alibaba Cloud's menu)
    language: str = "zh"


def voice_prompt(
    registry: Registry, provider: str, twiml_url: str, prompt: TemplateUse | None
) -> VoicePrompt:
    """Our outbound call URLs name the flow and ticket (``.../outbound/survey?ticket=804213``):
    a domestic gateway plays the registered prompt for that flow instead of fetching TwiML,
    with the values queued beside the call (the ticket code when none were)."""
    parts = urlsplit(twiml_url)
    flow = parts.path.rstrip("/").rsplit("/", 1)[-1]
    ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
    template = registry.voice.get(flow)
    if template is None:
        raise SendError(f"no voice template for {flow!r} calls", permanent=True)
    language = prompt.language if prompt else "zh"
    try:
        code = registry.voice_code(provider, flow, language)
    except UnregisteredTemplate as exc:
        raise SendError(str(exc), permanent=True) from exc
    given = {"code": ticket, **(prompt.values if prompt else {})}
    values = {
        key: cut(str(given.get(key, "")), registry.limits.get(key, 0)) for key in template.params
    }
    return VoicePrompt(flow, code, values, template.keys, ticket, template.after, language)
