"""The phone simulator walks a call with a keypad through the signed voice webhooks."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.db import db
from app.tickets.models import Channel, Ticket
from app.voice.models import Call, CallOutcome
from tests.support.staff import log_in, post_form, staff

PHONE = "13800138000"
PAGE = f"/dashboard/simulator?phone={PHONE}"


def test_a_simulated_call_with_keys_and_a_recording_opens_a_ticket(client, ctx, clock):
    staff("admin")
    log_in(client, "admin")
    started = post_form(client, "/dashboard/simulator/call", {"phone": PHONE}, PAGE)
    assert started.status_code == 303
    sid = re.search(r"call=(CA[0-9a-f]{32})", started.headers["Location"]).group(1)
    here = f"{PAGE}&call={sid}"
    html = client.get(here).get_data(as_text=True)
    assert "For English, press 9" in html and 'data-move="keys-9"' in html

    def press(move: str, value: str = "") -> str:
        form = {"phone": PHONE, "move": move, "value": value}
        assert post_form(client, f"/dashboard/simulator/call/{sid}", form, here).status_code == 303
        return client.get(here).get_data(as_text=True)

    html = press("silence")  # Mandarin: the category menu
    assert "水管水暖，请按3" in html
    html = press("keys", "3")
    assert 'data-move="say"' in html and 'data-move="record"' in html
    assert 'data-move="keys-1"' not in html  # the problem is spoken, not keyed
    assert "地址" not in html.split('id="transcript"')[0]
    press("say", "厨房水管一直在滴水")  # the problem, heard as words and recorded
    html = press("record")  # the address, asked because the number is new
    assert "通话已结束" in html

    call = db.session.scalars(select(Call).where(Call.sid == sid)).one()
    ticket = db.session.scalars(select(Ticket)).one()
    assert call.outcome == CallOutcome.ticket and call.digits == ["3"]
    assert ticket.channel == Channel.voice and ticket.category_code == "plumbing"
    assert ticket.description == "厨房水管一直在滴水" and ticket.recording_seconds == 12
    assert ticket.code in html and len(call.recordings) == 2
    assert {r.status for r in call.recordings} == {"completed"}
    page = client.get(f"/dashboard/tickets/{ticket.code}").get_data(as_text=True)
    assert page.count("<audio ") == 3  # the ticket's recording, and the call's two
    assert "录音 0:12" in page

    html = press("keys", "1")  # the call is over: refused, nothing changes
    assert "现在不能这样操作" in html and db.session.scalars(select(Call)).one().digits == ["3"]


def test_hanging_up_at_the_greeting_is_a_missed_call(client, ctx, clock):
    staff("admin")
    log_in(client, "admin")
    started = post_form(client, "/dashboard/simulator/call", {"phone": PHONE}, PAGE)
    sid = started.headers["Location"].rsplit("call=", 1)[1]
    form = {"phone": PHONE, "move": "hangup"}
    post_form(client, f"/dashboard/simulator/call/{sid}", form, f"{PAGE}&call={sid}")
    call = db.session.scalars(select(Call)).one()
    assert call.outcome == CallOutcome.missed
    assert f'data-call="{call.id}"' in client.get("/dashboard/callbacks").get_data(as_text=True)
