"""Whole calls to the line through intake.yaml, walked as Twilio would, in Mandarin and English."""

from __future__ import annotations

import pytest

from app.messaging.models import MessageStatus
from app.tickets.models import Channel, Priority, TicketStatus
from app.voice.models import CallOutcome, CallPurpose, CallStatus
from tests.support.closure import assign, resolve, volunteer
from tests.voice.conftest import (
    DUTY_PHONE,
    LANDLINE,
    MOBILE,
    messages,
    resident,
    spelled,
    the_call,
    tickets,
)

CATEGORIES = {
    "1": "appliance",
    "2": "electrical",
    "3": "plumbing",
    "4": "building",
    "5": "sanitation",
    "6": "elderly",
    "7": "dispute",
    "8": "admin",
    "9": "other",
}


def to_menu(walker, language):
    """Past the greeting: silence keeps Mandarin, 9 switches to English."""
    return walker.silence() if language == "zh" else walker.press("9")


def test_new_mobile_caller_reports_a_problem_in_mandarin(call, on_duty):
    walker = call(MOBILE)
    greeting = walker.verb("Gather")
    assert greeting.attrib["input"] == "dtmf speech" and greeting.attrib["numDigits"] == "1"
    assert "580" in walker.heard and "For English, press 9" in walker.heard
    assert walker.verb("Say").attrib == {"voice": "Polly.Zhiyu", "language": "cmn-CN"}

    walker.silence()
    menu = walker.verb("Gather")
    assert menu.attrib["language"] == "zh-CN" and "洗衣机" in menu.attrib["hints"]
    assert menu.find("Say/prosody").attrib["rate"] == "90%"
    assert "水管水暖，请按3" in walker.heard

    walker.press("3")
    # The problem is heard as words (Mandarin, category words as hints) while it is recorded.
    assert walker.listening
    listen = walker.verb("Gather")
    assert listen.attrib["language"] == "zh-CN" and listen.attrib["speechTimeout"] == "3"
    assert {"水管", "洗衣机", "灯泡", "坏了", "家电维修"} <= set(listen.attrib["hints"].split(","))
    started = walker.twiml.find("Start/Recording")
    assert started.attrib["track"] == "inbound"
    assert started.attrib["recordingStatusCallback"].endswith(
        "/twilio/voice/recording?node=record_problem"
    )
    problem = walker.record(duration=12, words="厨房的水管一直在滴水")
    assert "地址" in walker.heard  # an unknown number is asked for the address
    record = walker.verb("Record")
    assert record.attrib["maxLength"] == "60" and record.attrib["finishOnKey"] == "#"
    address = walker.record(duration=8)

    assert walker.hung_up
    [ticket] = tickets()
    assert ticket.channel == Channel.voice and ticket.category_code == "plumbing"
    assert ticket.recording_url == problem and ticket.status == TicketStatus.new
    assert ticket.description == "厨房的水管一直在滴水" and ticket.recording_seconds == 12
    assert ticket.resident.phone == MOBILE and not ticket.callback_requested
    assert walker.heard.count(f"您的工单号是：{spelled(ticket.code, 'zh')}") == 2
    assert "短信" in walker.heard
    assert walker.verbs.count("Pause") == 1
    recorded = next(e for e in ticket.events if e.kind == "call_recorded")
    assert recorded.data["address_recording"] == address

    [sms] = messages()
    assert sms.template == "ticket_created" and sms.language == "zh"
    assert sms.peer == MOBILE and ticket.code in sms.body and sms.status == MessageStatus.queued

    row = the_call(walker)
    assert row.outcome == CallOutcome.ticket and row.ticket_id == ticket.id
    assert row.purpose == CallPurpose.intake and row.digits == ["3"]
    assert row.path[:3] == ["start", "greeting", "main"]
    assert {"record_problem", "record_address", "create_ticket", "goodbye"} <= set(row.path)
    assert [r.url for r in row.recordings] == [problem, address]
    assert row.resident.phone == MOBILE

    assert walker.hang_up("completed", 95).status_code == 204
    row = the_call(walker)
    assert row.status == CallStatus.completed and row.duration == 95
    assert row.outcome == CallOutcome.ticket and row.ended_at is not None


def test_landline_caller_in_english_hears_the_code_but_gets_no_sms(call, on_duty):
    walker = to_menu(call(LANDLINE), "en")
    assert "Appliance repair, press 1" in walker.heard
    assert walker.verb("Gather").attrib["speechModel"] == "phone_call"
    walker.press("1")
    walker.record()
    assert "address" in walker.heard
    walker.record()

    [ticket] = tickets()
    assert ticket.category_code == "appliance"
    assert ticket.resident.phone == LANDLINE and ticket.resident.phone_kind == "landline"
    assert walker.heard.count(f"Your request number is: {spelled(ticket.code, 'en')}.") == 2
    assert "text message" not in walker.heard
    assert messages() == []
    assert the_call(walker).language == "en"


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("digit", sorted(CATEGORIES))
def test_each_category_key_files_the_ticket_under_it(call, on_duty, digit, language):
    resident(MOBILE, language="zh")
    walker = to_menu(call(MOBILE), language)
    walker.press(digit)
    walker.record()  # a known resident with an address is not asked for it again
    assert walker.hung_up
    [ticket] = tickets()
    assert ticket.category_code == CATEGORIES[digit]
    [sms] = messages()
    assert sms.language == language and ticket.code in sms.body
    assert the_call(walker).digits == ([] if language == "zh" else ["9"]) + [digit]


def test_known_caller_with_an_open_ticket_hears_its_state_and_is_put_through(call, on_duty):
    resident(MOBILE)
    first = call(MOBILE).silence().press("2")
    first.record()
    [ticket] = tickets()

    walker = call(MOBILE).silence()
    assert f"您的工单 {spelled(ticket.code, 'zh')} 目前的状态是：已受理" in walker.heard
    walker.press("1")
    assert "正在为您转接" in walker.heard
    dial = walker.verb("Dial")
    assert dial.attrib["timeout"] == "25" and walker.dialled == [DUTY_PHONE]
    walker.dial_result("completed")
    assert walker.hung_up
    row = the_call(walker)
    assert row.outcome == CallOutcome.connected and row.ticket_id is None
    walker.hang_up()
    assert the_call(walker).outcome == CallOutcome.connected
    assert len(tickets()) == 1


def test_known_caller_with_an_open_ticket_can_report_something_new(call, on_duty):
    resident(MOBILE, language="en")
    call(MOBILE).silence().press("5").record()
    walker = call(MOBILE).silence()
    assert "is received" in walker.heard and "press 2" in walker.heard
    walker.press("2")
    assert "Sanitation, press 5" in walker.heard
    walker.press("7").record()
    assert walker.hung_up
    assert [t.category_code for t in tickets()] == ["sanitation", "dispute"]


@pytest.mark.parametrize(
    ("said", "category", "language"),
    [
        ("我家洗衣机坏了", "appliance", "zh"),
        ("my toilet is blocked", "plumbing", "en"),
        ("楼道灯不亮了", "electrical", "zh"),  # no menu word: the catalog's keywords decide
    ],
)
def test_speech_picks_the_category_and_becomes_the_description(
    call, on_duty, said, category, language
):
    walker = to_menu(call(MOBILE), language).say(said, confidence=0.82)
    assert walker.listening
    walker.record()
    walker.record()
    [ticket] = tickets()
    assert ticket.category_code == category and ticket.description == said
    speech = the_call(walker).speech
    assert speech == [{"node": "category", "text": said, "confidence": 0.82}]


def test_a_burst_pipe_said_on_a_call_is_urgent_with_the_valve_first(call, on_duty):
    """Flooding is no reason to ring 119, so the call goes on as usual; the ticket it opens is
    urgent, the caller is texted to shut the main valve and staff on duty are texted."""
    walker = call(MOBILE).silence().say("楼上水管爆了，家里淹了", confidence=0.8)
    assert "119" not in walker.heard
    walker.record()
    walker.record()
    [ticket] = tickets()
    assert ticket.priority == Priority.urgent and ticket.category_code == "plumbing"
    sent = {m.template: m for m in messages()}
    assert set(sent) == {"ticket_urgent_water", "staff_urgent"}
    assert "总水阀" in sent["ticket_urgent_water"].body
    assert sent["staff_urgent"].peer == on_duty and "漏水淹水" in sent["staff_urgent"].body


def test_a_caller_who_starts_with_the_problem_is_heard_out_at_once(call, on_duty):
    """Older callers often start talking as soon as the line answers: the menu is not read to
    someone who has already said what is wrong."""
    walker = call(MOBILE).say("卫生间的水龙头关不紧，一直在滴水", confidence=0.8)
    assert walker.listening and "请按3" not in walker.heard
    walker.record()
    walker.record()
    [ticket] = tickets()
    assert ticket.category_code == "plumbing" and "一直在滴水" in ticket.description


@pytest.mark.parametrize("said", ["喂？", "喂，你好", "嗯"])
def test_a_greeting_or_filler_at_the_greeting_carries_on_to_the_menu(call, on_duty, said):
    walker = call(MOBILE).say(said, confidence=0.9)
    assert "水管水暖，请按3" in walker.heard
    walker.say("喂，有人吗", confidence=0.9)  # at the menu too: asked again, not a description
    assert "没有听清楚" in walker.heard and not walker.listening
    walker.press("3").record()
    walker.record()
    [ticket] = tickets()
    assert "喂" not in ticket.description


def test_mumbling_and_garbage_keys_are_asked_again(call, on_duty):
    walker = call(MOBILE).silence()
    walker.say("嗯", confidence=0.1)
    assert "没有听清楚" in walker.heard and walker.verb("Gather") is not None
    walker.press("#x")
    assert "没有听清楚" in walker.heard
    walker.post(walker.verb("Gather").attrib["action"])  # a post without Digits at all
    assert walker.dialled == [DUTY_PHONE]  # third failed try: a person


def test_retries_exhausted_in_office_hours_then_nobody_answers_leaves_a_callback_ticket(
    call, on_duty
):
    walker = call(MOBILE).silence()
    walker.silence().silence()
    assert "没有听清楚" in walker.heard
    walker.silence()
    assert walker.dialled == [DUTY_PHONE]
    walker.dial_result("no-answer")
    assert "暂时无法接听" in walker.heard and walker.listening
    message = walker.record()
    assert not walker.verbs.count("Record")  # the message needs no address question
    [ticket] = tickets()
    assert ticket.callback_requested and ticket.recording_url == message
    assert ticket.category_code == "other"
    recorded = next(e for e in ticket.events if e.kind == "call_recorded")
    assert recorded.data["dial_status"] == "no-answer" and recorded.data["callback"] is True
    assert the_call(walker).outcome == CallOutcome.ticket


@pytest.mark.parametrize("status", ["busy", "failed"])
def test_zero_at_the_menu_dials_staff_and_busy_or_failed_falls_back(call, on_duty, status):
    walker = call(LANDLINE).press("9").press("0")
    assert "Connecting you" in walker.heard
    walker.dial_result(status)
    assert "no staff member can take your call" in walker.heard
    walker.record()
    [ticket] = tickets()
    assert ticket.callback_requested and messages() == []


def test_out_of_office_hours_the_greeting_says_so_and_retries_go_to_voicemail(call, on_duty, clock):
    clock.advance(hours=10)  # Wednesday 20:00 in Chongqing
    walker = call(MOBILE)
    assert "下班时间" in walker.heard
    walker.silence().silence().silence().silence()
    assert "Dial" not in walker.verbs
    assert "工作人员上班后会给您回电" in walker.heard
    walker.record()
    [ticket] = tickets()
    assert ticket.callback_requested


def test_office_hours_without_anyone_on_duty_count_as_closed(call):
    walker = call(MOBILE)
    assert "下班时间" in walker.heard
    walker.silence().press("0")
    assert "Dial" not in walker.verbs and walker.listening


def test_star_gives_emergency_numbers_first_and_the_ticket_is_urgent(call, on_duty):
    walker = call(MOBILE).silence().press("*")
    assert all(n in walker.heard for n in ("110", "119", "120"))
    walker.press("1").press("4").record()
    walker.record()
    [ticket] = tickets()
    assert ticket.priority == Priority.urgent and ticket.category_code == "building"
    assert the_call(walker).emergency
    sent = {m.template: m for m in messages()}
    assert set(sent) == {"ticket_created_urgent", "staff_urgent"}
    assert sent["ticket_created_urgent"].peer == MOBILE
    # Staff on duty are texted at once, with the caller's number as a phone dials it.
    to_staff = sent["staff_urgent"]
    assert to_staff.peer == on_duty
    assert "138 0013 8000" in to_staff.body


@pytest.mark.parametrize(
    ("said", "advice", "hazard"),
    [
        ("厨房里有煤气味，好像漏气了", "ticket_urgent_gas", "燃气"),
        ("我老伴困在电梯里出不来了", "ticket_created_urgent", "紧急"),
    ],
)
def test_danger_words_in_speech_give_emergency_numbers_and_alert_staff_at_once(
    call, on_duty, said, advice, hazard
):
    """The caller is told to hang up and ring 119: what they said is an urgent ticket before
    they do, and staff on duty are texted, as for a text."""
    walker = call(MOBILE).silence().say(said)
    assert "119" in walker.heard
    [ticket] = tickets()
    assert ticket.priority == Priority.urgent and ticket.description == said
    sent = {m.template: m for m in messages()}
    assert set(sent) == {advice, "staff_urgent"}
    assert sent["staff_urgent"].peer == on_duty and hazard in sent["staff_urgent"].body
    walker.silence()
    assert "请马上拨打119" in walker.heard and walker.hung_up
    walker.hang_up()
    row = the_call(walker)
    assert row.emergency and row.outcome == CallOutcome.ticket and row.ticket_id == ticket.id
    assert len(tickets()) == 1 and len(messages()) == 2


def test_a_caller_who_goes_on_after_danger_adds_to_the_urgent_ticket(call, on_duty):
    walker = call(MOBILE).silence().say("有煤气味")
    walker.press("1").press("1").record(words="燃气灶也打不着火")
    walker.record()  # the address
    [ticket] = tickets()
    assert ticket.priority == Priority.urgent and ticket.category_code == "appliance"
    assert ticket.description == "有煤气味\n燃气灶也打不着火"
    assert [m.template for m in messages()].count("staff_urgent") == 1


def test_a_withheld_number_reporting_danger_hears_the_numbers_and_opens_nothing(call, on_duty):
    walker = call("anonymous").silence().say("着火了，救命")
    assert "119" in walker.heard
    assert tickets() == [] and the_call(walker).emergency


def test_hanging_up_before_a_ticket_exists_leaves_a_missed_call(call, on_duty, app):
    from app.db import db
    from app.voice.calls import missed_calls

    walker = call(MOBILE).silence().press("2")
    walker.hang_up("completed", 20)
    walker.hang_up("completed", 20)  # repeated callback
    walker.hang_up("failed", 0)  # a late, different status changes nothing
    row = the_call(walker)
    assert row.outcome == CallOutcome.missed and row.status == CallStatus.completed
    assert row.duration == 20
    assert [c.sid for c in missed_calls(db.session)] == [walker.sid]
    assert tickets() == []


def test_a_caller_whose_fixed_problem_is_back_reopens_its_ticket(call, on_duty, clock):
    resident()
    call(MOBILE).silence().press("2").record(words="楼道灯不亮了")
    [ticket] = tickets()
    helper = volunteer()
    assign(ticket, helper)
    resolve(ticket, helper)
    clock.advance(days=1)
    walker = call(MOBILE).silence().press("2")
    walker.record(words="灯还是不亮，刚才又灭了")
    [again] = tickets()  # the same request, not a second one
    assert again.status is TicketStatus.reopened and again.assignee_id is None
    assert "灯还是不亮" in again.description
    assert f"您的工单号是：{spelled(again.code, 'zh')}" in walker.heard
    assert messages()[-1].template == "ticket_reopened"
