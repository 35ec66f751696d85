"""Walk a call through the line's TwiML the way Twilio would.

Each reply is parsed; the walker posts to the URL of the verb the caller would reach (a Gather's
action with Digits or SpeechResult, the Redirect after a Gather on silence, a Record's action
with RecordingUrl, a Dial's action with DialCallStatus), signed like Twilio signs, with the
parameters Twilio sends. It refuses a move the current reply does not allow, so a test cannot
walk a path a real caller could not.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support.signing import signed_post

LINE = "+862363580580"
_sids = itertools.count(1)
_recordings = itertools.count(1)
WAITING = {"Gather", "Record", "Dial"}


class CallWalker:
    """One call: ``dial_in()`` (or ``pick_up(url)``), then press/say/silence/record/dial_result."""

    def __init__(self, client: FlaskClient, caller: str, *, sid: str | None = None) -> None:
        self.client = client
        self.caller = caller
        self.sid = sid or f"CA{next(_sids):032x}"
        self.response: TestResponse | None = None
        self.replies: list[ET.Element] = []
        self.recording_sids: list[str] = []
        self.outbound = False  # the line called the resident (From is the line)

    # -- starting ---------------------------------------------------------------------------

    def dial_in(self) -> CallWalker:
        """The caller rings the line: Twilio posts to /twilio/voice."""
        self.post(f"{PUBLIC_BASE_URL}/twilio/voice")
        return self

    def pick_up(self, twiml_url: str) -> CallWalker:
        """An outbound call is answered: Twilio fetches its TwiML URL (From is the line)."""
        self.outbound = True
        self.post(twiml_url)
        return self

    # -- what the caller does ---------------------------------------------------------------

    def press(self, digits: str) -> CallWalker:
        self.post(self._verb("Gather").attrib["action"], {"Digits": digits})
        return self

    def say(self, text: str, confidence: float = 0.9) -> CallWalker:
        gather = self._verb("Gather")
        assert "speech" in gather.attrib["input"], "this menu does not listen for speech"
        form = {"SpeechResult": text, "Confidence": f"{confidence:.2f}"}
        self.post(gather.attrib["action"], form)
        return self

    def silence(self) -> CallWalker:
        """The Gather times out: Twilio goes on to the next verb, the Redirect."""
        self._follow_redirect_after("Gather")
        return self

    def record(self, duration: int = 14, words: str | None = None) -> str:
        """Speak when asked; returns the recording's URL.

        After a beep (``<Record>``) Twilio posts the recording to the action. Where the line
        listens while recording (``<Start><Recording>`` and a speech ``<Gather>``), the words go
        to the Gather's action (none: silence, the Redirect) and, once the next reply stopped the
        recording, Twilio posts the recording to its status callback.
        """
        sid = f"RE{next(_recordings):032x}"
        url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}/Recordings/{sid}"
        self.recording_sids.append(sid)
        started = self.twiml.find("Start/Recording")
        if started is None:
            form = {"RecordingUrl": url, "RecordingDuration": str(duration), "RecordingSid": sid}
            self.post(self._verb("Record").attrib["action"], form)
            return url
        if words:
            self.say(words)
        else:
            self.silence()
        assert self.twiml.find(f"Stop/Recording[@name='{started.attrib['name']}']") is not None
        form = {
            "RecordingSid": sid,
            "RecordingUrl": url,
            "RecordingStatus": "completed",
            "RecordingDuration": str(duration),
            "RecordingChannels": "1",
            "RecordingSource": "StartCallRecordingTwiML",
        }
        self.post(started.attrib["recordingStatusCallback"], form, keep=False)
        assert self.response is not None and self.response.status_code == 204
        return url

    def record_nothing(self) -> CallWalker:
        """Silence after the beep: Twilio skips the action and reaches the Redirect."""
        self._follow_redirect_after("Record")
        return self

    def dial_result(self, status: str) -> CallWalker:
        """The Dial ends: Twilio posts DialCallStatus to its action."""
        dial = self._verb("Dial")
        self.post(dial.attrib["action"], {"DialCallStatus": status, "DialCallDuration": "30"})
        return self

    def hang_up(self, status: str = "completed", duration: int = 60) -> TestResponse:
        """The call ends: Twilio's status callback."""
        form = {"CallStatus": status, "CallDuration": str(duration)}
        return self.post(f"{PUBLIC_BASE_URL}/twilio/status/call", form, keep=False)

    def recording_status(self, sid: str, status: str = "completed") -> TestResponse:
        form = {
            "RecordingSid": sid,
            "RecordingUrl": f"https://api.twilio.com/Recordings/{sid}",
            "RecordingStatus": status,
            "RecordingDuration": "14",
        }
        return self.post(f"{PUBLIC_BASE_URL}/twilio/voice/recording", form, keep=False)

    # -- reading the reply ------------------------------------------------------------------

    @property
    def twiml(self) -> ET.Element:
        assert self.replies, "nothing has been said yet"
        return self.replies[-1]

    @property
    def verbs(self) -> list[str]:
        return [child.tag for child in self.twiml]

    @property
    def heard(self) -> str:
        """Everything the caller hears in the current reply, Say texts in order."""
        return "\n".join("".join(say.itertext()) for say in self.twiml.iter("Say"))

    @property
    def listening(self) -> bool:
        """The line records the caller while a speech Gather hears their words."""
        gather = next(self.twiml.iter("Gather"), None)
        return (
            self.twiml.find("Start/Recording") is not None
            and gather is not None
            and gather.attrib["input"] == "speech"
        )

    @property
    def hung_up(self) -> bool:
        return bool(self.verbs) and self.verbs[-1] == "Hangup"

    @property
    def dialled(self) -> list[str]:
        return [n.text or "" for n in self._verb("Dial").findall("Number")]

    def verb(self, tag: str) -> ET.Element:
        return self._verb(tag)

    # -- plumbing ---------------------------------------------------------------------------

    def form(self) -> dict[str, str]:
        caller, line = (LINE, self.caller) if self.outbound else (self.caller, LINE)
        return {
            "CallSid": self.sid,
            "AccountSid": "AC" + "1" * 32,
            "From": caller,
            "To": line,
            "CallStatus": "in-progress",
            "Direction": "outbound-api" if self.outbound else "inbound",
            "ApiVersion": "2010-04-01",
        }

    def post(
        self, url: str, extra: dict[str, str] | None = None, *, keep: bool = True
    ) -> TestResponse:
        parts = urlsplit(url)
        assert url.startswith(PUBLIC_BASE_URL), f"the app must hand out public URLs, got {url}"
        path = parts.path.removeprefix(urlsplit(PUBLIC_BASE_URL).path)
        form = {**self.form(), **(extra or {})}
        response = signed_post(
            self.client,
            path,
            form,
            auth_token=AUTH_TOKEN,
            base_url=PUBLIC_BASE_URL,
            query=parts.query,
        )
        assert response.status_code < 500, response.data
        if keep:
            assert response.status_code == 200, response.data
            assert response.mimetype == "text/xml"
            root = ET.fromstring(response.data)
            assert root.tag == "Response"
            self.replies.append(root)
        self.response = response
        return response

    def _verb(self, tag: str) -> ET.Element:
        found = next(self.twiml.iter(tag), None)
        assert found is not None, f"no <{tag}> in reply: {self.verbs}"
        return found

    def _follow_redirect_after(self, tag: str) -> None:
        children = list(self.twiml)
        waiting = [i for i, c in enumerate(children) if c.tag == tag]
        assert waiting, f"no <{tag}> in reply: {self.verbs}"
        after = children[waiting[-1] + 1 :]
        assert after and after[0].tag == "Redirect", f"nothing after <{tag}>: {self.verbs}"
        self.post((after[0].text or "").strip())
