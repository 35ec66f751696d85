"""TwiML responses, built with the twilio library rather than by hand."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Response
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import (
    Dial,
    Gather,
    Hangup,
    Pause,
    Record,
    Recording,
    Redirect,
    Say,
    Start,
    Stop,
    VoiceResponse,
)

from app.ivr import engine
from app.ivr.engine import Action


def messages(bodies: list[str]) -> Response:
    """A messaging response replying with `bodies` (none: an empty, valid response).

    Written out rather than built as a tree: the same text, character for character, as the
    twilio library's MessagingResponse gives (a test holds them equal), at a fraction of the
    cost of a webhook's busiest reply."""
    if not bodies:
        return Response(_EMPTY_MESSAGES, mimetype="text/xml")
    replies = "".join(f"<Message>{escape(b)}</Message>" if b else "<Message />" for b in bodies)
    return Response(f"{_DECLARATION}<Response>{replies}</Response>", mimetype="text/xml")


#: Twilio's ``phone_call`` model is tuned for phone audio but only for some languages; for the
#: others no model is named and Twilio picks one for the language.
_PHONE_CALL_MODEL_LANGUAGES = frozenset({"en-US", "en-GB", "en-AU", "en-IN"})


@dataclass(frozen=True)
class VoiceUrls:
    """Where the provider posts back after the reply numbered ``step``: ``action(node)`` for a
    node's result (the step travels with it), and the recording status callback."""

    step_url: str
    recording_status: str
    step: int

    def action(self, node: str) -> str:
        return f"{self.step_url}?node={quote(node, safe='')}&n={self.step}"


#: Renderings of single verbs kept per process: a flow's verbs (a node's menu in a language, at
#: a step number) repeat from call to call; those holding a caller's code are the ones that miss.
VERB_CACHE_SIZE = 2048
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_EMPTY = str(VoiceResponse())
_EMPTY_MESSAGES = str(MessagingResponse())


def voice(actions: Iterable[Action], urls: VoiceUrls, dial: Sequence[str] = ()) -> str:
    """Render the IVR engine's actions as TwiML; domain requests (ticket, emergency) are skipped.

    Each verb is rendered once per process (``_verb``) and the reply is their concatenation."""
    verbs = [
        _verb(action, urls, tuple(dial) if isinstance(action, engine.Dial) else ())
        for action in actions
        if not isinstance(action, engine.CreateTicket | engine.Emergency)
    ]
    if not verbs:
        return _EMPTY
    return f"{_DECLARATION}<Response>{''.join(verbs)}</Response>"


@lru_cache(maxsize=VERB_CACHE_SIZE)
def _verb(action: Action, urls: VoiceUrls, dial: tuple[str, ...]) -> str:
    element: TwiML
    match action:
        case engine.Say():
            element = _say(action)
        case engine.Pause():
            element = Pause(length=action.seconds)
        case engine.Gather():
            element = _gather(action, urls)
        case engine.StartRecording():
            element = _start_recording(action, urls)
        case engine.StopRecording():
            element = Stop()
            element.nest(Recording(name=action.node))
        case engine.Record():
            element = Record(
                max_length=action.max_length,
                play_beep=action.play_beep,
                finish_on_key=action.finish_on_key,
                timeout=5,
                trim="trim-silence",
                action=urls.action(action.action_node),
                method="POST",
                recording_status_callback=urls.recording_status,
                recording_status_callback_method="POST",
                recording_status_callback_event="in-progress completed absent",
            )
        case engine.Dial():
            element = _dial(action, urls, dial)
        case engine.Redirect():
            element = Redirect(urls.action(action.node), method="POST")
        case _:
            element = Hangup()
    return str(element.to_xml(xml_declaration=False))


def _say(action: engine.Say) -> Say:
    say = Say(voice=action.voice, language=action.language)
    if action.rate:
        say.prosody(action.text, rate=action.rate)  # SSML: Polly voices read slower
    else:
        say.value = action.text
    return say


def _gather(action: engine.Gather, urls: VoiceUrls) -> Gather:
    options: dict[str, object] = {}
    if "dtmf" in action.input:
        options["num_digits"] = action.num_digits
    if "speech" in action.input:
        phone_model = action.speech_language in _PHONE_CALL_MODEL_LANGUAGES
        options |= {
            "language": action.speech_language,
            "hints": ",".join(action.hints) or None,
            # Whole seconds: "auto" is refused once a speech model is named (warning 13335).
            "speech_timeout": action.end_silence,
            "speech_model": "phone_call" if phone_model else None,
        }
    gather = Gather(
        input=" ".join(action.input),
        timeout=action.timeout,
        action=urls.action(action.action_node),
        method="POST",
        action_on_empty_result=False,
        **{k: v for k, v in options.items() if v is not None},
    )
    for prompt in action.prompt:
        gather.append(_say(prompt))
    return gather


def _start_recording(action: engine.StartRecording, urls: VoiceUrls) -> Start:
    """Record the caller's side while the flow goes on listening; named so a Stop can end it."""
    start = Start()
    start.recording(
        name=action.node,
        track="inbound",
        trim="trim-silence",
        recording_status_callback=f"{urls.recording_status}?node={quote(action.node, safe='')}",
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    return start


def _dial(action: engine.Dial, urls: VoiceUrls, numbers: Sequence[str]) -> Dial:
    """Ring every number at once; the first to pick up takes the call."""
    dial = Dial(timeout=action.timeout, action=urls.action(action.action_node), method="POST")
    for number in numbers:
        dial.number(number)
    return dial
