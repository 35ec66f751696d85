"""TwiML responses, built with the twilio library rather than by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, Recording, Say, Start, Stop, VoiceResponse

from app.ivr import engine
from app.ivr.engine import Action


def messages(bodies: list[str]) -> Response:
    """A messaging response replying with `bodies` (none: an empty, valid response)."""
    response = MessagingResponse()
    for body in bodies:
        response.message(body)
    return Response(str(response), mimetype="text/xml")


#: Twilio's ``phone_call`` model is tuned for phone audio but only for some languages; for the
#: others no model is named and Twilio picks one for the language.
_PHONE_CALL_MODEL_LANGUAGES = frozenset({"en-US", "en-GB", "en-AU", "en-IN"})


@dataclass(frozen=True)
class VoiceUrls:
    """Where the provider posts back: ``action(node)`` for a node's result, and the recording
    status callback."""

    action: Callable[[str], str]
    recording_status: str


def voice(actions: Iterable[Action], urls: VoiceUrls, dial: Sequence[str] = ()) -> str:
    """Render the IVR engine's actions as TwiML; domain requests (ticket, emergency) are skipped."""
    response = VoiceResponse()
    for action in actions:
        match action:
            case engine.Say():
                response.append(_say(action))
            case engine.Pause():
                response.pause(length=action.seconds)
            case engine.Gather():
                response.append(_gather(action, urls))
            case engine.StartRecording():
                response.append(_start_recording(action, urls))
            case engine.StopRecording():
                stop = Stop()
                stop.nest(Recording(name=action.node))
                response.append(stop)
            case engine.Record():
                response.record(
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
                response.append(_dial(action, urls, dial))
            case engine.Redirect():
                response.redirect(urls.action(action.node), method="POST")
            case engine.Hangup():
                response.hangup()
    return str(response)


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
