"""A copy of sms_templates/registry.yaml with every template registered, as after approval."""

from __future__ import annotations

from pathlib import Path

import yaml

from app.messaging.registry import REGISTRY_PATH


def aliyun_code(index: int) -> str:
    return f"SMS_58{index:05d}"


def tencent_code(index: int) -> str:
    return f"58{index:05d}"


def filled_registry(directory: Path) -> Path:
    """Write the registry with a code for every template, language and gateway; return its path."""
    data = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))
    index = 0
    for section, prefix in ((data["templates"], "SMS_"), (data["voice"], "TTS_")):
        for spec in section.values():
            if spec.get("links"):
                continue
            for language in ("zh", "en"):
                index += 1
                spec["aliyun"][language] = prefix + aliyun_code(index).removeprefix("SMS_")
                spec["tencent"][language] = tencent_code(index)
    path = directory / "registry.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path
