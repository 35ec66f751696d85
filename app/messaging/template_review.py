"""`hotline templates check` and `export`: every text against the registry, and what it costs.

A row per template and language: whether the gateway has it registered, which variables the
registered limits would cut (judged with the longest realistic values in samples.yaml), links
where links are forbidden, and the billed segments of the message as the gateway sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from app.messaging import templates
from app.messaging.registry import Registry, billed_segments, has_link

SAMPLES_PATH = templates.TEMPLATE_DIR / "samples.yaml"


@dataclass
class Row:
    name: str
    language: str
    segments: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def samples() -> dict[str, dict[str, object]]:
    values: dict[str, dict[str, object]] = yaml.safe_load(SAMPLES_PATH.read_text(encoding="utf-8"))[
        "values"
    ]
    return values


def review(registry: Registry, provider: str, sign: str = "580") -> list[Row]:
    """Check every template for ``provider`` (aliyun or tencent)."""
    values = samples()
    profile = registry.profiles[provider]
    rows = []
    for name in sorted(templates.names()[templates.DEFAULT_LANGUAGE]):
        if name in registry.link_templates:
            continue  # carries a URL: never sent in the links-forbidden profile
        for language in templates.LANGUAGES:
            rows.append(_row(registry, provider, name, language, values[language], sign))
    for key, limit in sorted(registry.limits.items()):
        if limit > profile.variable_max:
            rows.append(
                Row(
                    f"params.{key}",
                    "-",
                    0,
                    [f"limit {limit} exceeds {provider}'s {profile.variable_max}"],
                )
            )
    return rows


def _row(
    registry: Registry,
    provider: str,
    name: str,
    language: str,
    sample: dict[str, object],
    sign: str,
) -> Row:
    row = Row(name, language, 0)
    if name not in registry.codes:
        row.problems.append("not in registry.yaml")
    elif not registry.codes[name].get(provider, {}).get(language):
        row.problems.append(f"no {provider} template code")
    params = registry.params(name, language, sample)
    for key, value in params.items():
        if key not in registry.limits:
            row.problems.append(f"{{{key}}} has no length limit")
        elif value != str(sample.get(key, "")):
            row.notes.append(f"{{{key}}} cut to {registry.limits[key]}")
    text = registry.wording(provider, name, language)
    for key, value in params.items():
        text = text.replace(f"${{{key}}}", value)
    for index, value in enumerate(params.values(), start=1):
        text = text.replace(f"{{{index}}}", value)
    if has_link(text):
        row.problems.append("carries a link")
    row.segments = billed_segments(f"【{sign}】{text}")
    return row


def export(registry: Registry, provider: str) -> list[dict[str, object]]:
    """The templates to submit to the gateway: name, language, wording, variables, current code."""
    out: list[dict[str, object]] = []
    for name in sorted(templates.names()[templates.DEFAULT_LANGUAGE]):
        if name in registry.link_templates:
            continue
        for language in templates.LANGUAGES:
            params = registry.params(name, language, {})
            out.append(
                {
                    "kind": "sms",
                    "name": name,
                    "language": language,
                    "wording": registry.wording(provider, name, language),
                    "variables": {k: registry.limits.get(k, 0) for k in params},
                    "code": registry.codes.get(name, {}).get(provider, {}).get(language, ""),
                }
            )
    for name, voice in sorted(registry.voice.items()):
        for language in templates.LANGUAGES:
            wording = voice.wording[language]
            if provider == "tencent":
                for index, key in enumerate(voice.params, start=1):
                    wording = wording.replace(f"${{{key}}}", f"{{{index}}}")
            out.append(
                {
                    "kind": "voice",
                    "name": name,
                    "language": language,
                    "wording": wording,
                    "variables": {k: registry.limits.get(k, 0) for k in voice.params},
                    "code": voice.codes.get(provider, {}).get(language, ""),
                }
            )
    return out
