"""The ticket timeline draws calls (a transcript of what was said and done, a player per
recording), escaped, with no flow node ids."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import StaffRole
from app.db import db
from app.tickets.models import Ticket
from tests.support.call_walker import CallWalker
from tests.support.staff import log_in, staff

XSS = "<script>alert(1)</script>"


def test_a_calls_path_keys_speech_and_recordings_are_on_the_timeline(client, ctx, clock):
    staff("office", StaffRole.office)
    walker = CallWalker(client, "+8613800138000").dial_in()
    walker.silence()
    walker.say(f"洗衣机坏了 {XSS}")  # spoken words are shown, never run
    problem = walker.record()
    walker.record(duration=8)  # the address
    ticket = db.session.scalars(select(Ticket)).one()

    log_in(client, "office")
    page = client.get(f"/dashboard/tickets/{ticket.code}").get_data(as_text=True)
    assert "来电" in page and "已登记工单" in page and "138 0013 8000" in page
    assert "没有按键，也没有说话" in page and "说：“洗衣机坏了" in page  # the transcript
    assert "请直接说出您遇到的问题" in page  # what the line said
    assert "start →" not in page and "record_problem" not in page and "+8613800138000" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and XSS not in page
    assert f'<audio controls preload="none" src="{problem}">' in page
    assert page.count("<audio ") == 3  # the ticket's recording beside its words, and the call's two
