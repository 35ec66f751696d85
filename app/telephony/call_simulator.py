"""Local mode: walk a call through the line's IVR from the dashboard, as a phone would.

Every move is a signed post to the app's own voice webhooks (`simulate.post_in_process`), with
the fields Twilio sends; what the caller hears and may do next is read from the TwiML the line
last answered, which the Call row keeps (`Call.last_reply`). A recording is simulated: Twilio's
RecordingUrl shape, with no audio behind it.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask

from app.telephony.simulate import post_in_process

ACCOUNT = "AC" + "0" * 32
RECORDINGS = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/"
MAX_REDIRECTS = 5  # Twilio follows a bare <Redirect> by itself; a valid flow needs one or two


class MoveRefused(ValueError):
    """The caller cannot do that now (no menu is waiting for keys, the call has ended...)."""


@dataclass(frozen=True)
class Prompt:
    """What the line last said and which moves it allows."""

    said: tuple[str, ...]
    keys: bool  # a menu waits for keys (or silence)
    record: bool  # a recording is waiting for the caller to speak
    dial: bool  # staff on duty are being rung
    ended: bool  # the line hung up
    speech: bool = False  # the line listens for words (typed here, as speech recognition hears)

    @classmethod
    def of(cls, twiml: str, call_ended: bool) -> Prompt:
        root = ET.fromstring(twiml) if twiml else ET.Element("Response")
        tags = set() if call_ended else {child.tag for child in root}
        inputs = set() if call_ended else set(_gather_input(root))
        return cls(
            said=tuple("".join(say.itertext()).strip() for say in root.iter("Say")),
            keys="dtmf" in inputs,
            record="Record" in tags or (bool(inputs) and _listening(root) is not None),
            dial="Dial" in tags,
            ended=call_ended or "Hangup" in tags,
            speech="speech" in inputs,
        )


def start_call(app: Flask, caller: str) -> str:
    """Ring the line from `caller`; returns the simulated CallSid."""
    sid = "CA" + secrets.token_hex(16)
    _answer(app, sid, caller, "/twilio/voice", {})
    return sid


def answer_call(app: Flask, sid: str, resident: str, twiml_url: str) -> None:
    """Pick up a call the line placed to `resident` (a voice survey): the line starts talking."""
    _answer(app, sid, resident, twiml_url, {"Direction": "outbound-api"})


def move(app: Flask, sid: str, caller: str, twiml: str, kind: str, value: str = "") -> None:
    """Do `kind` ("keys", "say", "silence", "record", "dial", "hangup") at the reply `twiml`.

    Where the line listens while recording, "say" posts the words as speech recognition would
    and "record" is a caller whose words were not recognised; either way the recording then
    reaches the line's recording status callback, as Twilio posts it once it is stopped.
    """
    root = ET.fromstring(twiml) if twiml else ET.Element("Response")
    if kind == "hangup":
        _hang_up(app, sid, caller)
        return
    listening = _listening(root)
    if kind == "keys" and value:
        _answer(app, sid, caller, _verb(root, "Gather").attrib["action"], {"Digits": value[:20]})
    elif kind == "say" and value.strip() and "speech" in _gather_input(root):
        words = {"SpeechResult": value.strip()[:500], "Confidence": "0.9"}
        _answer(app, sid, caller, _verb(root, "Gather").attrib["action"], words)
        if listening is not None:
            _recorded(app, sid, caller, listening)
    elif kind == "silence":
        _answer(app, sid, caller, _redirect_after(root), {})
    elif kind == "record" and listening is not None:
        _answer(app, sid, caller, _redirect_after(root), {})
        _recorded(app, sid, caller, listening)
    elif kind == "record":
        recording = "RE" + secrets.token_hex(16)
        url = RECORDINGS + recording
        fields = {"RecordingUrl": url, "RecordingDuration": "12", "RecordingSid": recording}
        _answer(app, sid, caller, _verb(root, "Record").attrib["action"], fields)
        status = {**fields, "RecordingStatus": "completed"}
        _post(app, sid, caller, "/twilio/voice/recording", status)
    elif kind == "dial" and value in ("completed", "no-answer", "busy"):
        fields = {"DialCallStatus": value, "DialCallDuration": "30"}
        _answer(app, sid, caller, _verb(root, "Dial").attrib["action"], fields)
    else:
        raise MoveRefused(kind)


def _listening(root: ET.Element) -> ET.Element | None:
    """The recording the line started to keep the caller's words beside what it hears."""
    return root.find("Start/Recording")


def _gather_input(root: ET.Element) -> list[str]:
    gather = next(root.iter("Gather"), None)
    return gather.attrib.get("input", "dtmf").split() if gather is not None else []


def _recorded(app: Flask, sid: str, caller: str, started: ET.Element) -> None:
    recording = "RE" + secrets.token_hex(16)
    fields = {
        "RecordingSid": recording,
        "RecordingUrl": RECORDINGS + recording,
        "RecordingStatus": "completed",
        "RecordingDuration": "12",
        "RecordingSource": "StartCallRecordingTwiML",
    }
    _post(app, sid, caller, started.attrib["recordingStatusCallback"], fields)


def _answer(app: Flask, sid: str, caller: str, url: str, fields: dict[str, str]) -> None:
    """Post a move, then do what a phone does unasked: follow a bare Redirect, end on Hangup."""
    for _ in range(MAX_REDIRECTS):
        reply = ET.fromstring(_post(app, sid, caller, url, fields))
        tags = [child.tag for child in reply]
        if "Hangup" in tags:
            _hang_up(app, sid, caller)
            return
        if tags and tags[-1] == "Redirect" and not {"Gather", "Record", "Dial"} & set(tags):
            url, fields = (reply[-1].text or "").strip(), {}
            continue
        return


def _hang_up(app: Flask, sid: str, caller: str) -> None:
    fields = {"CallStatus": "completed", "CallDuration": "60"}
    _post(app, sid, caller, "/twilio/status/call", fields)


def _post(app: Flask, sid: str, caller: str, url: str, fields: dict[str, str]) -> str:
    parts = urlsplit(url)
    prefix = urlsplit(app.config["PUBLIC_BASE_URL"]).path.rstrip("/")
    line = app.config["TWILIO_PHONE_NUMBER"]
    outbound = fields.get("Direction") == "outbound-api"  # the line called: it is the From
    form = {
        "CallSid": sid,
        "AccountSid": ACCOUNT,
        "From": line if outbound else caller,
        "To": caller if outbound else line,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **fields,
    }
    status, body = post_in_process(app, parts.path.removeprefix(prefix), parts.query, form)
    if status >= 400:
        raise MoveRefused(f"the line answered {status}")
    return body


def _verb(root: ET.Element, tag: str) -> ET.Element:
    found = next(root.iter(tag), None)
    if found is None:
        raise MoveRefused(f"the line is not waiting for {tag}")
    return found


def _redirect_after(root: ET.Element) -> str:
    """Where Twilio goes when a menu or a recording hears nothing: the Redirect after it."""
    children = list(root)
    waiting = [i for i, c in enumerate(children) if c.tag in ("Gather", "Record")]
    after = children[waiting[-1] + 1 :] if waiting else []
    if not after or after[0].tag != "Redirect":
        raise MoveRefused("nothing happens on silence here")
    return (after[0].text or "").strip()
