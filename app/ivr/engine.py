"""The IVR engine: a pure step function from (flow, call state, caller input) to actions.

Nothing here knows about HTTP, the database or Twilio. The web layer stores ``CallState`` (as JSON)
on the call, renders the returned actions to TwiML, and points every Gather/Record/Dial/Redirect at
a URL carrying ``action_node``/``node``, which it passes back as ``Event.node``. Whatever the
caller does (garbage keys, silence, mumbling) yields a re-prompt or the flow's fallback, never an
exception: a caller must never hear "an application error has occurred".

A ``CreateTicket`` action is a request, not a verb: the app creates the ticket from its
``variables``, then calls ``advance`` again at once with ``Context.ticket_code`` set and joins the
two replies with ``Step.then``. ``Emergency`` is a signal for the app (alert staff, mark urgent);
renderers skip both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from app.i18n import text
from app.ivr.flows import (
    BranchNode,
    CreateTicketNode,
    DialStaffNode,
    Flow,
    GotoNode,
    HangupNode,
    MenuNode,
    Node,
    Option,
    Prompt,
    RecordNode,
    SayCodeNode,
    SayNode,
    Scalar,
    SetNode,
    SpeechInput,
    Voice,
)

#: Running nodes allowed in one step; only a flow that skipped validation can hit it.
MAX_RUN = 100
#: Visited nodes kept in ``CallState.path``; enough for a call's story, bounded for storage.
MAX_PATH = 200
#: Dial outcomes meaning staff picked up; everything else (busy, no-answer, failed...) falls back.
ANSWERED = frozenset({"completed", "answered"})
#: Seconds a caller has to start speaking when asked to describe something.
LISTEN_TIMEOUT = 6
#: Most hints one speech input sends (node hints first, then the app's).
MAX_HINTS = 100

_ZH_DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
_FALLBACK_VOICE = Voice("alice", "en-US", "en-US")


# --- what goes in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallState:
    """Where one call is in its flow; small and JSON-serialisable so it can live on the Call row."""

    flow: str
    node: str
    language: str
    tries: int = 0
    variables: dict[str, Scalar] = field(default_factory=dict)
    path: tuple[str, ...] = ()
    finished: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "node": self.node,
            "language": self.language,
            "tries": self.tries,
            "variables": dict(self.variables),
            "path": list(self.path),
            "finished": self.finished,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CallState:
        return cls(
            flow=str(data["flow"]),
            node=str(data["node"]),
            language=str(data["language"]),
            tries=int(data.get("tries", 0)),
            variables=dict(data.get("variables", {})),
            path=tuple(data.get("path", ())),
            finished=bool(data.get("finished", False)),
        )


@dataclass(frozen=True)
class Event:
    """What the provider posted back for the node named in the action URL; all fields optional."""

    node: str | None = None
    digits: str | None = None
    speech_result: str | None = None
    confidence: float | None = None
    recording_url: str | None = None
    recording_duration: int | None = None
    dial_status: str | None = None

    @classmethod
    def from_form(cls, form: Mapping[str, str], node: str | None = None) -> Event:
        """Read Twilio's field names; unparseable numbers become ``None`` rather than errors."""
        return cls(
            node=node,
            digits=form.get("Digits"),
            speech_result=form.get("SpeechResult"),
            confidence=_to_float(form.get("Confidence")),
            recording_url=form.get("RecordingUrl"),
            recording_duration=_to_int(form.get("RecordingDuration")),
            dial_status=form.get("DialCallStatus"),
        )


def _to_float(raw: str | None) -> float | None:
    try:
        number = float(raw) if raw else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _to_int(raw: str | None) -> int | None:
    number = _to_float(raw)
    return None if number is None else int(number)


@dataclass(frozen=True)
class Context:
    """Facts only the app knows, supplied on every call to the engine.

    ``conditions`` answers ``branch`` nodes (missing means false). ``ticket_code`` is the code of
    the ticket the app created for this call after a ``CreateTicket`` request. ``values`` fill
    prompt placeholders such as ``{status}``; a value may be a mapping by language.
    ``language`` is the preferred language to start in (e.g. the resident's). ``hints`` are
    words by language that every speech input listens for besides its own (the category words).
    """

    conditions: Mapping[str, bool] = field(default_factory=dict)
    ticket_code: str | None = None
    values: Mapping[str, str | Mapping[str, str]] = field(default_factory=dict)
    language: str | None = None
    hints: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The app's rule for what only sounds like danger ("热水器打不着火", "没有煤气味"): speech
    # passes through it before the flow's danger words are looked for.
    screen: Callable[[str], str] = str.lower
    # The app's rule for words that answer nothing yet ("喂？", "嗯，你好"): a menu hearing
    # only these asks again instead of taking them as the caller's description.
    says_nothing: Callable[[str], bool] = lambda _: False


# --- what comes out ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Speak ``text``; ``rate`` (e.g. "90%") is a prosody rate for voices that support SSML."""

    text: str
    voice: str
    language: str
    rate: str | None = None


@dataclass(frozen=True)
class Pause:
    """Silence between repeats, so a code said twice is heard as two readings."""

    seconds: int = 1


@dataclass(frozen=True)
class Gather:
    """Collect keys and/or speech, playing ``prompt`` meanwhile so callers can answer early."""

    input: tuple[str, ...]  # "dtmf" and/or "speech"
    num_digits: int
    timeout: int
    speech_language: str
    hints: tuple[str, ...]
    action_node: str
    prompt: tuple[Say, ...]
    end_silence: int = 3  # seconds of silence that end a spoken answer


@dataclass(frozen=True)
class StartRecording:
    """Record the caller from here on while the call goes on (the words are heard meanwhile);
    the recording status callback names ``node``."""

    node: str


@dataclass(frozen=True)
class StopRecording:
    """End the recording ``StartRecording`` began at ``node``."""

    node: str


@dataclass(frozen=True)
class Record:
    """Record the caller (problem, address, voicemail); the result is posted to ``action_node``."""

    max_length: int
    play_beep: bool
    finish_on_key: str
    action_node: str


@dataclass(frozen=True)
class Dial:
    """Ring the staff on duty (the app picks the numbers)."""

    timeout: int
    action_node: str


@dataclass(frozen=True)
class Redirect:
    """Post back to ``node``'s action URL with no input: how silence after a Gather is reported."""

    node: str


@dataclass(frozen=True)
class Hangup:
    """End the call."""


@dataclass(frozen=True)
class CreateTicket:
    """Domain request: create the call's ticket from ``variables``, then advance with its code."""

    variables: dict[str, Scalar]


@dataclass(frozen=True)
class Emergency:
    """Domain signal: the caller reported danger (``trigger`` says how); alert staff."""

    trigger: str


Action = (
    Say
    | Pause
    | Gather
    | StartRecording
    | StopRecording
    | Record
    | Dial
    | Redirect
    | Hangup
    | CreateTicket
    | Emergency
)


@dataclass(frozen=True)
class Step:
    """The new state and the actions to carry out, in order."""

    state: CallState
    actions: tuple[Action, ...]

    @property
    def create_ticket(self) -> CreateTicket | None:
        return next((a for a in self.actions if isinstance(a, CreateTicket)), None)

    @property
    def emergency(self) -> bool:
        return any(isinstance(a, Emergency) for a in self.actions)

    @property
    def finished(self) -> bool:
        return self.state.finished

    def then(self, later: Step) -> Step:
        """Join a follow-up step (e.g. after creating the ticket) into one reply."""
        kept = tuple(a for a in self.actions if not isinstance(a, CreateTicket))
        return Step(later.state, kept + later.actions)


# --- public entry points -------------------------------------------------------------------------


def start(flow: Flow, context: Context) -> Step:
    """Begin a call at the flow's start node, in the preferred language if the flow has it."""
    language = context.language if context.language in flow.languages else _default_language(flow)
    state = CallState(flow=flow.name, node=flow.start or "", language=language)
    run = _Run(flow, context, state)
    run.go(flow.start)
    return run.step()


def advance(flow: Flow, state: CallState, event: Event, context: Context) -> Step:
    """Apply what the caller (or the app) did at ``state.node`` and run on to the next wait."""
    if state.finished:
        return Step(state, (Hangup(),))
    if state.flow != flow.name or state.node not in flow.nodes:
        # The flow changed under a live call (deploy) or the state is foreign: begin again.
        return start(flow, replace(context, language=state.language))
    run = _Run(flow, context, state)
    heard = context.screen(event.speech_result) if event.speech_result else None
    danger = _find_words(heard, flow.danger_words.values())
    if danger and flow.on_danger in flow.nodes:
        run.variables["danger_word"] = danger
        run.variables["speech"] = event.speech_result or ""  # the caller's words: the problem
        run.actions.append(Emergency(trigger=f"speech: {danger}"))
        run.go(flow.on_danger)
    elif event.node is not None and event.node != state.node:
        run.resume(flow.nodes[state.node])  # stale or repeated delivery: show where we are
    else:
        run.answer(flow.nodes[state.node], event)
    return run.step()


def spell_code(code: str, language: str) -> str:
    """Read a ticket code one character at a time: "123456" -> "1 2 3 4 5 6" (or 一 二 ... in zh).

    Said as a number, 123456 becomes "one hundred and twenty-three thousand...", which nobody can
    write down.
    """
    chinese = language.split("-")[0] in {"zh", "cmn"}
    chars = [
        _ZH_DIGITS.get(c, c) if chinese else c.upper() for c in code if c.isalnum() and c.isascii()
    ]
    return " ".join(chars)


# --- the run --------------------------------------------------------------------------------------


class _Wait:
    """Marker: the node waits for the caller or the app, so the step ends here."""


WAIT = _Wait()
Target = str | None | _Wait


class _Run:
    """Mutable scratch for one step; frozen into a ``Step`` at the end."""

    def __init__(self, flow: Flow, context: Context, state: CallState) -> None:
        self.flow = flow
        self.context = context
        self.node = state.node
        self.language = state.language
        self.tries = state.tries
        self.variables: dict[str, Scalar] = dict(state.variables)
        self.path = list(state.path)
        self.finished = state.finished
        self.actions: list[Action] = []

    def step(self) -> Step:
        state = CallState(
            flow=self.flow.name,
            node=self.node,
            language=self.language,
            tries=self.tries,
            variables=self.variables,
            path=tuple(self.path[-MAX_PATH:]),
            finished=self.finished,
        )
        return Step(state, tuple(self.actions))

    # moving

    def go(self, target: str | None) -> None:
        """Enter ``target`` and keep running until a node waits or the call ends.

        A missing node or an endless loop only happens in a flow that skipped validation; the
        caller then hears a hang-up rather than an error.
        """
        current: Target = target
        for _ in range(MAX_RUN):
            node = self.flow.nodes.get(current) if isinstance(current, str) else None
            if node is None:
                self.hang_up()
                return
            self.node, self.tries = node.id, 0
            self.path.append(node.id)
            current = self.present(node)
            if isinstance(current, _Wait):
                return
        self.hang_up()

    def resume(self, node: Node) -> None:
        """Present the node the call rests on again, without counting it as a new visit."""
        target = self.present(node)
        if not isinstance(target, _Wait):
            self.go(target)

    def hang_up(self, prompt: Prompt | None = None) -> None:
        if prompt:
            self.say(prompt)
        self.actions.append(Hangup())
        self.finished = True

    def present(self, node: Node) -> Target:
        """Emit what entering ``node`` means; return the next node, or ``WAIT``."""
        match node:
            case SayNode():
                return self._say_node(node)
            case MenuNode():
                self._gather(node)
            case RecordNode() if node.speech is not None:
                self.actions += [
                    StartRecording(node.id),
                    self._listen(node, node.speech, (), LISTEN_TIMEOUT, node.prompt),
                    Redirect(node.id),  # reached when the caller said nothing
                ]
            case RecordNode():
                self.say(node.prompt)
                self.actions += [
                    Record(node.max_length, node.play_beep, node.finish_on_key, node.id),
                    Redirect(node.id),  # Twilio skips the action when nothing was recorded
                ]
            case DialStaffNode():
                self.say(node.prompt)
                self.actions.append(Dial(node.timeout, node.id))
            case CreateTicketNode():
                return self._create_ticket(node)
            case SayCodeNode():
                self._say_code(node)
                return node.next
            case BranchNode():
                met = bool(self.context.conditions.get(node.condition or ""))
                return node.then if met else node.otherwise
            case SetNode():
                self._set(node.values)
                return node.next
            case GotoNode():
                return node.target
            case HangupNode():
                self.hang_up(node.prompt)
            case _:
                self.hang_up()
        return WAIT

    def answer(self, node: Node, event: Event) -> None:
        """Handle the caller's answer at a waiting node."""
        match node:
            case MenuNode():
                self._answer_menu(node, event)
            case RecordNode():
                self._answer_record(node, event)
            case DialStaffNode():
                status = (event.dial_status or "").strip().lower()
                if status in ANSWERED:
                    self.go(node.next)
                else:
                    self.variables["dial_status"] = status or "unknown"
                    self.go(node.on_no_answer)
            case _:
                self.resume(node)  # create_ticket waiting for its code, and the like

    # node behaviour

    def _say_node(self, node: SayNode) -> str | None:
        if node.emergency:
            self.variables["emergency"] = True
            if not any(isinstance(a, Emergency) for a in self.actions):
                self.actions.append(Emergency(trigger=f"menu: {node.id}"))
        self.say(node.prompt)
        return node.next

    def _gather(self, node: MenuNode) -> None:
        keys = tuple(node.options)
        if node.speech is None:
            voice = self.voice()
            gather = Gather(
                input=("dtmf",),
                num_digits=max((len(k) for k in keys), default=1),
                timeout=node.timeout,
                speech_language=voice.speech_language,
                hints=(),
                action_node=node.id,
                prompt=(self.spoken(node.prompt, node.rate),),
            )
        else:
            gather = self._listen(node, node.speech, keys, node.timeout, node.prompt, node.rate)
        # The Redirect is reached only when the caller said and pressed nothing.
        self.actions += [gather, Redirect(node.id)]

    def _listen(
        self,
        node: Node,
        speech: SpeechInput,
        keys: tuple[str, ...],
        timeout: int,
        prompt: Prompt,
        rate: str | None = None,
    ) -> Gather:
        """A Gather that hears speech (and keys when there are options to press)."""
        hints = _hints(
            speech.hints.get(self.language, ()), self.context.hints.get(self.language, ())
        )
        return Gather(
            input=("dtmf", "speech") if keys else ("speech",),
            num_digits=max((len(k) for k in keys), default=1),
            timeout=timeout,
            speech_language=self.voice().speech_language,
            hints=hints,
            action_node=node.id,
            prompt=(self.spoken(prompt, rate),),
            end_silence=speech.end_silence,
        )

    def _answer_menu(self, node: MenuNode, event: Event) -> None:
        option = node.options.get((event.digits or "").strip())
        heard = _heard(node.speech, event) if option is None else None
        if heard and self.context.says_nothing(heard):
            heard = None
        if heard and node.speech is not None:
            self.variables["speech"] = heard  # the caller's own words help whoever handles it
            option = self._match(node, heard)
            if option is None and node.speech.on_unmatched is not None:
                self.go(node.speech.on_unmatched)
                return
        if option is None:
            self._retry(node)
            return
        if node.store is not None and option.value is not None:
            self.variables[node.store] = option.value
        self.go(option.target)

    def _match(self, node: MenuNode, heard: str) -> Option | None:
        """The option whose word is the longest found in what was heard."""
        best: tuple[int, Option] | None = None
        for option in node.options.values():
            word = _find_words(heard, [option.words.get(self.language, ())])
            if word and (best is None or len(word) > best[0]):
                best = (len(word), option)
        return best[1] if best else None

    def _retry(self, node: MenuNode) -> None:
        self.tries += 1
        if self.tries >= node.max_tries:
            self.go(node.on_fail)
            return
        self.say(self.flow.retry_prompt)
        self._gather(node)

    def _answer_record(self, node: RecordNode, event: Event) -> None:
        if node.speech is not None:
            # The recording goes on until here; it reaches the app by its status callback.
            self.actions.append(StopRecording(node.id))
            heard = _heard(node.speech, event)
            if heard:
                said = str(self.variables.get("speech") or "")
                joiner = text(self.language, "speech_join")  # between pieces said
                self.variables["speech"] = f"{said}{joiner}{heard}" if said else heard
            self.go(node.next)
            return
        if event.recording_url and node.store:
            self.variables[f"{node.store}_recording"] = event.recording_url
            if event.recording_duration is not None:
                self.variables[f"{node.store}_duration"] = event.recording_duration
        self.go(node.next)

    def _create_ticket(self, node: CreateTicketNode) -> Target:
        code = self.context.ticket_code or self.variables.get("ticket_code")
        if code:
            self.variables["ticket_code"] = str(code)
            return node.next
        self.actions.append(CreateTicket(dict(self.variables)))
        return WAIT

    def _say_code(self, node: SayCodeNode) -> None:
        if not self.variables.get("ticket_code"):
            return  # nothing to read; better silence than "your code is blank"
        for i in range(node.repeat):
            if i:
                self.actions.append(Pause(1))
            self.say(node.prompt)

    def _set(self, values: Mapping[str, Scalar]) -> None:
        for key, value in values.items():
            if key == "language":
                if value in self.flow.languages:
                    self.language = str(value)
            else:
                self.variables[key] = value

    # speaking

    def voice(self) -> Voice:
        return self.flow.voices.get(self.language, _FALLBACK_VOICE)

    def say(self, prompt: Prompt) -> None:
        if prompt:
            self.actions.append(self.spoken(prompt))

    def spoken(self, prompt: Prompt, rate: str | None = None) -> Say:
        text = prompt.get(self.language) or next(iter(prompt.values()), "")
        voice = self.voice()
        return Say(self.fill(text), voice.voice, voice.language, rate)

    def fill(self, text: str) -> str:
        """Fill ``{name}`` placeholders; codes are spelled out, unknown names become empty."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            raw = self.context.values.get(name)
            if isinstance(raw, Mapping):
                raw = raw.get(self.language) or next(iter(raw.values()), "")
            if raw is None and name == "code":
                raw = str(self.variables.get("ticket_code") or "")
            text = raw or ""
            return spell_code(text, self.language) if _is_code(name) else text

        return re.sub(r"\{(\w+)\}", value, text)


def _heard(speech: SpeechInput | None, event: Event) -> str | None:
    """Speech worth acting on: non-empty and confident enough (no confidence given is fine)."""
    text = (event.speech_result or "").strip()
    if speech is None or not text:
        return None
    if event.confidence is not None and event.confidence < speech.min_confidence:
        return None
    return text


@lru_cache(maxsize=256)
def _hints(own: tuple[str, ...], extra: tuple[str, ...]) -> tuple[str, ...]:
    """A node's hints, then the app's, each once, at most ``MAX_HINTS``: the same few lists
    are merged at every step of every call, so each merge is kept."""
    return tuple(dict.fromkeys((*own, *extra)))[:MAX_HINTS]


def _is_code(name: str) -> bool:
    """Codes and phone numbers are read one digit at a time, so they can be written down."""
    return name in ("code", "phone") or name.endswith("_code")


def _default_language(flow: Flow) -> str:
    return flow.languages[0] if flow.languages else "zh"


def _find_words(text: str | None, word_lists: Iterable[Iterable[str]]) -> str | None:
    """The longest listed word found in ``text``; latin words must stand alone ("fire", not "firm").

    Longest wins so "不满意" is not heard as "满意".
    """
    if not text:
        return None
    lowered = text.lower()
    found = [word for words in word_lists for word in words if _contains(lowered, word.lower())]
    return max(found, key=len) if found else None


def _contains(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None
    return word in text
