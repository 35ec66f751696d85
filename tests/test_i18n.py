"""One catalog words the whole product: every message exists in Chinese and English, with the
same placeholders, whatever its source (page words, SMS templates, spoken prompts)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app import i18n
from app.wording import WORDS

CATALOG = i18n.catalog()
APP = Path(__file__).resolve().parents[1] / "app"


def test_the_catalog_holds_every_kind_of_message():
    kinds = {key.split(".")[0] for key in CATALOG if "." in key}
    assert kinds == {"sms", "ivr", "voice"}
    assert set(WORDS["zh"]) <= set(CATALOG)
    assert len(CATALOG) > 500


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_message_exists_in_both_languages_with_the_same_placeholders(key):
    texts = CATALOG[key]
    assert set(texts) >= set(i18n.LANGUAGES), f"{key} lacks {set(i18n.LANGUAGES) - set(texts)}"
    assert all(texts[lang].strip() for lang in i18n.LANGUAGES), f"{key} is empty in a language"
    found = {lang: i18n.placeholders(texts[lang]) for lang in i18n.LANGUAGES}
    assert found["zh"] == found["en"], f"{key}: {found}"


def test_one_lookup_serves_pages_sms_and_speech():
    assert i18n.text("en", "status_resolved") == "done, to rate"
    assert i18n.text("zh", "refused_text_too_long", n=100) == "短信最多 100 个字"
    values = dict.fromkeys(i18n.placeholders(CATALOG["sms.cancel_which"]["en"]), "A1; B2")
    assert "A1; B2" in i18n.text("en", "sms.cancel_which", **values)
    spoken = [key for key in CATALOG if key.startswith("ivr.intake.")]
    assert i18n.text("en", spoken[0]) == CATALOG[spoken[0]]["en"]
    assert i18n.text("fr", "status_closed") == "已关闭"  # a language we lack: Chinese
    with pytest.raises(i18n.UnknownMessage):
        i18n.text("zh", "no_such_message")
    assert i18n.text("zh", "no_such_message", default="?") == "?"


def test_no_other_table_of_wording_by_language():
    """Words for people live in the catalog only: no module keeps its own {"zh": "...", "en":
    "..."} table of them (keyword lists people type, and data columns, are not wording)."""
    allowed = {APP / "wording.py"}
    tables = []
    for path in APP.rglob("*.py"):
        if path in allowed or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                by_key = {
                    k.value: v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)
                }
                worded = [by_key.get(lang) for lang in ("zh", "en")]
                if all(isinstance(v, ast.Constant | ast.Dict | ast.JoinedStr) for v in worded):
                    tables.append(f"{path.relative_to(APP)}:{node.lineno}")
    assert tables == [], tables


def test_every_refusal_a_staff_action_can_raise_has_words():
    whys = set()
    for path in APP.rglob("*.py"):
        whys |= set(re.findall(r'(?:ActionRefused|MergeRefused)\("([a-z_]+)"', path.read_text()))
    assert whys and {f"refused_{why}" for why in whys} <= set(WORDS["zh"]) & set(WORDS["en"])
