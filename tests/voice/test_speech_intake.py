"""Voice tickets carry words: the problem heard as speech, the recording kept beside it, the
queue never blank, staff writing the problem after listening, and a voicemail that adds to the
caller's open ticket. Calls are replayed through the signed webhooks as Twilio would post them."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import StaffRole
from app.db import db
from app.tickets.models import EventKind, Ticket, TicketEvent
from tests.support.staff import log_in, post_form, staff
from tests.voice.conftest import DUTY_PHONE, MOBILE, messages, resident, the_call, tickets

WORDS = "洗衣机转几下就不动了，是楼下那台海尔的"


def queue_cell(client, code: str) -> str:
    """The problem column of the ticket's queue row, as staff see it."""
    rows = client.get("/dashboard/").get_data(as_text=True)
    row = rows.split(f'data-code="{code}"', 1)[1].split("</tr>", 1)[0]
    return row.rsplit('class="text">', 1)[1].split("</td>", 1)[0]


def test_a_known_caller_says_the_problem_and_the_ticket_has_the_words_and_the_recording(
    call, on_duty, client
):
    resident(MOBILE)  # address on file: no address question
    walker = call(MOBILE).silence().press("1")
    assert walker.listening and "请说一说您遇到的问题" in walker.heard
    recording = walker.record(duration=12, words=WORDS)

    [ticket] = tickets()
    # The words are the problem; the recording, stopped when the code is read back, joins it.
    assert ticket.description == WORDS and ticket.category_code == "appliance"
    assert ticket.recording_url == recording and ticket.recording_seconds == 12
    row = the_call(walker)
    assert row.speech == [{"node": "record_problem", "text": WORDS, "confidence": 0.9}]
    assert [(r.node, r.status) for r in row.recordings] == [("record_problem", "completed")]
    [sms] = messages()
    assert sms.template == "ticket_created" and ticket.code in sms.body

    staff("office", StaffRole.office)
    log_in(client, "office")
    assert queue_cell(client, ticket.code) == WORDS


def test_speech_not_heard_leaves_the_recording_and_staff_write_the_problem(call, on_duty, client):
    resident(MOBILE)
    walker = call(MOBILE).silence().press("3")
    started = walker.twiml.find("Start/Recording")
    walker.say("嗯……那个", confidence=0.12)  # too unsure to be anyone's problem
    assert "您的工单号是" in walker.heard
    walker.post(
        started.attrib["recordingStatusCallback"],
        {
            "RecordingSid": "RE" + "7" * 32,
            "RecordingUrl": "https://api.twilio.com/Recordings/RE" + "7" * 32,
            "RecordingStatus": "completed",
            "RecordingDuration": "12",
        },
        keep=False,
    )
    [ticket] = tickets()
    assert ticket.description == "" and ticket.recording_seconds == 12
    assert the_call(walker).speech[0]["confidence"] == 0.12  # kept for the record

    staff("office", StaffRole.office)
    log_in(client, "office")
    assert queue_cell(client, ticket.code) == "录音 0:12"
    page = f"/dashboard/tickets/{ticket.code}"
    assert "听录音后填写问题" in client.get(page).get_data(as_text=True)

    summary = "厨房水槽下面的水管漏水 <b>急</b>"
    done = post_form(client, f"{page}/summarise", {"text": summary}, page)
    assert done.status_code == 303
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.description == summary
    event = db.session.scalars(
        select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.summarised
        )
    ).one()
    assert event.data == {"text": summary, "before": ""} and event.actor_label == "office"
    html = client.get(page).get_data(as_text=True)
    assert "工作人员听录音填写问题" in html and "&lt;b&gt;急&lt;/b&gt;" in html
    assert "<b>急</b>" not in html
    assert queue_cell(client, ticket.code).startswith("厨房水槽下面的水管漏水")


def test_a_summary_needs_words_and_a_csrf_token(call, on_duty, client):
    resident(MOBILE)
    call(MOBILE).silence().press("2").record()
    [ticket] = tickets()
    staff("office", StaffRole.office)
    log_in(client, "office")
    page = f"/dashboard/tickets/{ticket.code}"
    path = f"{page}/summarise"
    assert client.post(path, data={"text": "灯不亮"}).status_code == 400  # no CSRF token
    post_form(client, path, {"text": "   "}, page)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).description == ""


def test_a_ticket_with_neither_words_nor_recording_is_never_a_blank_cell(call, on_duty, client):
    resident(MOBILE)
    walker = call(MOBILE).silence().press("9")
    walker.silence()  # said nothing; the recording never reached us
    [ticket] = tickets()
    assert ticket.description == "" and ticket.recording_url is None
    staff("office", StaffRole.office)
    log_in(client, "office")
    assert queue_cell(client, ticket.code) == "（没有文字）"


def test_a_voicemail_from_a_caller_with_an_open_ticket_adds_to_it(call, on_duty):
    resident(MOBILE)
    first = call(MOBILE).silence().press("1")
    first.record(words="洗衣机坏了")
    [ticket] = tickets()

    # Press 1 for a person, nobody picks up, leave a message: no second ticket.
    walker = call(MOBILE).silence().press("1")
    assert walker.dialled == [DUTY_PHONE]
    walker.dial_result("no-answer")
    assert walker.listening
    message = walker.record(duration=20, words="师傅今天下午能不能来，我三点以后在家")
    assert walker.hung_up and "您的工单号是" in walker.heard

    [same] = tickets()
    assert same.id == ticket.id and same.callback_requested
    assert same.description == "洗衣机坏了\n师傅今天下午能不能来，我三点以后在家"
    kinds = [e.kind for e in same.events]
    assert kinds.count(EventKind.received) == 1 and EventKind.info_added in kinds
    recorded = [e for e in same.events if e.kind == EventKind.call_recorded][-1]
    assert recorded.data["added_to_open_ticket"] is True and recorded.data["callback"] is True
    assert the_call(walker).ticket_id == ticket.id
    assert message in [r.url for r in the_call(walker).recordings]
    assert [m.template for m in messages()] == ["ticket_created", "ticket_added"]


def test_a_voicemail_from_a_caller_without_an_open_ticket_opens_one(call, on_duty):
    resident(MOBILE)
    walker = call(MOBILE).silence().press("0")
    walker.dial_result("busy")
    walker.record(words="楼道灯坏了好几天了")
    [ticket] = tickets()
    assert ticket.callback_requested and ticket.description == "楼道灯坏了好几天了"
    assert ticket.category_code == "electrical"
