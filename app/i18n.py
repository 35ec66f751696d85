"""The one way the product words things: every message, in Chinese (the default) and English.

A message has a key and a text per language, with ``{name}`` placeholders. One catalog holds
them all, from three kinds of source:

- ``app/wording.py``: the words of pages, flash messages, statuses, short SMS and voice words;
- ``sms_templates/<language>/<name>.txt``: the SMS templates, keys ``sms.<name>``;
- the spoken prompts: ``ivr_flows/<flow>.yaml`` (keys ``ivr.<flow>.<node>.<field>``) and the
  gateway voice prompts in ``sms_templates/registry.yaml`` (keys ``voice.<name>``).

`text(language, key, **values)` is the single lookup, for templates (as ``t``), SMS and speech;
`catalog()` lists every message, so one test checks that each exists in both languages with the
same placeholders. A language without the message falls back to Chinese.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import opencc

from app.config import PROJECT_ROOT
from app.wording import WORDS

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
SMS_DIR = PROJECT_ROOT / "sms_templates"
Messages = Mapping[str, str]  # language -> text


class UnknownMessage(LookupError):
    """No message has this key (in the language asked, or in Chinese)."""


class WordedError(ValueError):
    """A refusal told to a person: a message of the catalog and its values, so each reader
    gets it in their own language; str() is the English (the command line, logs)."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = {name: str(value) for name, value in values.items()}
        super().__init__(self.words("en"))

    def words(self, language: str) -> str:
        return text(language, self.key, **self.values)


def text(language: str, key: str, /, default: str | None = None, **values: object) -> str:
    """The message `key` in `language` (Chinese when it has none), filled with `values`.

    `default` is said instead of an unknown key (e.g. a timeline event kind added later);
    without one, an unknown key is an error.
    """
    try:
        wording = pick(message(key), language)
    except UnknownMessage:  # no such key
        if default is None:
            raise
        wording = default
    return wording.format_map({k: str(v) for k, v in values.items()}) if values else wording


def pick(messages: Messages, language: str) -> str:
    """The text for `language` from one message's languages, Chinese when it has none."""
    found = messages.get(language) or messages.get(DEFAULT_LANGUAGE)
    if found is None:
        raise UnknownMessage(f"no {language} or {DEFAULT_LANGUAGE} text")
    return found


def message(key: str) -> Messages:
    """Every language's text of `key`."""
    kind, _, name = key.partition(".")
    if kind == "sms" and name:
        found = {lang: sms for lang in LANGUAGES if (sms := _sms_text(name, lang)) is not None}
    elif kind in ("ivr", "voice") and name:
        found = dict(_spoken().get(key, {}))
    else:
        found = {lang: words[key] for lang, words in WORDS.items() if key in words}
    if not found:
        raise UnknownMessage(f"no message {key!r}")
    return found


def catalog() -> dict[str, Messages]:
    """Every message the product has, by key (for the checks, and for translators)."""
    keys = set().union(*(WORDS[lang] for lang in WORDS))
    names = set().union(*(sms_names(lang) for lang in LANGUAGES))
    everything = {key: message(key) for key in sorted(keys)}
    everything |= {f"sms.{name}": message(f"sms.{name}") for name in sorted(names)}
    return everything | dict(_spoken())


def placeholders(wording: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(wording) if field}


def sms_names(language: str, directory: Path = SMS_DIR) -> set[str]:
    return {p.stem for p in (directory / language).glob("*.txt")}


@cache
def _sms_text(name: str, language: str) -> str | None:
    path = SMS_DIR / language / f"{name}.txt"
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


@cache
def _spoken() -> dict[str, Messages]:
    """The prompts the line speaks: every IVR flow's, and the gateway voice prompts."""
    from app.ivr.flows import load_flows  # the flows and the registry read their own files
    from app.messaging.registry import load
    from app.voice.setup import DEFAULT_FLOWS_DIR

    spoken: dict[str, Messages] = {}
    for flow_name, flow in load_flows(DEFAULT_FLOWS_DIR).items():
        if flow.retry_prompt:
            spoken[f"ivr.{flow_name}.retry_prompt"] = dict(flow.retry_prompt)
        for node_id, node in flow.nodes.items():
            for field, prompt in node.prompts().items():
                if prompt:  # a node may have nothing to say (a hangup)
                    spoken[f"ivr.{flow_name}.{node_id}.{field}"] = dict(prompt)
    for name, voice in load().voice.items():
        spoken[f"voice.{name}"] = dict(voice.wording)
    return spoken


def status_name(status: str, language: str) -> str:
    """A ticket status as residents, volunteers and staff read or hear it."""
    return text(language, f"status_{status}", default=str(status))


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str, default: str) -> str:
    """Chinese if the text has Chinese characters, English if it has Latin letters only."""
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return default


@cache
def _simplifier() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """The text as the word lists are written: full-width forms folded (NFKC: "１" is "1") and
    traditional characters as simplified ones, since phones set to traditional characters text
    "煤氣味好大" for "煤气味好大" and "謝謝" for "谢谢". Kept for reading only: what the resident
    wrote is stored as written."""
    simplified: str = _simplifier().convert(unicodedata.normalize("NFKC", text))  # untyped
    return simplified


def normalise_words(text: str) -> str:
    """Fold full-width forms, traditional characters and case, and drop the brackets and
    punctuation people wrap keywords in ("【进度】", "[STATUS]", "Stop!"), so keyword matching
    sees the word itself."""
    folded = fold(text).strip().upper()
    return re.sub(
        r"^[\s\[\]【】()（）\"'“”‘’.,!?。，！？:：]+|[\s\[\]【】()（）\"'“”‘’.,!?。，！？:：]+$",
        "",
        folded,
    )
