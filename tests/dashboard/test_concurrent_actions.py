"""Staff pressing the same button at once (one person double-clicking, or two at their desks):
the action happens once, the others are told it was refused, and nobody sees a server error."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db import db
from app.surveys.models import FollowUp, FollowUpStatus
from app.tickets.models import EventKind, Ticket, TicketEvent, TicketStatus
from tests.support.closure import MOBILE, report, resident, street, surveyed
from tests.support.crowd import at_once
from tests.support.staff import csrf_token, log_in, staff
from tests.support.texting import text_line

PRESSES = 12


def press_at_once(app, client, code: str, action: str, **form: str) -> list[int]:
    """PRESSES clients with `client`'s logged-in session post the action's form together."""
    token = csrf_token(client, f"/dashboard/tickets/{code}")
    cookie = client.get_cookie("session").value  # after the page: it holds the token's secret
    db.session.remove()

    def prepare(other):
        other.set_cookie("session", cookie)

    def press(other):
        path = f"/dashboard/tickets/{code}/{action}"
        return other.post(path, data={"csrf_token": token, **form}).status_code

    return at_once(app, PRESSES, press, prepare)


def count(kind: EventKind) -> int:
    return db.session.scalar(select(func.count()).where(TicketEvent.kind == kind))


def test_twelve_cancels_at_once_cancel_once(app, client, ctx, clock):
    community, _ = street()
    resident(community)
    ticket = report(client, MOBILE, "楼道灯坏了")
    staff("admin")
    log_in(client, "admin")

    statuses = press_at_once(app, client, ticket.code, "cancel", reason="住户已自己修好")

    assert statuses == [303] * PRESSES
    assert count(EventKind.cancel) == 1
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.cancelled


def test_twelve_completions_of_a_return_visit_at_once_complete_it_once(app, client, ctx, clock):
    surveyed(client, clock)
    text_line(client, MOBILE, "3 还是不转")
    [followup] = db.session.scalars(select(FollowUp)).all()
    code = followup.ticket.code
    staff("admin")
    log_in(client, "admin")

    statuses = press_at_once(
        app,
        client,
        code,
        "followup",
        followup_id=str(followup.id),
        outcome="电话回访，已修好",
        needs_work="0",
    )

    assert statuses == [303] * PRESSES
    assert (count(EventKind.followup_completed), count(EventKind.close)) == (1, 1)
    db.session.expire_all()
    assert db.session.get(FollowUp, followup.id).status == FollowUpStatus.done
