"""An urgent text on a Sunday from a number we cannot place, with no office phone set: the alert
reached nobody, and the ticket's timeline must say so rather than "staff were texted"."""

from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.tickets.models import Priority, Ticket
from tests.support.staff import log_in, staff
from tests.support.texting import text_line


def test_the_timeline_does_not_claim_staff_were_texted_when_nobody_was(client, ctx, clock):
    text_line(client, "+8613700137000", "厨房有煤气味")
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.priority == Priority.urgent
    [alert] = [e for e in ticket.events if e.kind == "urgent_alert"]
    assert alert.data["phones"] == []
    staff()
    log_in(client, "admin")
    page = client.get(f"/dashboard/tickets/{ticket.code}").get_data(as_text=True)
    assert "没有可通知的值班人员或社区电话" in page
    assert "已短信通知值班人员和社区" not in page
