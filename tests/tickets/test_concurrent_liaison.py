"""A liaison's /d/ link tapped twelve times at once, and the link racing the liaison's own
text: the ticket is answered once, with one event, and nobody sees a server error."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from app.db import db
from app.tickets.escalation import escalate
from app.tickets.models import EventKind, TicketEvent, TicketStatus
from tests.support.closure import LIAISON_PHONE, MOBILE, STAFF, report, resident, street, texts_to
from tests.support.crowd import at_once, csrf_form
from tests.support.texting import text_line

TAPS = 12


def escalated_link(client, clock) -> str:
    community, civil = street()
    resident(community)
    ticket = report(client, MOBILE, "楼道灯坏了一个月没人管")
    escalate(db.session, ticket, civil, STAFF, "needs the street's budget")
    db.session.commit()
    body = texts_to(LIAISON_PHONE, "department_escalated_link")[0].body
    db.session.remove()
    return re.search(r"(/d/[\w-]+)", body)[1]


def answers() -> tuple[int, int]:
    def count(kind: EventKind) -> int:
        return db.session.scalar(select(func.count()).where(TicketEvent.kind == kind))

    return count(EventKind.resolve), count(EventKind.return_)


def test_many_taps_on_the_link_answer_once(app, client, ctx, clock):
    path = escalated_link(client, clock)
    forms = {}

    def open_page(c):
        forms[id(c)] = csrf_form(c, path, action="done", note="已安排电工")

    statuses = at_once(app, TAPS, lambda c: c.post(path, data=forms[id(c)]).status_code, open_page)

    assert (statuses.count(200), answers()) == (1, (1, 0))
    assert sorted(statuses) == [200] + [410] * (TAPS - 1)


def test_the_link_and_the_liaisons_text_at_the_same_moment(app, client, ctx, clock):
    """Half tap "return" on the page, half text "已处理": one of them wins, whole."""
    path = escalated_link(client, clock)
    forms = {}

    def prepare(c):
        forms[id(c)] = csrf_form(c, path, action="return", note="不归我们管")

    def act(c):
        if len(forms) and id(c) in forms and list(forms).index(id(c)) % 2:
            return c.post(path, data=forms[id(c)]).status_code
        return text_line(c, LIAISON_PHONE, "已处理", sid="SM" + uuid.uuid4().hex).status_code

    statuses = at_once(app, TAPS, act, prepare)

    assert all(status < 500 for status in statuses), statuses
    assert sum(answers()) == 1
    db.session.expire_all()
    [resolved_or_back] = db.session.scalars(
        select(TicketEvent.to_status).where(
            TicketEvent.kind.in_([EventKind.resolve, EventKind.return_])
        )
    ).all()
    assert resolved_or_back in (TicketStatus.resolved, TicketStatus.new)
