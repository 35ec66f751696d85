"""The IVR engine: every branch of the shipped flows, and callers who do the unexpected."""

from __future__ import annotations

import ast
import itertools
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from app.ivr import engine
from app.ivr.engine import (
    CallState,
    Context,
    CreateTicket,
    Dial,
    Emergency,
    Event,
    Gather,
    Hangup,
    Pause,
    Redirect,
    Say,
    StartRecording,
    Step,
    StopRecording,
    advance,
    spell_code,
    start,
)
from app.ivr.flows import (
    CONDITIONS,
    CreateTicketNode,
    DialStaffNode,
    Flow,
    MenuNode,
    Node,
    RecordNode,
    flow_edges,
    load_flow,
    parse_flow,
)
from app.voice.setup import category_hints

FLOWS_DIR = Path(__file__).resolve().parents[2] / "ivr_flows"
NEW_CODE = "123456"
VALUES = {
    "status": {"zh": "处理中", "en": "in progress"},
    "open_ticket_code": "654321",
    "ticket_code": "778899",
}


@pytest.fixture(scope="module")
def intake() -> Flow:
    return load_flow(FLOWS_DIR / "intake.yaml")


@pytest.fixture(scope="module")
def survey() -> Flow:
    return load_flow(FLOWS_DIR / "survey.yaml")


def context(language: str | None = None, code: str | None = None, **conditions: bool) -> Context:
    return Context(
        conditions=conditions,
        ticket_code=code,
        values=VALUES,
        language=language,
        hints={"zh": category_hints()["zh"]},
    )


def with_ticket(flow: Flow, step: Step, ctx: Context) -> Step:
    """Do what the app does on ``CreateTicket``: create it, then advance again with its code."""
    if step.create_ticket is None:
        return step
    return step.then(advance(flow, step.state, Event(), replace(ctx, ticket_code=NEW_CODE)))


def says(step: Step) -> list[str]:
    """Every text the caller hears, including prompts played inside a Gather."""
    texts = []
    for action in step.actions:
        if isinstance(action, Say):
            texts.append(action.text)
        elif isinstance(action, Gather):
            texts += [say.text for say in action.prompt]
    return texts


def heard(step: Step) -> str:
    return "\n".join(says(step))


class Call:
    """Drive one call through a flow the way the web layer would, one provider post at a time."""

    def __init__(self, flow: Flow, ctx: Context) -> None:
        self.flow, self.ctx = flow, ctx
        self.step = with_ticket(flow, start(flow, ctx), ctx)

    @property
    def state(self) -> CallState:
        return self.step.state

    def post(self, **fields: Any) -> Step:
        event = Event(node=self.state.node, **fields)
        self.step = with_ticket(
            self.flow, advance(self.flow, self.state, event, self.ctx), self.ctx
        )
        return self.step

    def press(self, digits: str) -> Step:
        return self.post(digits=digits)

    def say(self, text: str, confidence: float | None = 0.9) -> Step:
        return self.post(speech_result=text, confidence=confidence)

    def silence(self) -> Step:
        return self.post()


# --- walking every branch -------------------------------------------------------------------------


def events_for(flow: Flow, node: Node) -> Iterator[Event]:
    """Every kind of answer a caller (or the provider) can give at a waiting node."""
    if isinstance(node, MenuNode):
        yield from (Event(node=node.id, digits=key) for key in node.options)
        yield from (Event(node=node.id, digits=junk) for junk in ("", "x", "12", "#", " "))
        yield Event(node=node.id)
        if node.speech is not None:
            for option in node.options.values():
                for words in option.words.values():
                    yield Event(node=node.id, speech_result=words[0], confidence=0.9)
            yield Event(node=node.id, speech_result="嗯 hmm", confidence=0.9)
            yield Event(node=node.id, speech_result="家电", confidence=0.1)
            yield Event(node=node.id, speech_result="", confidence=0.0)
            for words in flow.danger_words.values():
                yield Event(node=node.id, speech_result=f"help {words[0]}!", confidence=0.9)
    elif isinstance(node, RecordNode):
        yield Event(node=node.id, recording_url="https://rec/1", recording_duration=9)
        yield Event(node=node.id)
        if node.speech is not None:
            yield Event(node=node.id, speech_result="洗衣机坏了 washer broken", confidence=0.9)
            yield Event(node=node.id, speech_result="嗯", confidence=0.1)
            for words in flow.danger_words.values():
                yield Event(node=node.id, speech_result=f"help {words[0]}!", confidence=0.9)
    elif isinstance(node, DialStaffNode):
        for status in ("completed", "answered", "no-answer", "busy", "failed", "canceled", None):
            yield Event(node=node.id, dial_status=status)
    else:
        yield Event(node=node.id)


@dataclass
class Walk:
    """What an exhaustive walk of a flow saw."""

    edges: set[tuple[str, str]] = field(default_factory=set)
    nodes: set[str] = field(default_factory=set)
    steps: list[Step] = field(default_factory=list)


def walk(flow: Flow, language: str) -> Walk:
    """Breadth-first over every condition combination and every answer at every waiting node."""
    seen = Walk()
    for values in itertools.product([False, True], repeat=len(CONDITIONS)):
        ctx = context(language, **dict(zip(sorted(CONDITIONS), values, strict=True)))
        queue = deque([with_ticket(flow, start(flow, ctx), ctx)])
        visited: set[tuple[str, int, str]] = set()
        while queue:
            step = queue.popleft()
            seen.steps.append(step)
            state = step.state
            seen.nodes.update(state.path)
            seen.edges.update(itertools.pairwise(state.path))
            key = (state.node, state.tries, state.language)
            if state.finished or key in visited:
                continue
            visited.add(key)
            for event in events_for(flow, flow.nodes[state.node]):
                queue.append(with_ticket(flow, advance(flow, state, event, ctx), ctx))
    return seen


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("name", ["intake", "survey"])
def test_every_branch_of_the_shipped_flows_is_walked(name: str, language: str) -> None:
    flow = load_flow(FLOWS_DIR / f"{name}.yaml")
    seen = walk(flow, language)
    assert seen.nodes == set(flow.nodes)
    assert flow_edges(flow) - seen.edges == set()
    for step in seen.steps:
        assert all(text and "{" not in text for text in says(step)), says(step)
        if step.finished:
            assert isinstance(step.actions[-1], Hangup)
        else:
            assert step.actions, f"no actions while waiting at {step.state.node}"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_say_uses_the_voice_of_the_call_language(intake: Flow, language: str) -> None:
    voice = intake.voices[language]
    for step in walk(intake, language).steps:
        if step.state.language != language:
            continue  # the caller switched language on the greeting
        for action in step.actions:
            spoken = action.prompt if isinstance(action, Gather) else (action,)
            for say in spoken:
                if isinstance(say, Say):
                    assert (say.voice, say.language) == (voice.voice, voice.language)


# --- the intake flow, step by step ----------------------------------------------------------------


def test_report_a_problem_in_chinese_from_a_mobile(intake: Flow) -> None:
    call = Call(intake, context(in_office_hours=True, number_known=True, is_mobile=True))
    assert call.state.node == "greeting"
    assert "For English, press 9" in heard(call.step)
    call.silence()
    assert call.state.node == "category"
    gather = call.step.actions[0]
    assert isinstance(gather, Gather)
    assert gather.input == ("dtmf", "speech")
    assert gather.speech_language == "zh-CN"
    assert "洗衣机" in gather.hints
    assert gather.prompt[0].rate == "90%"
    assert call.step.actions[1] == Redirect("category")

    call.press("1")
    assert call.state.variables["category"] == "appliance"
    # The problem is heard as words while the caller's side is recorded.
    started, listen, redirect = call.step.actions
    assert started == StartRecording("record_problem") and redirect == Redirect("record_problem")
    assert isinstance(listen, Gather) and listen.input == ("speech",)
    assert listen.speech_language == "zh-CN" and listen.end_silence == 3
    assert "坏了" in listen.hints and "家电维修" in listen.hints and "洗衣机" in listen.hints

    first = advance(
        intake,
        call.state,
        Event(node="record_problem", speech_result="洗衣机转几下就不动了", confidence=0.82),
        call.ctx,
    )
    assert first.actions[0] == StopRecording("record_problem")
    assert first.create_ticket == CreateTicket(
        {"category": "appliance", "speech": "洗衣机转几下就不动了"}
    )
    assert first.state.node == "create_ticket" and not first.finished

    done = first.then(
        advance(intake, first.state, Event(), replace(call.ctx, ticket_code="123456"))
    )
    texts = says(done)
    assert texts.count("您的工单号是：一 二 三 四 五 六。") == 2
    assert Pause(1) in done.actions
    assert any("短信" in t for t in texts)
    assert done.finished and isinstance(done.actions[-1], Hangup)
    assert not any(isinstance(a, CreateTicket) for a in done.actions)
    assert done.state.variables["ticket_code"] == "123456"


def test_report_in_english_from_a_landline_with_an_unknown_number(intake: Flow) -> None:
    call = Call(intake, context(in_office_hours=True))
    call.press("9")
    assert call.state.language == "en"
    gather = call.step.actions[0]
    assert isinstance(gather, Gather)
    assert gather.speech_language == "en-US"
    assert gather.prompt[0].voice == "Polly.Joanna"
    call.press("3")
    call.post(recording_url="https://rec/p", recording_duration=20)
    assert call.state.node == "record_address"  # we do not know where this caller lives
    call.post(recording_url="https://rec/a", recording_duration=8)
    texts = says(call.step)
    assert texts.count("Your request number is: 1 2 3 4 5 6.") == 2
    assert not any("text message" in t for t in texts)  # a landline gets no SMS
    assert call.state.variables["address_recording"] == "https://rec/a"
    assert call.state.variables["category"] == "plumbing"


def test_an_english_speaker_can_switch_to_mandarin(intake: Flow) -> None:
    call = Call(intake, context("en"))
    assert "For Mandarin, press 8" in heard(call.step)
    call.press("8")
    assert call.state.language == "zh"


def test_outside_office_hours_the_greeting_says_so(intake: Flow) -> None:
    call = Call(intake, context(in_office_hours=False))
    assert call.state.node == "greeting_closed"
    assert "下班时间" in heard(call.step)


def test_known_caller_hears_the_state_of_the_open_ticket(intake: Flow) -> None:
    call = Call(intake, context(known_caller_with_open_ticket=True, in_office_hours=True))
    call.silence()
    assert call.state.node == "open_ticket"
    assert "您的工单 六 五 四 三 二 一 目前的状态是：处理中。" in heard(call.step)
    call.press("2")
    assert call.state.node == "category"


def test_known_caller_in_english_hears_the_english_status(intake: Flow) -> None:
    call = Call(intake, context("en", known_caller_with_open_ticket=True))
    call.silence()
    assert "Your request 6 5 4 3 2 1 is in progress." in heard(call.step)
    call.press("1")
    assert call.state.node == "record_message"  # office closed: staff will call back
    assert "Our office is closed now" in heard(call.step)


@pytest.mark.parametrize("junk", ["x", "12", "#", " ", "", "٣", "9999999999"])
def test_garbage_digits_count_as_a_try_and_reprompt(intake: Flow, junk: str) -> None:
    call = Call(intake, context(in_office_hours=True))
    call.silence()
    call.press(junk)
    assert (call.state.node, call.state.tries) == ("category", 1)
    assert says(call.step)[0] == "对不起，没有听清楚。"
    assert isinstance(call.step.actions[1], Gather)
    assert call.state.path.count("category") == 1  # a re-prompt is not a new visit


def test_three_tries_without_an_answer_reach_a_person_in_office_hours(intake: Flow) -> None:
    call = Call(intake, context(in_office_hours=True))
    call.silence()
    call.silence()
    call.press("x")
    assert call.state.tries == 2
    call.silence()
    assert call.state.node == "dial_staff"
    assert Dial(timeout=25, action_node="dial_staff") in call.step.actions
    assert "正在为您转接工作人员" in heard(call.step)


def test_three_tries_outside_office_hours_go_to_voicemail(intake: Flow) -> None:
    call = Call(intake, context())
    call.silence()
    for _ in range(3):
        call.silence()
    assert call.state.node == "record_message"
    assert call.state.variables["callback"] is True


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed", "canceled", None, "weird"])
def test_staff_not_answering_leads_to_a_callback_ticket(intake: Flow, status: str | None) -> None:
    call = Call(intake, context(in_office_hours=True, number_known=True))
    call.silence()
    call.press("0")
    assert call.state.node == "dial_staff"
    call.post(dial_status=status)
    assert call.state.node == "record_message"
    assert "工作人员暂时无法接听" in heard(call.step)
    first = advance(
        intake, call.state, Event(node="record_message", speech_result="灯坏了"), call.ctx
    )
    assert first.create_ticket is not None
    assert first.create_ticket.variables["callback"] is True
    assert first.create_ticket.variables["speech"] == "灯坏了"
    assert first.create_ticket.variables["dial_status"] == (status or "unknown")


def test_staff_answering_ends_the_flow_after_the_call(intake: Flow) -> None:
    call = Call(intake, context(in_office_hours=True))
    call.silence()
    call.press("0")
    call.post(dial_status="completed")
    assert call.step.finished
    assert call.step.actions == (Hangup(),)


def test_no_recording_still_creates_the_ticket(intake: Flow) -> None:
    """Twilio skips the action on an empty recording; our Redirect reports it as an empty post."""
    call = Call(intake, context(number_known=True))
    call.silence()
    call.press("5")
    assert call.step.actions[-1] == Redirect("record_problem")
    call.silence()
    assert call.step.finished
    assert "description_recording" not in call.state.variables
    assert "speech" not in call.state.variables
    assert call.state.variables["ticket_code"] == NEW_CODE


# --- speech ---------------------------------------------------------------------------------------


def test_speech_naming_a_category_picks_it_and_keeps_the_words(intake: Flow) -> None:
    call = Call(intake, context())
    call.silence()
    call.say("我家洗衣机坏了")
    assert call.state.node == "record_problem"
    assert call.state.variables["category"] == "appliance"
    assert call.state.variables["speech"] == "我家洗衣机坏了"


def test_confident_speech_naming_no_category_is_kept_as_the_description(intake: Flow) -> None:
    call = Call(intake, context())
    call.silence()
    call.say("我想问一下那个事情")
    assert call.state.node == "record_problem"
    assert "category" not in call.state.variables
    assert call.state.variables["speech"] == "我想问一下那个事情"


@pytest.mark.parametrize("confidence", [0.0, 0.1, 0.39])
def test_low_confidence_speech_counts_as_a_try(intake: Flow, confidence: float) -> None:
    call = Call(intake, context())
    call.silence()
    call.say("我家洗衣机坏了", confidence=confidence)
    assert (call.state.node, call.state.tries) == ("category", 1)
    assert "speech" not in call.state.variables


def test_speech_without_a_confidence_is_accepted(intake: Flow) -> None:
    call = Call(intake, context())
    call.silence()
    call.say("水管漏水", confidence=None)
    assert call.state.variables["category"] == "plumbing"


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_speech_is_no_input(intake: Flow, text: str) -> None:
    call = Call(intake, context())
    call.silence()
    call.say(text)
    assert (call.state.node, call.state.tries) == ("category", 1)


@pytest.mark.parametrize(
    ("language", "text", "word"),
    [
        ("zh", "我家煤气味道很大", "煤气"),
        ("zh", "快来人，我老伴晕倒了", "晕倒"),
        ("zh", "救命啊", "救命"),
        ("en", "There is a FIRE in the kitchen", "fire"),
        ("en", "my husband collapsed", "collapsed"),
        ("en", "I smell gas", "gas"),
    ],
)
def test_danger_words_in_speech_give_the_emergency_numbers_first(
    intake: Flow, language: str, text: str, word: str
) -> None:
    call = Call(intake, context(language))
    call.silence()
    call.say(text)
    assert call.state.node == "emergency_menu"
    assert Emergency(trigger=f"speech: {word}") in call.step.actions
    assert call.step.emergency
    first = says(call.step)[0]
    assert "119" in first and "120" in first and "110" in first
    assert call.state.variables["danger_word"] == word
    assert call.state.variables["emergency"] is True
    assert [a for a in call.step.actions if isinstance(a, Emergency)] == [
        Emergency(trigger=f"speech: {word}")
    ]


def test_danger_words_are_heard_even_when_unsure_and_on_the_greeting(intake: Flow) -> None:
    """A false alarm costs one sentence; a missed fire costs far more."""
    call = Call(intake, context())
    call.say("着火了", confidence=0.05)
    assert call.step.emergency
    assert call.state.node == "emergency_menu"


def test_latin_danger_words_must_stand_alone(intake: Flow) -> None:
    call = Call(intake, context("en"))
    call.silence()
    call.say("the gasket of my fireplace door is broken")
    assert not call.step.emergency


def test_emergency_key_then_carry_on_or_hang_up(intake: Flow) -> None:
    call = Call(intake, context())
    call.silence()
    call.press("*")
    assert call.step.emergency
    assert Emergency(trigger="menu: emergency") in call.step.actions
    assert call.state.node == "emergency_menu"
    carry_on = advance(intake, call.state, Event(node="emergency_menu", digits="1"), call.ctx)
    assert carry_on.state.node == "category"
    call.silence()
    assert call.step.finished
    assert "119" in heard(call.step)


# --- the survey -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "rating"),
    [("1", "satisfied"), ("2", "basically_satisfied"), ("3", "unsatisfied")],
)
def test_survey_rating_by_key(survey: Flow, key: str, rating: str) -> None:
    call = Call(survey, context())
    assert "七 七 八 八 九 九" in heard(call.step)
    assert "满意，请按1" in heard(call.step)
    call.press(key)
    assert call.state.variables["rating"] == rating
    assert call.step.finished


def test_survey_retries_twice_then_hangs_up_without_a_rating(survey: Flow) -> None:
    call = Call(survey, context("en"))
    call.silence()
    assert call.state.tries == 1
    call.press("7")
    assert call.state.tries == 2
    assert not call.step.finished
    call.silence()
    assert call.step.finished
    assert "rating" not in call.state.variables
    assert "did not get your answer" in heard(call.step)


def test_survey_garbage_then_an_answer(survey: Flow) -> None:
    call = Call(survey, context())
    call.press("x")
    call.press("2")
    assert call.state.variables["rating"] == "basically_satisfied"


# --- robustness -----------------------------------------------------------------------------------


def test_state_survives_a_json_round_trip(intake: Flow) -> None:
    call = Call(intake, context())
    call.silence()
    call.say("水管漏水")
    stored = json.loads(json.dumps(call.state.to_dict()))
    assert CallState.from_dict(stored) == call.state


def test_a_stale_post_repeats_the_current_node_without_costing_a_try(intake: Flow) -> None:
    call = Call(intake, context())
    call.silence()
    step = advance(intake, call.state, Event(node="greeting", digits="5"), call.ctx)
    assert (step.state.node, step.state.tries) == ("category", 0)
    assert isinstance(step.actions[0], Gather)
    assert step.state.path == call.state.path


def test_a_finished_call_only_hangs_up(survey: Flow) -> None:
    call = Call(survey, context())
    call.press("1")
    again = advance(survey, call.state, Event(digits="2"), call.ctx)
    assert again.actions == (Hangup(),)
    assert again.state == call.state


def test_a_state_from_an_older_flow_starts_over(intake: Flow) -> None:
    old = CallState(flow="intake", node="removed_node", language="en")
    step = advance(intake, old, Event(node="removed_node", digits="1"), context())
    assert step.state.node == "greeting_closed"
    assert step.state.language == "en"


def test_creating_the_ticket_is_asked_again_until_the_code_arrives(intake: Flow) -> None:
    state = CallState(flow="intake", node="create_ticket", language="zh", path=("create_ticket",))
    node = intake.nodes["create_ticket"]
    assert isinstance(node, CreateTicketNode)
    step = advance(intake, state, Event(node="create_ticket"), context())
    assert step.create_ticket is not None
    assert step.state.node == "create_ticket"


def test_an_unvalidated_broken_flow_hangs_up_instead_of_raising() -> None:
    broken = parse_flow(
        {
            "spec_version": 1,
            "languages": ["zh"],
            "start": "a",
            "nodes": {
                "a": {"type": "goto", "target": "b"},
                "b": {"type": "goto", "target": "a"},
                "c": {"type": "say", "prompt": {"zh": "x"}},
                "d": {"type": "mystery"},
            },
        },
        "broken",
    )
    ctx = context()
    assert start(broken, ctx).finished
    for node in ("c", "d"):
        step = advance(broken, CallState("broken", node, "zh"), Event(), ctx)
        assert step.finished and isinstance(step.actions[-1], Hangup)


def test_the_longest_matching_word_wins() -> None:
    flow = parse_flow(
        {
            "spec_version": 1,
            "languages": ["zh"],
            "voices": {"zh": {"voice": "v", "language": "cmn-CN", "speech_language": "cmn"}},
            "start": "rate",
            "nodes": {
                "rate": {
                    "type": "menu",
                    "prompt": {"zh": "请评价"},
                    "store": "rating",
                    "on_fail": "bye",
                    "speech": {"hints": {"zh": ["满意"]}},
                    "options": {
                        "1": {"target": "bye", "value": "good", "words": {"zh": ["满意"]}},
                        "3": {"target": "bye", "value": "bad", "words": {"zh": ["不满意"]}},
                    },
                },
                "bye": {"type": "hangup"},
            },
        },
        "rate",
    )
    step = advance(flow, start(flow, context()).state, Event(speech_result="我不满意"), context())
    assert step.state.variables["rating"] == "bad"


# --- small parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "language", "spoken"),
    [
        ("123456", "en", "1 2 3 4 5 6"),
        ("123456", "zh", "一 二 三 四 五 六"),
        ("7890", "zh", "七 八 九 零"),
        ("ab-12", "en", "A B 1 2"),
        ("", "zh", ""),
    ],
)
def test_codes_are_spelled_one_character_at_a_time(code: str, language: str, spoken: str) -> None:
    assert spell_code(code, language) == spoken


def test_event_from_twilio_form_tolerates_garbage() -> None:
    form = {
        "Digits": "1",
        "SpeechResult": "水管",
        "Confidence": "not-a-number",
        "RecordingUrl": "https://rec/1",
        "RecordingDuration": "12",
        "DialCallStatus": "busy",
        "SomethingTwilioAddedLater": "x",
    }
    event = Event.from_form(form, node="category")
    assert event == Event(
        node="category",
        digits="1",
        speech_result="水管",
        confidence=None,
        recording_url="https://rec/1",
        recording_duration=12,
        dial_status="busy",
    )
    assert Event.from_form({"Confidence": "0.83", "RecordingDuration": "x"}).confidence == 0.83
    assert Event.from_form({"RecordingDuration": "nan"}).recording_duration is None


def test_the_ivr_package_stays_pure() -> None:
    """The engine must run without the web stack, the database or the provider."""
    for module in ("engine", "flows"):
        tree = ast.parse((Path(engine.__file__).parent / f"{module}.py").read_text())
        imported = {
            name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
        }
        assert not imported & {"flask", "sqlalchemy", "twilio"}, module
