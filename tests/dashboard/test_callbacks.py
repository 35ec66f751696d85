"""Missed calls and call-back requests: a list staff work through; "called back" is a POST."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import StaffRole
from app.dashboard.models import CallBack
from app.db import db
from app.residents.models import Resident
from app.tickets.models import Ticket
from app.voice.models import Call
from app.voice.roster import set_shift
from tests.support.call_walker import CallWalker
from tests.support.staff import community, log_in, post_form, staff

PAGE = "/dashboard/callbacks"
CALLER = "+8613800138000"


def test_missed_calls_and_requested_call_backs_are_worked_off_the_list(client, ctx, clock):
    place = community()
    db.session.add(Resident(phone=CALLER, name="<i>李大爷</i>", community_id=place.id))
    set_shift(db.session, "张主任", "+8613900139000", "Mon-Fri 08:30-17:30", "CN")
    staff("lx", StaffRole.community, community_code="longxi")
    community("jinshan", "金山社区")
    staff("other", StaffRole.community, community_code="jinshan")
    CallWalker(client, CALLER).dial_in().hang_up()  # hung up at the greeting: missed
    walker = CallWalker(client, CALLER).dial_in().silence().press("0")
    walker.dial_result("no-answer").record()  # a voice message: a ticket marked "call back"
    [missed] = db.session.scalars(select(Call).where(Call.ticket_id.is_(None))).all()
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.callback_requested

    log_in(client, "other")  # another community's staff owe neither
    html = client.get(PAGE).get_data(as_text=True)
    assert f'data-call="{missed.id}"' not in html and ticket.code not in html
    assert post_form(client, f"{PAGE}/call/{missed.id}", {}, PAGE).status_code == 404

    log_in(client, "lx")
    html = client.get(PAGE).get_data(as_text=True)
    assert f'data-call="{missed.id}"' in html and f'data-code="{ticket.code}"' in html
    assert "&lt;i&gt;李大爷&lt;/i&gt;" in html
    assert db.session.scalars(select(CallBack)).all() == []  # looking changes nothing

    post_form(client, f"{PAGE}/call/{missed.id}", {"note": "已联系，水管已修好"}, PAGE)
    post_form(client, f"{PAGE}/ticket/{ticket.code}", {"note": "约了明天上门"}, PAGE)
    html = client.get(PAGE).get_data(as_text=True)
    assert f'data-call="{missed.id}"' not in html and f'data-code="{ticket.code}"' not in html
    db.session.expire_all()
    assert [e.kind for e in ticket.events][-1] == "called_back"
    assert ticket.events[-1].actor_label == "lx" and ticket.events[-1].reason == "约了明天上门"

    post_form(client, f"{PAGE}/call/{missed.id}", {}, PAGE)  # a second click records nothing
    assert "已有同事回电" in client.get(PAGE).get_data(as_text=True)
    assert len(db.session.scalars(select(CallBack)).all()) == 2
