"""What the provider does that callers do not: repeats, late posts, strangers, status callbacks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.voice.models import CallOutcome
from tests.conftest import PUBLIC_BASE_URL
from tests.support.call_walker import CallWalker
from tests.support.texting import post_signed
from tests.voice.conftest import MOBILE, messages, the_call, tickets


def test_a_repeated_post_gets_the_same_reply_and_changes_nothing(call, on_duty):
    walker = call(MOBILE).silence()
    action = walker.verb("Gather").attrib["action"]
    walker.press("3")
    first = walker.response.data
    walker.post(action, {"Digits": "3"})  # the same delivery again
    assert walker.response.data == first
    walker.post(action, {"Digits": "5"})  # a late post for a step already answered
    assert walker.response.data == first
    assert the_call(walker).digits == ["3"]


def test_a_repeated_recording_post_creates_one_ticket(call, on_duty):
    walker = call(MOBILE).silence().press("3")
    walker.record()
    record_action = walker.verb("Record").attrib["action"]
    form = {"RecordingUrl": "https://api.twilio.com/Recordings/REaddr", "RecordingDuration": "5"}
    walker.post(record_action, form)
    code_reply = walker.response.data
    walker.post(record_action, form)
    assert walker.response.data == code_reply
    assert len(tickets()) == 1 and len(messages()) == 1
    assert len(the_call(walker).recordings) == 2


def test_an_incoming_call_delivered_twice_starts_once(call, on_duty, client):
    walker = call(MOBILE)
    again = CallWalker(client, MOBILE, sid=walker.sid).dial_in()
    assert ET.tostring(again.twiml) == ET.tostring(walker.twiml)
    assert the_call(walker).step == 1


def test_unknown_call_sid_on_an_action_url_starts_the_call_afresh(client, ctx, clock, on_duty):
    walker = CallWalker(client, MOBILE)
    walker.post(f"{PUBLIC_BASE_URL}/twilio/voice/step?node=category&n=4", {"Digits": "3"})
    assert "For English, press 9" in walker.heard and walker.verb("Gather") is not None
    assert the_call(walker).step == 1


def test_garbage_step_numbers_are_refused_and_unknown_nodes_repeat_the_prompt(call, on_duty):
    walker = call(MOBILE)
    for garbage in ("abc", "²", "99999999999999999999"):
        url = f"{PUBLIC_BASE_URL}/twilio/voice/step?node=nowhere&n={garbage}"
        assert walker.post(url, {"Digits": "9"}, keep=False).status_code == 400
    assert the_call(walker).step == 1
    walker.post(f"{PUBLIC_BASE_URL}/twilio/voice/step?node=nowhere&n=1", {"Digits": "9"})
    assert "For English, press 9" in walker.heard  # not this node's answer: asked again
    row = the_call(walker)
    assert row.language == "zh" and row.digits == [] and row.node == "greeting"


def test_missing_call_sid_is_a_bad_request(client, ctx):
    response = post_signed(client, "/twilio/voice", {"From": MOBILE, "To": "580"})
    assert response.status_code == 400


def test_unsigned_voice_posts_are_refused(client, ctx):
    response = client.post("/twilio/voice", data={"CallSid": "CA1", "From": MOBILE})
    assert response.status_code == 403


def test_recording_status_callbacks_complete_the_recording_once(call, on_duty):
    walker = call(MOBILE).silence().press("3")
    walker.record()
    [sid] = walker.recording_sids
    assert walker.recording_status(sid, "completed").status_code == 204
    assert walker.recording_status(sid, "in-progress").status_code == 204  # late and stale
    [recording] = the_call(walker).recordings
    assert recording.status == "completed" and recording.duration == 14
    assert recording.node == "record_problem"


def test_recording_status_for_an_unknown_call_is_not_found(client, ctx):
    walker = CallWalker(client, MOBILE)
    assert walker.recording_status("REunknown").status_code == 404


def test_call_status_for_an_unknown_call_is_accepted_and_ignored(client, ctx):
    assert CallWalker(client, MOBILE).hang_up("no-answer").status_code == 204


def test_a_ringing_status_does_not_end_the_call(call, on_duty):
    walker = call(MOBILE)
    walker.hang_up("ringing")
    assert the_call(walker).outcome is None and the_call(walker).ended_at is None
    walker.hang_up("completed")
    assert the_call(walker).outcome == CallOutcome.missed


def test_a_late_action_after_the_call_ended_changes_nothing(call, on_duty):
    walker = call(MOBILE).silence()
    action = walker.verb("Gather").attrib["action"]
    walker.hang_up()
    walker.post(action, {"Digits": "3"})
    assert the_call(walker).digits == [] and the_call(walker).outcome == CallOutcome.missed


def test_a_withheld_number_hears_why_no_ticket_can_be_opened(call, on_duty):
    walker = call("anonymous").silence().press("3")
    walker.record()
    walker.record()
    assert "看不到您的来电号码" in walker.heard and walker.hung_up
    assert tickets() == []
    walker.hang_up()
    row = the_call(walker)
    assert row.outcome == CallOutcome.missed and len(row.recordings) == 2
