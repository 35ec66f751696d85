"""Flow loading and validation: every kind of broken flow is caught, the shipped flows are clean."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.ivr.flows import (
    FlowError,
    MenuNode,
    check_flows,
    flow_edges,
    load_and_validate,
    load_flow,
    load_flows,
    parse_flow,
    validate,
)

FLOWS_DIR = Path(__file__).resolve().parents[2] / "ivr_flows"

VOICES = {
    "zh": {"voice": "Polly.Zhiyu", "language": "cmn-CN", "speech_language": "zh-CN"},
    "en": {"voice": "Polly.Joanna", "language": "en-US", "speech_language": "en-US"},
}


def minimal_flow() -> dict[str, Any]:
    """A small valid flow touching most node types; each test breaks one thing in it."""
    return {
        "spec_version": 1,
        "languages": ["zh", "en"],
        "voices": copy.deepcopy(VOICES),
        "start": "ask",
        "on_danger": "danger",
        "danger_words": {"zh": ["着火"], "en": ["fire"]},
        "nodes": {
            "ask": {
                "type": "menu",
                "prompt": {"zh": "请按1", "en": "Press 1"},
                "options": {"1": {"target": "ticket", "value": "x"}, "0": "person"},
                "store": "choice",
                "on_fail": "person",
                "speech": {"hints": {"zh": ["一"], "en": ["one"]}},
            },
            "person": {
                "type": "dial_staff",
                "next": "bye",
                "on_no_answer": "ticket",
            },
            "ticket": {"type": "create_ticket", "next": "code"},
            "code": {
                "type": "say_code",
                "prompt": {"zh": "工单号 {code}", "en": "Code {code}"},
                "next": "bye",
            },
            "danger": {
                "type": "say",
                "emergency": True,
                "prompt": {"zh": "请拨119", "en": "Call 119"},
                "next": "bye",
            },
            "bye": {"type": "hangup", "prompt": {"zh": "再见", "en": "Bye"}},
        },
    }


def write(directory: Path, data: Any, name: str = "test.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems_of(tmp_path: Path, data: Any) -> list[str]:
    return validate(load_flow(write(tmp_path, data)))


def test_minimal_flow_is_valid(tmp_path: Path) -> None:
    assert problems_of(tmp_path, minimal_flow()) == []


@pytest.mark.parametrize("name", ["intake", "survey"])
def test_shipped_flows_validate(name: str) -> None:
    flow = load_flow(FLOWS_DIR / f"{name}.yaml")
    assert validate(flow) == []
    assert flow.name == name
    assert set(flow.languages) == {"zh", "en"}


def test_shipped_directory_passes_the_check_and_loads() -> None:
    assert check_flows(FLOWS_DIR) == []
    assert set(load_and_validate(FLOWS_DIR)) >= {"intake", "survey"}


def test_intake_menus_offer_a_person_on_zero() -> None:
    """The "0 for a person" convention holds wherever the caller is choosing what to do."""
    flow = load_flow(FLOWS_DIR / "intake.yaml")
    for node_id in ("open_ticket", "category", "emergency_menu"):
        node = flow.nodes[node_id]
        assert isinstance(node, MenuNode)
        assert "0" in node.options, node_id


def test_intake_danger_words_are_data() -> None:
    flow = load_flow(FLOWS_DIR / "intake.yaml")
    for word in ("煤气", "燃气", "着火", "火灾", "晕倒", "昏迷", "不省人事", "救命"):
        assert word in flow.danger_words["zh"]
    for word in ("gas", "fire", "smoke", "collapsed", "unconscious", "bleeding"):
        assert word in flow.danger_words["en"]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Mutator that sets ``a.b.c`` in the flow dict (``value`` None deletes the key)."""

    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[key]
        if value is None:
            del data[last]
        else:
            data[last] = value

    return apply


BROKEN = [
    pytest.param(_set("spec_version", None), "missing spec_version", id="no-spec-version"),
    pytest.param(_set("spec_version", 2), "unsupported spec_version 2", id="bad-spec-version"),
    pytest.param(
        _set("nodes.bye", {"type": "teleport"}), "unknown node type 'teleport'", id="unknown-type"
    ),
    pytest.param(
        _set("nodes.code.next", "nowhere"), "next -> 'nowhere' does not exist", id="bad-target"
    ),
    pytest.param(
        _set("nodes.ask.options.1.target", "nowhere"),
        "options.1 -> 'nowhere' does not exist",
        id="bad-option-target",
    ),
    pytest.param(_set("start", "nowhere"), "start node 'nowhere' does not exist", id="bad-start"),
    pytest.param(_set("start", None), "missing start", id="no-start"),
    pytest.param(
        _set("nodes.danger.prompt", {"zh": "请拨119"}), "prompt missing in 'en'", id="no-en-prompt"
    ),
    pytest.param(
        _set("nodes.code.prompt.en", "Code {code} {status}"),
        "placeholders differ between languages",
        id="placeholders-differ",
    ),
    pytest.param(_set("nodes.danger.next", None), "dead end, no 'next'", id="dead-end"),
    pytest.param(_set("nodes.ask.on_fail", None), "dead end, no 'on_fail'", id="menu-no-fail"),
    pytest.param(
        _set("nodes.person.on_no_answer", None),
        "dead end, no 'on_no_answer'",
        id="dial-no-fallback",
    ),
    pytest.param(
        _set("nodes.orphan", {"type": "hangup"}), "'orphan': unreachable", id="unreachable"
    ),
    pytest.param(_set("voices.en", None), "no voice for language 'en'", id="no-voice"),
    pytest.param(
        _set("nodes.ask.options.12", "bye"), "option key '12' is not a single key", id="bad-key"
    ),
    pytest.param(_set("nodes.ask.options", {}), "has no options", id="no-options"),
    pytest.param(_set("nodes.ask.nxt", "bye"), "unknown field 'nxt'", id="typo-field"),
    pytest.param(_set("nodes.ask.timeout", "soon"), "'timeout' must be a whole number", id="type"),
    pytest.param(_set("on_danger", None), "no on_danger node", id="danger-without-target"),
    pytest.param(
        _set("nodes.ask.speech.hints", {"zh": ["一"]}), "speech hints missing in 'en'", id="hints"
    ),
    pytest.param(
        _set("nodes.code.prompt", {"zh": "工单号", "en": "Code"}),
        "must contain {code}",
        id="say-code-without-code",
    ),
    pytest.param(
        _set("nodes.ticket", {"type": "branch", "condition": "is_sunny", "then": "code"}),
        "unknown condition 'is_sunny'",
        id="unknown-condition",
    ),
    pytest.param(
        _set("nodes.ticket", {"type": "set", "set": {"language": "fr"}, "next": "code"}),
        "sets undeclared language 'fr'",
        id="undeclared-language",
    ),
    pytest.param(
        _set(
            "nodes.ticket", {"type": "record", "prompt": {"zh": "说", "en": "Say"}, "next": "bye"}
        ),
        "'store' must name a variable",
        id="record-without-store",
    ),
    pytest.param(
        _set("nodes.code", {"type": "goto", "target": "loop"}),
        "loop with no input",
        id="endless-loop",
    ),
    pytest.param(_set("languages", "zh"), "'languages' must be a non-empty list", id="languages"),
]


@pytest.mark.parametrize(("breaking", "expected"), BROKEN)
def test_validation_names_each_kind_of_problem(
    tmp_path: Path, breaking: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = minimal_flow()
    if "loop" in expected:
        data["nodes"]["loop"] = {"type": "goto", "target": "code"}
    breaking(data)
    problems = problems_of(tmp_path, data)
    assert any(expected in p for p in problems), problems


def test_option_keys_written_as_numbers_still_work(tmp_path: Path) -> None:
    path = tmp_path / "numbers.yaml"
    text = yaml.safe_dump(minimal_flow(), allow_unicode=True).replace("'1':", "1:")
    path.write_text(text, encoding="utf-8")
    flow = load_flow(path)
    assert validate(flow) == []
    menu = flow.nodes["ask"]
    assert isinstance(menu, MenuNode)
    assert "1" in menu.options


def test_a_file_that_is_not_a_mapping_is_a_problem_not_a_crash() -> None:
    assert validate(parse_flow(["not", "a", "flow"], "odd")) != []


def test_check_flows_prefixes_problems_with_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, minimal_flow(), "good.yaml")
    broken = minimal_flow()
    del broken["spec_version"]
    write(tmp_path, broken, "broken.yaml")
    (tmp_path / "garbled.yaml").write_text("nodes: [unclosed", encoding="utf-8")
    problems = check_flows(tmp_path)
    assert any(p.startswith("broken.yaml: ") and "spec_version" in p for p in problems)
    assert any(p.startswith("garbled.yaml: cannot read flow") for p in problems)
    assert not any(p.startswith("good.yaml") for p in problems)


def test_load_and_validate_raises_with_every_problem(tmp_path: Path) -> None:
    one, two = minimal_flow(), minimal_flow()
    one["spec_version"] = 9
    two["nodes"]["code"]["next"] = "nowhere"
    write(tmp_path, one, "one.yaml")
    write(tmp_path, two, "two.yaml")
    with pytest.raises(FlowError) as caught:
        load_and_validate(tmp_path)
    assert any(p.startswith("one.yaml") for p in caught.value.problems)
    assert any(p.startswith("two.yaml") for p in caught.value.problems)
    assert "one.yaml" in str(caught.value) and "two.yaml" in str(caught.value)


def test_check_flows_reports_a_missing_or_empty_directory(tmp_path: Path) -> None:
    assert "does not exist" in check_flows(tmp_path / "nope")[0]
    assert "no flow files" in check_flows(tmp_path)[0]


def test_same_flow_name_twice_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, minimal_flow(), "twin.yaml")
    write(tmp_path, minimal_flow(), "twin.yml")
    assert any("same flow name 'twin'" in p for p in check_flows(tmp_path))


def test_load_flows_keys_by_file_name(tmp_path: Path) -> None:
    write(tmp_path, minimal_flow(), "intake.yaml")
    write(tmp_path, minimal_flow(), "survey.yml")
    (tmp_path / "README.md").write_text("not a flow", encoding="utf-8")
    assert sorted(load_flows(tmp_path)) == ["intake", "survey"]


def test_speech_menus_lead_to_the_danger_node() -> None:
    flow = parse_flow(minimal_flow(), "f")
    assert ("ask", "danger") in flow_edges(flow)
