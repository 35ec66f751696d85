"""What a resident can text: a problem (a ticket), 进度/STATUS, 取消/CANCEL, 帮助/HELP.

This is the last handler in the inbound chain: anything not recognised as a command is a report.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.i18n import language_of, status_name, text
from app.messaging import optouts
from app.messaging.courtesy import is_courtesy
from app.messaging.inbound import Answer, Inbound
from app.messaging.outbox import Text
from app.residents.directory import create
from app.residents.models import Resident
from app.tickets import cancellation
from app.tickets.intake import confirmation, report, resident_actor
from app.tickets.lifecycle import Move, can, record
from app.tickets.models import OPEN_STATUSES, Channel, EventKind, Ticket

STATUS_WORDS = frozenset({"进度", "查询", "STATUS"})
CANCEL_WORDS = frozenset({"取消", "撤销", "CANCEL"})
HELP_WORDS = frozenset({"帮助", "HELP", "INFO", "?"})


# A thank-you is filed on the resident's ticket that changed within this many days.
THANKS_WINDOW_DAYS = 7

_COMMAND = re.compile(r"^(?P<word>[^\d\s#]+)\s*#?(?P<code>\d{6,8})?$")


def split_command(word: str) -> tuple[str, str | None]:
    """("取消", "804213") from "取消804213" or "CANCEL #804213"; the code is optional."""
    match = _COMMAND.match(word)
    if match is None:
        return word, None
    return match["word"], match["code"]


def handle(session: Session, inbound: Inbound) -> Answer | None:
    word, code = split_command(inbound.word)
    resident = inbound.sender.resident or create(
        session, inbound.phone, language_of(inbound.body, "zh")
    )
    if word in STATUS_WORDS:
        return status(session, resident)
    if word in CANCEL_WORDS:
        return cancel(session, resident, code)
    if word in HELP_WORDS:
        return Answer(Text("help", resident.language))
    if word in optouts.OPT_IN_WORDS:  # "开始" from someone who never opted out: still not a problem
        return Answer(Text("opted_in", resident.language))
    if not inbound.body.strip():
        return Answer(Text("help", resident.language))
    if is_courtesy(inbound.body):
        return acknowledge(session, resident, inbound.body)
    found, sender = inbound.classification, inbound.sender
    result = report(session, resident, inbound.body, Channel.sms, found=found, sender=sender)
    text = confirmation(result.ticket, resident.language, result.classification, result.created)
    return Answer(text, result.ticket.id)


def acknowledge(session: Session, resident: Resident, text: str) -> Answer:
    """A thank-you goes onto the timeline of the ticket it answers; no ticket, no reply."""
    ticket = latest_ticket(session, resident, timedelta(days=THANKS_WINDOW_DAYS))
    if ticket is None:
        return Answer(None)
    record(ticket, EventKind.thanks, resident_actor(resident), data={"text": text.strip()})
    return Answer(None, ticket.id)


def latest_ticket(session: Session, resident: Resident, window: timedelta) -> Ticket | None:
    """The resident's ticket that last changed within `window` (a reply, a visit, a survey)."""
    return session.scalar(
        select(Ticket)
        .where(Ticket.resident_id == resident.id, Ticket.updated_at >= utcnow() - window)
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(1)
    )


def open_tickets(session: Session, resident: Resident) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.resident_id == resident.id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.received_at.desc())
        )
    )


def status(session: Session, resident: Resident) -> Answer:
    tickets = open_tickets(session, resident)
    language = resident.language
    if not tickets:
        return Answer(Text("status_none", language))
    lines = text(language, "list_separator").join(
        f"{t.code} {status_name(t.status, language)}" for t in tickets[:3]
    )
    return Answer(Text("status", language, {"lines": lines}), tickets[0].id)


def cancel(session: Session, resident: Resident, code: str | None) -> Answer:
    """Cancel the open ticket named by `code`, or the only one; with several, ask which.
    A ticket waiting for its return visit is not withdrawn by a text: the visit decides."""
    tickets = [t for t in open_tickets(session, resident) if can(t, Move.cancel)]
    if code is not None:
        tickets = [t for t in tickets if t.code == code]
    if not tickets:
        return Answer(Text("cancel_none", resident.language))
    if len(tickets) > 1:
        codes = text(resident.language, "list_separator").join(t.code for t in tickets[:3])
        values = {"codes": codes, "code": tickets[0].code}
        return Answer(Text("cancel_which", resident.language, values))
    ticket = tickets[0]
    cancellation.cancel(session, ticket, resident_actor(resident), "resident texted cancel")
    return Answer(Text("cancelled", resident.language, {"code": ticket.code}), ticket.id)
