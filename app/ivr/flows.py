"""Load IVR flow files (YAML) into typed dataclasses and validate them.

Flows are data so the line's wording and menus can change without a release. Loading never raises
on a malformed node: it records the problem on the flow, so ``validate`` can report every problem in
one go, the way ``hotline ivr check`` and start-up want to show them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

SUPPORTED_SPEC_VERSIONS = frozenset({1})

#: Conditions a ``branch`` node may ask about; the app supplies their values per call.
CONDITIONS = frozenset(
    {
        "known_caller_with_open_ticket",  # caller's number has a ticket that is not closed
        "in_office_hours",  # staff are on duty now, so dialling them makes sense
        "number_known",  # caller is a known resident, so we already have an address
        "is_mobile",  # caller can receive SMS (landlines cannot)
        "offer_won",  # offer call: this volunteer's "1" took the ticket (nobody was first)
    }
)

#: Keys a menu option may use: one key press each. ``#`` ends input, so it is not an option.
OPTION_KEYS = frozenset("0123456789*")

PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Prompt = dict[str, str]
Scalar = str | int | float | bool | None
Words = dict[str, tuple[str, ...]]


class FlowError(Exception):
    """One or more flow files are unusable; ``problems`` lists every reason, one per line."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Voice:
    """How a language is spoken (Twilio ``<Say>`` voice and language) and heard (``<Gather>``)."""

    voice: str
    language: str
    speech_language: str


@dataclass(frozen=True)
class Option:
    """One menu choice: where it leads, the value it stores, and words that pick it by speech."""

    target: str | None
    value: Scalar = None
    words: Words = field(default_factory=dict)


@dataclass(frozen=True)
class SpeechInput:
    """Speech accepted by a menu besides key presses.

    ``on_unmatched`` lets a confident answer that names no option still go somewhere (the app can
    classify the text later) instead of costing the caller a try.
    """

    hints: Words = field(default_factory=dict)
    min_confidence: float = 0.4
    on_unmatched: str | None = None
    #: Seconds of silence after speech that end the answer (Gather ``speechTimeout``). A number,
    #: not "auto": Twilio refuses "auto" with most speech models (warning 13335).
    end_silence: int = 3


@dataclass(frozen=True, kw_only=True)
class Node:
    """A step of a flow. ``targets`` names every way on, so validation can follow the graph."""

    kind: ClassVar[str] = ""
    #: Nodes that wait for the caller (or the app) rather than running straight on.
    waits: ClassVar[bool] = False
    id: str

    def targets(self) -> dict[str, str | None]:
        """Outgoing edges by the field that holds them; ``None`` means the field is missing."""
        return {}

    def prompts(self) -> dict[str, Prompt]:
        """Prompts by field name, for the per-language checks."""
        return {}


@dataclass(frozen=True, kw_only=True)
class SayNode(Node):
    kind: ClassVar[str] = "say"
    prompt: Prompt
    next: str | None
    #: Saying this node means the caller reported danger: the app alerts staff.
    emergency: bool = False

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next}

    def prompts(self) -> dict[str, Prompt]:
        return {"prompt": self.prompt}


@dataclass(frozen=True, kw_only=True)
class MenuNode(Node):
    kind: ClassVar[str] = "menu"
    waits: ClassVar[bool] = True
    prompt: Prompt
    options: dict[str, Option]
    on_fail: str | None
    timeout: int = 5
    max_tries: int = 3
    #: Variable that receives the chosen option's ``value``.
    store: str | None = None
    speech: SpeechInput | None = None
    #: Speaking rate for the prompt (e.g. "85%"), for long menus read to elderly callers.
    rate: str | None = None

    def targets(self) -> dict[str, str | None]:
        edges = {f"options.{key}": option.target for key, option in self.options.items()}
        edges["on_fail"] = self.on_fail
        if self.speech is not None and self.speech.on_unmatched is not None:
            edges["speech.on_unmatched"] = self.speech.on_unmatched
        return edges

    def prompts(self) -> dict[str, Prompt]:
        return {"prompt": self.prompt}


@dataclass(frozen=True, kw_only=True)
class RecordNode(Node):
    kind: ClassVar[str] = "record"
    waits: ClassVar[bool] = True
    prompt: Prompt
    #: Base name: the recording lands in ``<store>_recording`` and ``<store>_duration``.
    store: str | None
    next: str | None
    max_length: int = 120
    play_beep: bool = True
    finish_on_key: str = "#"
    #: With speech, the caller is heard as words (kept in ``speech``) while the call is
    #: recorded, so the ticket gets a transcript and the recording beside it.
    speech: SpeechInput | None = None

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next}

    def prompts(self) -> dict[str, Prompt]:
        return {"prompt": self.prompt}


@dataclass(frozen=True, kw_only=True)
class DialStaffNode(Node):
    kind: ClassVar[str] = "dial_staff"
    waits: ClassVar[bool] = True
    prompt: Prompt = field(default_factory=dict)
    next: str | None
    on_no_answer: str | None
    timeout: int = 20

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next, "on_no_answer": self.on_no_answer}

    def prompts(self) -> dict[str, Prompt]:
        return {"prompt": self.prompt}


@dataclass(frozen=True, kw_only=True)
class CreateTicketNode(Node):
    kind: ClassVar[str] = "create_ticket"
    waits: ClassVar[bool] = True  # on the app, which creates the ticket and hands back its code
    next: str | None

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next}


@dataclass(frozen=True, kw_only=True)
class SayCodeNode(Node):
    kind: ClassVar[str] = "say_code"
    prompt: Prompt
    next: str | None
    repeat: int = 2

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next}

    def prompts(self) -> dict[str, Prompt]:
        return {"prompt": self.prompt}


@dataclass(frozen=True, kw_only=True)
class BranchNode(Node):
    kind: ClassVar[str] = "branch"
    condition: str | None
    then: str | None
    otherwise: str | None  # ``else`` in YAML

    def targets(self) -> dict[str, str | None]:
        return {"then": self.then, "else": self.otherwise}


@dataclass(frozen=True, kw_only=True)
class SetNode(Node):
    kind: ClassVar[str] = "set"
    #: Variables to set; ``language`` switches the call's language instead.
    values: dict[str, Scalar]
    next: str | None

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next}


@dataclass(frozen=True, kw_only=True)
class GotoNode(Node):
    kind: ClassVar[str] = "goto"
    target: str | None

    def targets(self) -> dict[str, str | None]:
        return {"target": self.target}


@dataclass(frozen=True, kw_only=True)
class HangupNode(Node):
    kind: ClassVar[str] = "hangup"
    prompt: Prompt = field(default_factory=dict)

    def prompts(self) -> dict[str, Prompt]:
        return {"prompt": self.prompt}


@dataclass(frozen=True, kw_only=True)
class UnknownNode(Node):
    """Kept so validation can name it; the engine hangs up politely if it ever gets here."""

    kind: ClassVar[str] = "unknown"
    declared_type: str


NODE_TYPES: dict[str, type[Node]] = {
    cls.kind: cls
    for cls in (
        SayNode,
        MenuNode,
        RecordNode,
        DialStaffNode,
        CreateTicketNode,
        SayCodeNode,
        BranchNode,
        SetNode,
        GotoNode,
        HangupNode,
    )
}


@dataclass(frozen=True)
class Flow:
    """One flow file. ``load_problems`` holds what could not be read; ``validate`` reports them."""

    name: str
    spec_version: int | None
    languages: tuple[str, ...]
    voices: dict[str, Voice]
    start: str | None
    nodes: dict[str, Node]
    #: Words that, heard in any speech answer, send the caller to ``on_danger`` at once.
    danger_words: Words = field(default_factory=dict)
    on_danger: str | None = None
    #: Said before a menu is repeated after no or invalid input.
    retry_prompt: Prompt = field(default_factory=dict)
    load_problems: tuple[str, ...] = ()


# --- reading YAML ---------------------------------------------------------------------------------


class _Fields:
    """Typed reads from one YAML mapping that record problems instead of raising."""

    def __init__(self, raw: Mapping[Any, Any], where: str, problems: list[str]) -> None:
        self.raw = raw
        self.where = where
        self.problems = problems

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def check_keys(self, allowed: Iterable[str]) -> None:
        for key in self.raw:
            if key not in allowed:
                self.problem(f"unknown field {key!r}")

    def text(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(f"{key!r} must be text")
            return None
        return str(value)

    def integer(self, key: str, default: int, minimum: int = 1) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(f"{key!r} must be a whole number of at least {minimum}")
            return default
        return value

    def number(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(f"{key!r} must be a number")
            return default
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"{key!r} must be true or false")
            return default
        return value

    def mapping(self, key: str) -> Mapping[Any, Any]:
        value = self.raw.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(f"{key!r} must be a mapping")
            return {}
        return value

    def prompt(self, key: str = "prompt") -> Prompt:
        prompt: Prompt = {}
        for language, text in self.mapping(key).items():
            if not isinstance(text, str) or not text.strip():
                self.problem(f"{key!r} in {language!r} must be non-empty text")
                continue
            prompt[str(language)] = text
        return prompt

    def words(self, key: str) -> Words:
        words: Words = {}
        for language, items in self.mapping(key).items():
            if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
                self.problem(f"{key!r} in {language!r} must be a list of words")
                continue
            words[str(language)] = tuple(items)
        return words


def _read_say(f: _Fields, node_id: str) -> Node:
    f.check_keys({"type", "prompt", "next", "emergency"})
    return SayNode(
        id=node_id, prompt=f.prompt(), next=f.text("next"), emergency=f.boolean("emergency", False)
    )


def _read_option(key: str, raw: Any, where: str, problems: list[str]) -> Option:
    if isinstance(raw, str):  # shorthand: "1": target
        return Option(target=raw)
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: option {key!r} must be a target or a mapping")
        return Option(target=None)
    f = _Fields(raw, f"{where} option {key!r}", problems)
    f.check_keys({"target", "value", "words"})
    value = raw.get("value")
    if not isinstance(value, Scalar):
        f.problem("'value' must be text, a number or true/false")
        value = None
    return Option(target=f.text("target"), value=value, words=f.words("words"))


def _read_speech(f: _Fields) -> SpeechInput | None:
    raw = f.raw.get("speech")
    if raw is None or raw is False:
        return None
    if raw is True:
        return SpeechInput()
    s = _Fields(f.mapping("speech"), f"{f.where} speech", f.problems)
    s.check_keys({"hints", "min_confidence", "on_unmatched", "end_silence"})
    return SpeechInput(
        hints=s.words("hints"),
        min_confidence=s.number("min_confidence", 0.4),
        on_unmatched=s.text("on_unmatched"),
        end_silence=s.integer("end_silence", 3),
    )


def _read_menu(f: _Fields, node_id: str) -> Node:
    f.check_keys(
        {"type", "prompt", "options", "on_fail", "timeout", "max_tries", "store", "speech", "rate"}
    )
    options = {}
    for key, raw in f.mapping("options").items():
        options[str(key)] = _read_option(str(key), raw, f.where, f.problems)
    return MenuNode(
        id=node_id,
        prompt=f.prompt(),
        options=options,
        on_fail=f.text("on_fail"),
        timeout=f.integer("timeout", 5),
        max_tries=f.integer("max_tries", 3),
        store=f.text("store"),
        speech=_read_speech(f),
        rate=f.text("rate"),
    )


def _read_record(f: _Fields, node_id: str) -> Node:
    f.check_keys(
        {"type", "prompt", "store", "next", "max_length", "play_beep", "finish_on_key", "speech"}
    )
    return RecordNode(
        id=node_id,
        prompt=f.prompt(),
        store=f.text("store"),
        next=f.text("next"),
        max_length=f.integer("max_length", 120),
        play_beep=f.boolean("play_beep", True),
        finish_on_key=f.text("finish_on_key") or "#",
        speech=_read_speech(f),
    )


def _read_dial_staff(f: _Fields, node_id: str) -> Node:
    f.check_keys({"type", "prompt", "next", "on_no_answer", "timeout"})
    return DialStaffNode(
        id=node_id,
        prompt=f.prompt(),
        next=f.text("next"),
        on_no_answer=f.text("on_no_answer"),
        timeout=f.integer("timeout", 20),
    )


def _read_create_ticket(f: _Fields, node_id: str) -> Node:
    f.check_keys({"type", "next"})
    return CreateTicketNode(id=node_id, next=f.text("next"))


def _read_say_code(f: _Fields, node_id: str) -> Node:
    f.check_keys({"type", "prompt", "next", "repeat"})
    return SayCodeNode(
        id=node_id, prompt=f.prompt(), next=f.text("next"), repeat=f.integer("repeat", 2)
    )


def _read_branch(f: _Fields, node_id: str) -> Node:
    f.check_keys({"type", "condition", "then", "else"})
    return BranchNode(
        id=node_id, condition=f.text("condition"), then=f.text("then"), otherwise=f.text("else")
    )


def _read_set(f: _Fields, node_id: str) -> Node:
    f.check_keys({"type", "set", "next"})
    values: dict[str, Scalar] = {}
    for key, value in f.mapping("set").items():
        if not isinstance(value, Scalar):
            f.problem(f"'set.{key}' must be text, a number or true/false")
            continue
        values[str(key)] = value
    return SetNode(id=node_id, values=values, next=f.text("next"))


def _read_goto(f: _Fields, node_id: str) -> Node:
    f.check_keys({"type", "target"})
    return GotoNode(id=node_id, target=f.text("target"))


def _read_hangup(f: _Fields, node_id: str) -> Node:
    f.check_keys({"type", "prompt"})
    return HangupNode(id=node_id, prompt=f.prompt())


_READERS = {
    "say": _read_say,
    "menu": _read_menu,
    "record": _read_record,
    "dial_staff": _read_dial_staff,
    "create_ticket": _read_create_ticket,
    "say_code": _read_say_code,
    "branch": _read_branch,
    "set": _read_set,
    "goto": _read_goto,
    "hangup": _read_hangup,
}


def _read_node(node_id: str, raw: Any, problems: list[str]) -> Node:
    if not isinstance(raw, Mapping):
        problems.append(f"node {node_id!r}: must be a mapping")
        return UnknownNode(id=node_id, declared_type="(not a mapping)")
    declared = raw.get("type")
    reader = _READERS.get(declared) if isinstance(declared, str) else None
    if reader is None:
        return UnknownNode(id=node_id, declared_type=str(declared))
    return reader(_Fields(raw, f"node {node_id!r} ({declared})", problems), node_id)


def _read_voices(f: _Fields) -> dict[str, Voice]:
    voices = {}
    for language, raw in f.mapping("voices").items():
        if not isinstance(raw, Mapping):
            f.problem(f"voice for {language!r} must be a mapping")
            continue
        v = _Fields(raw, f"voice {language!r}", f.problems)
        v.check_keys({"voice", "language", "speech_language"})
        voice, say_language, speech_language = (
            v.text("voice"),
            v.text("language"),
            v.text("speech_language"),
        )
        if not (voice and say_language and speech_language):
            v.problem("needs voice, language and speech_language")
            continue
        voices[str(language)] = Voice(voice, say_language, speech_language)
    return voices


def _read_languages(f: _Fields) -> tuple[str, ...]:
    raw = f.raw.get("languages")
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
        f.problem("'languages' must be a non-empty list such as [zh, en]")
        return ()
    return tuple(raw)


def parse_flow(raw: Any, name: str) -> Flow:
    """Build a flow from parsed YAML, keeping every problem for ``validate`` to report."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        return Flow(name, None, (), {}, None, {}, load_problems=("the file must hold a mapping",))
    f = _Fields(raw, "flow", problems)
    f.check_keys(
        {
            "spec_version",
            "description",
            "languages",
            "voices",
            "start",
            "nodes",
            "danger_words",
            "on_danger",
            "retry_prompt",
        }
    )
    version = raw.get("spec_version")
    if isinstance(version, bool) or not isinstance(version, int):
        version = None
    nodes = {str(k): _read_node(str(k), v, problems) for k, v in f.mapping("nodes").items()}
    return Flow(
        name=name,
        spec_version=version,
        languages=_read_languages(f),
        voices=_read_voices(f),
        start=f.text("start"),
        nodes=nodes,
        danger_words=f.words("danger_words"),
        on_danger=f.text("on_danger"),
        retry_prompt=f.prompt("retry_prompt"),
        load_problems=tuple(problems) + _version_problem(raw),
    )


def _version_problem(raw: Mapping[Any, Any]) -> tuple[str, ...]:
    if "spec_version" not in raw:
        return ("flow: missing spec_version",)
    version = raw["spec_version"]
    if version not in SUPPORTED_SPEC_VERSIONS or isinstance(version, bool):
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_SPEC_VERSIONS))
        return (f"flow: unsupported spec_version {version!r} (supported: {supported})",)
    return ()


def load_flow(path: Path) -> Flow:
    """Read one flow file; the flow's name is the file name without its extension.

    Raises ``FlowError`` only when the file cannot be read as YAML at all.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FlowError([f"cannot read flow: {exc}"]) from exc
    return parse_flow(raw, path.stem)


def flow_files(directory: Path) -> list[Path]:
    """Flow files in a directory, in a stable order."""
    return sorted(p for p in Path(directory).iterdir() if p.suffix in {".yaml", ".yml"})


def load_flows(directory: Path) -> dict[str, Flow]:
    """Load every flow file in ``directory`` by name, without validating them."""
    return {flow.name: flow for flow in (load_flow(p) for p in flow_files(directory))}


# --- validation -----------------------------------------------------------------------------------


def flow_edges(flow: Flow) -> set[tuple[str, str]]:
    """Every (from, to) step the engine can take, including speech answers to ``on_danger``."""
    edges = {
        (node.id, target)
        for node in flow.nodes.values()
        for target in node.targets().values()
        if target is not None
    }
    if flow.on_danger is not None:
        edges |= {(n.id, flow.on_danger) for n in flow.nodes.values() if _hears_speech(n)}
    return edges


def _hears_speech(node: Node) -> bool:
    return isinstance(node, MenuNode | RecordNode) and node.speech is not None


def validate(flow: Flow) -> list[str]:
    """Every problem with a flow, as sentences a person can act on; empty means usable."""
    problems = list(flow.load_problems)
    problems += _check_languages(flow)
    problems += _check_nodes(flow)
    problems += _check_targets(flow)
    problems += _check_reachable(flow)
    problems += _check_loops(flow)
    return problems


def _check_languages(flow: Flow) -> Iterator[str]:
    for language in flow.languages:
        if language not in flow.voices:
            yield f"flow: no voice for language {language!r}"
    for language in flow.danger_words:
        if language not in flow.languages:
            yield f"flow: danger_words for undeclared language {language!r}"
    if flow.danger_words and flow.on_danger is None:
        yield "flow: danger_words given but no on_danger node to send callers to"
    if flow.retry_prompt:
        yield from _check_prompt(flow, "flow", "retry_prompt", flow.retry_prompt)


def _check_prompt(flow: Flow, where: str, label: str, prompt: Prompt) -> Iterator[str]:
    for language in flow.languages:
        if language not in prompt:
            yield f"{where}: {label} missing in {language!r}"
    for language in prompt:
        if language not in flow.languages:
            yield f"{where}: {label} in undeclared language {language!r}"
    placeholders = {lang: set(PLACEHOLDER.findall(text)) for lang, text in prompt.items()}
    if len({frozenset(names) for names in placeholders.values()}) > 1:
        shown = "; ".join(f"{lang}: {sorted(names)}" for lang, names in placeholders.items())
        yield f"{where}: {label} placeholders differ between languages ({shown})"


_OPTIONAL_PROMPTS = (DialStaffNode, HangupNode)


def _check_nodes(flow: Flow) -> Iterator[str]:
    for node in flow.nodes.values():
        where = f"node {node.id!r} ({node.kind})"
        if isinstance(node, UnknownNode):
            yield f"node {node.id!r}: unknown node type {node.declared_type!r}"
            continue
        for label, prompt in node.prompts().items():
            if prompt or not isinstance(node, _OPTIONAL_PROMPTS):
                yield from _check_prompt(flow, where, label, prompt)
        yield from _check_node_fields(flow, node, where)


def _check_node_fields(flow: Flow, node: Node, where: str) -> Iterator[str]:
    if isinstance(node, MenuNode):
        yield from _check_menu(flow, node, where)
    elif isinstance(node, RecordNode):
        if node.store is None or not _NAME.match(node.store):
            yield f"{where}: 'store' must name a variable, e.g. description"
        yield from _check_hints(flow, node.speech, where)
    elif isinstance(node, BranchNode) and node.condition not in CONDITIONS:
        known = ", ".join(sorted(CONDITIONS))
        yield f"{where}: unknown condition {node.condition!r} (known: {known})"
    elif isinstance(node, SetNode):
        language = node.values.get("language")
        if "language" in node.values and language not in flow.languages:
            yield f"{where}: sets undeclared language {language!r}"
    elif isinstance(node, SayCodeNode):
        for language, text in node.prompt.items():
            if "code" not in PLACEHOLDER.findall(text):
                yield f"{where}: prompt in {language!r} must contain {{code}}"


def _check_menu(flow: Flow, node: MenuNode, where: str) -> Iterator[str]:
    if not node.options:
        yield f"{where}: has no options"
    for key in node.options:
        if key not in OPTION_KEYS:
            yield f"{where}: option key {key!r} is not a single key 0-9 or *"
    if node.store is not None and not _NAME.match(node.store):
        yield f"{where}: 'store' must name a variable"
    yield from _check_hints(flow, node.speech, where)


def _check_hints(flow: Flow, speech: SpeechInput | None, where: str) -> Iterator[str]:
    if speech is not None:
        for language in flow.languages:
            if language not in speech.hints:
                yield f"{where}: speech hints missing in {language!r}"


def _check_targets(flow: Flow) -> Iterator[str]:
    if flow.start is None:
        yield "flow: missing start"
    elif flow.start not in flow.nodes:
        yield f"flow: start node {flow.start!r} does not exist"
    if flow.on_danger is not None and flow.on_danger not in flow.nodes:
        yield f"flow: on_danger node {flow.on_danger!r} does not exist"
    for node in flow.nodes.values():
        for label, target in node.targets().items():
            if target is None:
                yield f"node {node.id!r} ({node.kind}): dead end, no {label!r} to go on to"
            elif target not in flow.nodes:
                yield f"node {node.id!r} ({node.kind}): {label} -> {target!r} does not exist"


def _check_reachable(flow: Flow) -> Iterator[str]:
    if flow.start not in flow.nodes:
        return
    edges = flow_edges(flow)
    seen, todo = {flow.start}, [flow.start]
    while todo:
        here = todo.pop()
        for src, dst in edges:
            if src == here and dst not in seen:
                seen.add(dst)
                todo.append(dst)
    for node_id in flow.nodes:
        if node_id not in seen:
            yield f"node {node_id!r}: unreachable from start {flow.start!r}"


def _check_loops(flow: Flow) -> Iterator[str]:
    """Find cycles of nodes that never wait for the caller: they would spin without end."""
    running = {n.id for n in flow.nodes.values() if not n.waits and not isinstance(n, UnknownNode)}
    edges = {(a, b) for a, b in flow_edges(flow) if a in running and b in running}
    reported: set[frozenset[str]] = set()
    for node_id in sorted(running):
        cycle = _cycle_from(node_id, edges)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            yield f"nodes {' -> '.join(cycle)}: loop with no input, the call would never progress"


def _cycle_from(origin: str, edges: set[tuple[str, str]]) -> list[str] | None:
    paths = [[origin]]
    while paths:
        path = paths.pop()
        for src, dst in sorted(edges):
            if src != path[-1]:
                continue
            if dst == origin:
                return [*path, origin]
            if dst not in path:
                paths.append([*path, dst])
    return None


def check_flows(directory: Path) -> list[str]:
    """Problems with every flow file in ``directory``, each prefixed with its file name."""
    directory = Path(directory)
    if not directory.is_dir():
        return [f"{directory}: flow directory does not exist"]
    files = flow_files(directory)
    if not files:
        return [f"{directory}: no flow files (*.yaml)"]
    problems: list[str] = []
    for path in files:
        try:
            problems += [f"{path.name}: {p}" for p in validate(load_flow(path))]
        except FlowError as exc:
            problems += [f"{path.name}: {p}" for p in exc.problems]
    problems += _duplicate_names(files)
    return problems


def _duplicate_names(files: list[Path]) -> list[str]:
    stems: dict[str, list[str]] = {}
    for path in files:
        stems.setdefault(path.stem, []).append(path.name)
    return [f"{', '.join(n)}: same flow name {s!r}" for s, n in stems.items() if len(n) > 1]


def load_and_validate(directory: Path) -> dict[str, Flow]:
    """Load all flows, or raise ``FlowError`` naming every problem, so a bad file stops start-up."""
    problems = check_flows(directory)
    if problems:
        raise FlowError(problems)
    return load_flows(directory)
