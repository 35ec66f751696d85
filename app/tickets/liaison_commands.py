"""What a department liaison can text: 已处理/DONE <note> and 退回/RETURN <reason>.

Recognised by the sender's number (a Department.liaison_phone). The ticket code is optional when
the department holds one escalated ticket; with several, the liaison is asked which. Other words
while the department holds escalations are about them (a note on the one held); with none held,
or thanks, or danger, they fall through (a liaison may also be a resident).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.communities.models import Department
from app.i18n import fold, language_of, text
from app.messaging.courtesy import is_courtesy
from app.messaging.inbound import Answer, Inbound
from app.messaging.outbox import Text
from app.tickets.escalation import department_done, department_return, held_by, unit_actor
from app.tickets.lifecycle import IllegalTransition, record
from app.tickets.models import EventKind, Ticket

DONE_WORDS = ("已处理", "已办结", "DONE")
RETURN_WORDS = ("退回", "RETURN")

_COMMAND = re.compile(
    r"^[\s\[【]*(?P<word>" + "|".join(DONE_WORDS + RETURN_WORDS) + r")[\]】]?"
    # A Chinese word or a code may run straight into the note; an English word may not.
    r"\s*[#＃]?(?P<code>\d{6,8})?(?:\s+|[:：,，]|$|(?<=[\u4e00-\u9fff\d]))\s*(?P<note>.*)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class LiaisonCommand:
    returning: bool  # RETURN, else DONE
    code: str | None
    note: str


def parse(body: str) -> LiaisonCommand | None:
    match = _COMMAND.match(fold(body).strip())
    if match is None:
        return None
    returning = match["word"].upper() in RETURN_WORDS
    return LiaisonCommand(returning, match["code"], match["note"].strip())


def handle(session: Session, inbound: Inbound) -> Answer | None:
    if not inbound.sender.liaison:
        return None
    command = parse(inbound.body)
    if command is None and (is_courtesy(inbound.body) or inbound.classification.urgent):
        return None  # thanks are filed as anyone's; danger is a report, whoever sends it
    departments = session.scalars(
        select(Department).where(Department.liaison_phone == inbound.phone.e164)
    ).all()
    if not departments:
        return None
    language = language_of(inbound.body, "zh")
    tickets = held_by(session, [d.id for d in departments])
    if command is None:
        return _noted(tickets, inbound, language)
    if command.code is not None:
        tickets = [t for t in tickets if t.code == command.code]
    if not tickets and command.code is None:
        return None  # nothing escalated: the unit's own offers and tasks are dispatch's
    if not tickets:
        return Answer(Text("liaison_none", language))
    if len(tickets) > 1:
        return _which(tickets, language)
    ticket = tickets[0]
    department = ticket.unit
    assert department is not None
    values = {"code": ticket.code}
    if command.returning and not command.note:
        return Answer(Text("liaison_reason_needed", language, values), ticket.id)
    act, template = (
        (department_return, "liaison_returned")
        if command.returning
        else (department_done, "liaison_done")
    )
    try:
        act(session, ticket, department, command.note)
    except IllegalTransition:  # answered on the page (or by another text) at the same moment
        return Answer(Text("liaison_none", language))
    return Answer(Text(template, language, values), ticket.id)


def _noted(tickets: list[Ticket], inbound: Inbound, language: str) -> Answer | None:
    """Words from a liaison whose department holds escalations ("好的，我们明天打电话给老人家
    解释") are about them, not a new request in the liaison's name: with one held, they go on
    its timeline; with several, the liaison is asked which. Holding none, they fall through."""
    if not tickets:
        return None
    if len(tickets) > 1:
        return _which(tickets, language)
    [ticket] = tickets
    department = ticket.unit
    assert department is not None
    record(ticket, EventKind.unit_note, unit_actor(department), data={"text": inbound.body})
    return Answer(Text("liaison_noted", language, {"code": ticket.code}), ticket.id)


def _which(tickets: list[Ticket], language: str) -> Answer:
    codes = text(language, "list_separator").join(t.code for t in tickets[:3])
    return Answer(Text("liaison_which", language, {"codes": codes, "code": tickets[0].code}))
