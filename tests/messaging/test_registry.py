"""Every text the line sends has a registered template, within the gateways' limits."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from app.cli import build_cli
from app.messaging import registry, templates
from app.messaging.registry import UnregisteredTemplate, billed_segments
from tests.support.registry import filled_registry

SHIPPED = registry.load()


def test_every_template_is_in_the_registry_and_only_link_wording_is_left_out():
    names = templates.names()["zh"]
    assert set(SHIPPED.codes) == names
    with_links = {n for n in names if "link" in templates.placeholders(templates.source(n, "zh"))}
    # offers work without their link
    assert SHIPPED.link_templates == with_links - {"offer", "offer_urgent"}


@pytest.mark.parametrize("provider", registry.DOMESTIC_PROVIDERS)
@pytest.mark.parametrize("language", templates.LANGUAGES)
def test_registered_wording_has_no_sign_no_link_and_ends_with_the_unsubscribe_words(
    provider, language
):
    wording = SHIPPED.wording(provider, "offer", language)
    assert not wording.startswith(("【", "["))
    assert "link" not in wording
    assert wording.endswith(SHIPPED.profiles[provider].unsubscribe[language])
    if provider == "aliyun":
        assert "${code}" in wording and "${place}" in wording
    else:
        assert "{1}" in wording and "{3}" in wording and "${" not in wording


def test_values_are_cut_to_their_registered_length_and_links_dropped():
    values = {"code": "804213", "text": "很" * 100, "link": "https://x.example/o/abc"}
    params = SHIPPED.params("staff_message", "zh", values)
    assert list(params) == ["code", "text"]
    assert len(params["text"]) == SHIPPED.limits["text"] and params["text"].endswith("…")
    assert "link" not in SHIPPED.params("offer", "zh", values)


def test_a_template_without_a_code_cannot_be_sent(tmp_path):
    with pytest.raises(UnregisteredTemplate):
        SHIPPED.sms_code("aliyun", "offer", "zh")
    filled = registry.load(filled_registry(tmp_path))
    assert filled.sms_code("aliyun", "offer", "zh").startswith("SMS_")
    assert filled.missing_codes("tencent") == []
    assert "offer (zh)" in SHIPPED.missing_codes("tencent")
    assert "voice survey (zh)" in SHIPPED.missing_codes("aliyun")


def test_billed_segments_count_sign_and_text_as_domestic_gateways_do():
    assert billed_segments("【580】" + "字" * 65) == 1  # 70 characters
    assert billed_segments("【580】" + "字" * 66) == 2
    assert billed_segments("a" * 135) == 3  # Latin letters count the same as Chinese


def test_templates_check_lists_unregistered_texts_and_costs_and_passes_once_registered(
    tmp_path,
):
    runner = CliRunner()
    shipped = runner.invoke(build_cli(), ["templates", "check", "--provider", "aliyun"])
    assert shipped.exit_code == 1
    assert "aliyun\toffer\tzh\t2 seg\tno aliyun template code" in shipped.output
    path = filled_registry(tmp_path)
    ready = runner.invoke(
        build_cli(), ["templates", "check", "--provider", "tencent", "--registry", str(path)]
    )
    assert ready.exit_code == 0, ready.output
    assert "tencent\tstaff_message\tzh\t1 seg\t{text} cut to 35" in ready.output
    assert "carries a link" not in ready.output


def test_templates_export_writes_every_sms_and_voice_template_to_submit():
    result = CliRunner().invoke(build_cli(), ["templates", "export", "--provider", "tencent"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    names = {(r["kind"], r["name"], r["language"]) for r in rows}
    assert ("sms", "offer", "zh") in names and ("voice", "survey", "en") in names
    assert ("sms", "survey_link", "zh") not in names
    offer = next(r for r in rows if r["name"] == "offer" and r["language"] == "zh")
    assert offer["wording"].endswith("回T退订") and "http" not in offer["wording"]
    assert offer["variables"] == "code<=8;category<=24;place<=35;summary<=21"
