"""Registered templates: what a domestic SMS gateway (mainland China) lets the line send.

Gateways in mainland China only send text registered in advance: a template code per wording,
variables of limited length, no links. sms_templates/registry.yaml says, for every template in
sms_templates/<language>/, its code at each gateway, and how long each placeholder may be. The
wording itself stays in the .txt files; the gateway adds the sign name and we add the
profile's unsubscribe wording (拒收请回复R, 回T退订), whose reply words opt the sender out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from app.messaging import templates

REGISTRY_PATH = templates.TEMPLATE_DIR / "registry.yaml"
DOMESTIC_PROVIDERS = ("aliyun", "tencent")
SIGN_PREFIX = re.compile(r"^(【[^】]*】|\[[^\]]*\])\s*")
URL = re.compile(r"https?://|www\.", re.IGNORECASE)
CUT = "…"
# Domestic gateways bill sign + text: 70 characters in one message, 67 per part once split,
# Chinese and Latin alike (unlike GSM-7 carriers).
SINGLE, PART = 70, 67


class UnregisteredTemplate(LookupError):
    """The text has no approved template at the gateway: sending it would be refused."""


@dataclass(frozen=True)
class Profile:
    """One gateway's rules: its unsubscribe wording, its reply words, its variable cap."""

    name: str
    unsubscribe: dict[str, str]
    opt_out_words: frozenset[str]
    variable_max: int


@dataclass(frozen=True)
class VoiceTemplate:
    """A text-to-speech prompt for calls to landlines; ``keys`` are the digits it collects."""

    name: str
    wording: dict[str, str]
    params: tuple[str, ...]
    keys: tuple[str, ...]
    codes: dict[str, dict[str, str]]
    after: str = ""  # the prompt played once a key is pressed, where the gateway plays one


@dataclass(frozen=True)
class Registry:
    profiles: dict[str, Profile]
    limits: dict[str, int]
    codes: dict[str, dict[str, dict[str, str]]]  # template -> provider -> language -> code
    link_templates: frozenset[str]
    voice: dict[str, VoiceTemplate] = field(default_factory=dict)

    def sms_code(self, provider: str, name: str, language: str) -> str:
        code = self.codes.get(name, {}).get(provider, {}).get(_lang(language), "")
        if not code:
            raise UnregisteredTemplate(f"{name} ({_lang(language)}) has no {provider} template")
        return code

    def voice_code(self, provider: str, name: str, language: str) -> str:
        template = self.voice.get(name)
        code = template.codes.get(provider, {}).get(_lang(language), "") if template else ""
        if not code:
            raise UnregisteredTemplate(f"voice {name} ({_lang(language)}) has no {provider} code")
        return code

    def params(self, name: str, language: str, values: dict[str, Any]) -> dict[str, str]:
        """The template's variables in order of appearance, each cut to its registered length."""
        wanted = _ordered_placeholders(templates.source(name, language))
        return {
            key: cut(str(values.get(key, "")), self.limits.get(key, 0))
            for key in wanted
            if key != "link"
        }

    def wording(self, provider: str, name: str, language: str) -> str:
        """The text to register: no sign, no link, the gateway's placeholders, unsubscribe."""
        text = SIGN_PREFIX.sub("", templates.source(name, language)).replace("{link}", "")
        text = text.rstrip()
        for index, key in enumerate(_ordered_placeholders(text), start=1):
            mark = f"${{{key}}}" if provider == "aliyun" else f"{{{index}}}"
            text = text.replace("{" + key + "}", mark)
        gap = " " if _lang(language) == "en" else ""
        return text + gap + self.profiles[provider].unsubscribe[_lang(language)]

    def missing_codes(self, provider: str, *, sms: bool = True, voice: bool = True) -> list[str]:
        """Every SMS template and voice prompt still without a code at ``provider``."""
        missing = []
        for name in sorted(templates.names()[templates.DEFAULT_LANGUAGE]) if sms else ():
            if name in self.link_templates:
                continue
            for language in templates.LANGUAGES:
                if not self.codes.get(name, {}).get(provider, {}).get(language):
                    missing.append(f"{name} ({language})")
        for name, prompt in sorted(self.voice.items()) if voice else ():
            for language in templates.LANGUAGES:
                if not prompt.codes.get(provider, {}).get(language):
                    missing.append(f"voice {name} ({language})")
        return missing


def cut(value: str, limit: int) -> str:
    if limit <= 0:
        return ""
    return value if len(value) <= limit else value[: limit - 1] + CUT


def billed_segments(text: str) -> int:
    """Messages a domestic gateway bills for ``text`` (sign included)."""
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
    if units <= SINGLE:
        return 1 if units else 0
    return -(-units // PART)


def has_link(text: str) -> bool:
    return bool(URL.search(text))


def _lang(language: str) -> str:
    return language if language in templates.LANGUAGES else templates.DEFAULT_LANGUAGE


def _ordered_placeholders(text: str) -> list[str]:
    seen: list[str] = []
    for key in re.findall(r"\{(\w+)\}", text):
        if key not in seen:
            seen.append(key)
    return seen


def registry_path(setting: str) -> Path:
    """HOTLINE_SMS_REGISTRY, or the registry shipped with the project."""
    return Path(setting) if setting else REGISTRY_PATH


@cache
def load(path: Path = REGISTRY_PATH) -> Registry:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    profiles = {
        name: Profile(
            name=name,
            unsubscribe=dict(spec["unsubscribe"]),
            opt_out_words=frozenset(str(w).upper() for w in spec.get("opt_out_words", [])),
            variable_max=int(spec["variable_max"]),
        )
        for name, spec in (data.get("profiles") or {}).items()
    }
    codes: dict[str, dict[str, dict[str, str]]] = {}
    links: set[str] = set()
    for name, spec in (data.get("templates") or {}).items():
        spec = spec or {}
        if spec.get("links"):
            links.add(name)
        codes[name] = {p: _codes(spec.get(p)) for p in DOMESTIC_PROVIDERS}
    voice = {
        name: VoiceTemplate(
            name=name,
            wording=dict(spec["wording"]),
            params=tuple(spec.get("params") or ()),
            keys=tuple(str(k) for k in spec.get("keys") or ()),
            codes={p: _codes(spec.get(p)) for p in DOMESTIC_PROVIDERS},
            after=str(spec.get("after") or ""),
        )
        for name, spec in (data.get("voice") or {}).items()
    }
    return Registry(
        profiles=profiles,
        limits={k: int(v) for k, v in (data.get("params") or {}).items()},
        codes=codes,
        link_templates=frozenset(links),
        voice=voice,
    )


def _codes(spec: Any) -> dict[str, str]:
    return {str(lang): str(code or "") for lang, code in (spec or {}).items()}
