"""The IVR engine's actions rendered as TwiML, checked verb by verb and attribute by attribute."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.ivr.engine import (
    CreateTicket,
    Dial,
    Emergency,
    Gather,
    Hangup,
    Pause,
    Record,
    Redirect,
    Say,
    StartRecording,
    StopRecording,
)
from app.telephony import twiml

URLS = twiml.VoiceUrls(
    step_url="https://h.example/twilio/voice/step",
    recording_status="https://h.example/twilio/voice/recording",
    step=7,
)
ZH = Say("请按1。", "Polly.Zhiyu", "cmn-CN")


def render(*actions, dial=()) -> ET.Element:
    root = ET.fromstring(twiml.voice(actions, URLS, dial))
    assert root.tag == "Response"
    return root


def test_gather_with_speech_carries_language_hints_and_model():
    gather = Gather(("dtmf", "speech"), 1, 6, "zh-CN", ("洗衣机", "电视"), "category", (ZH,))
    [verb] = render(gather)
    assert verb.tag == "Gather"
    assert verb.attrib == {
        "input": "dtmf speech",
        "numDigits": "1",
        "timeout": "6",
        "action": "https://h.example/twilio/voice/step?node=category&n=7",
        "method": "POST",
        "actionOnEmptyResult": "false",
        "language": "zh-CN",
        "hints": "洗衣机,电视",
        # Whole seconds, and no model named for Mandarin: Twilio picks one for the language
        # (and refuses speechTimeout="auto" once a model is named, warning 13335).
        "speechTimeout": "3",
    }
    [say] = verb
    assert say.tag == "Say" and say.text == "请按1。" and say.attrib["voice"] == "Polly.Zhiyu"


def test_english_speech_uses_the_phone_call_model_and_keys_only_menus_no_speech():
    en = Gather(("dtmf", "speech"), 1, 5, "en-US", (), "greeting", ())
    keys = Gather(("dtmf",), 1, 5, "zh-CN", (), "rate", ())
    first, second = render(en, keys)
    assert first.attrib["speechModel"] == "phone_call" and "hints" not in first.attrib
    assert second.attrib["input"] == "dtmf" and "language" not in second.attrib


def test_slow_prompts_use_ssml_prosody():
    [say] = render(Say("家电维修，请按1。", "Polly.Zhiyu", "cmn-CN", rate="90%"))
    [prosody] = say
    assert prosody.tag == "prosody" and prosody.attrib == {"rate": "90%"}
    assert prosody.text == "家电维修，请按1。"


def test_record_posts_its_result_and_its_status():
    [verb] = render(Record(120, True, "#", "record_problem"))
    assert verb.tag == "Record"
    assert verb.attrib["maxLength"] == "120" and verb.attrib["playBeep"] == "true"
    assert verb.attrib["finishOnKey"] == "#"
    assert verb.attrib["action"].endswith("node=record_problem&n=7")
    assert verb.attrib["recordingStatusCallback"] == URLS.recording_status
    assert "completed" in verb.attrib["recordingStatusCallbackEvent"].split()


def test_dial_rings_every_number_on_duty_with_a_timeout():
    [verb] = render(Dial(25, "dial_staff"), dial=("+8613900139000", "+8613900139001"))
    assert verb.tag == "Dial" and verb.attrib["timeout"] == "25"
    assert verb.attrib["action"].endswith("node=dial_staff&n=7")
    assert [n.text for n in verb.findall("Number")] == ["+8613900139000", "+8613900139001"]


def test_pause_redirect_hangup_and_domain_signals():
    verbs = render(
        Emergency("menu: emergency"),
        ZH,
        Pause(1),
        CreateTicket({}),
        Redirect("category"),
        Hangup(),
    )
    assert [v.tag for v in verbs] == ["Say", "Pause", "Redirect", "Hangup"]
    assert verbs[1].attrib == {"length": "1"}
    assert verbs[2].attrib == {"method": "POST"}
    assert verbs[2].text == "https://h.example/twilio/voice/step?node=category&n=7"


def test_listening_while_recording_starts_a_named_recording_and_a_speech_only_gather():
    listen = Gather(("speech",), 1, 6, "zh-CN", ("坏了",), "record_problem", (ZH,), 4)
    start, gather = render(StartRecording("record_problem"), listen)
    assert start.tag == "Start"
    [recording] = start
    assert recording.tag == "Recording" and recording.attrib == {
        "name": "record_problem",
        "track": "inbound",
        "trim": "trim-silence",
        "recordingStatusCallback": "https://h.example/twilio/voice/recording?node=record_problem",
        "recordingStatusCallbackMethod": "POST",
        "recordingStatusCallbackEvent": "completed",
    }
    assert gather.attrib["input"] == "speech" and "numDigits" not in gather.attrib
    assert gather.attrib["speechTimeout"] == "4" and gather.attrib["hints"] == "坏了"
    [stop] = render(StopRecording("record_problem"))
    assert stop.tag == "Stop" and stop[0].tag == "Recording"
    assert stop[0].attrib == {"name": "record_problem"}


def test_a_verb_rendered_once_is_reused_but_each_step_and_roster_gets_its_own_urls():
    menu = Gather(("dtmf",), 1, 5, "zh-CN", (), "category", (ZH,))
    later = twiml.VoiceUrls(URLS.step_url, URLS.recording_status, step=8)
    first = twiml.voice([menu], URLS)
    assert twiml.voice([menu], URLS) == first  # the same reply, from the verb cache
    [gather] = ET.fromstring(twiml.voice([menu], later))
    assert gather.attrib["action"].endswith("node=category&n=8")
    [verb] = render(Dial(25, "dial_staff"), dial=("+8613900139002",))
    assert [n.text for n in verb.findall("Number")] == ["+8613900139002"]
    assert twiml.voice([], URLS) == '<?xml version="1.0" encoding="UTF-8"?><Response />'
