"""What a resident can text: a problem (a ticket), 进度/STATUS, 取消/CANCEL, 帮助/HELP.

This is the last handler in the inbound chain: anything not recognised as a command is a report.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from app.categories.catalog import FALLBACK, classify
from app.clock import utcnow
from app.config import current_settings
from app.i18n import fold, language_of, status_name, text
from app.messaging import optouts
from app.messaging.courtesy import GREETING, besides, is_courtesy, says_only
from app.messaging.inbound import Answer, Inbound
from app.messaging.outbox import Text
from app.residents.directory import create
from app.residents.models import Resident
from app.tickets import cancellation, places, recurrence
from app.tickets.intake import (
    add_information,
    another_problem,
    confirmation,
    report,
    resident_actor,
)
from app.tickets.lifecycle import Move, can, record
from app.tickets.models import OPEN_STATUSES, Channel, EventKind, Ticket, TicketStatus

STATUS_WORDS = frozenset({"进度", "查询", "STATUS"})
CANCEL_WORDS = frozenset({"取消", "撤销", "CANCEL"})
HELP_WORDS = frozenset({"帮助", "HELP", "INFO", "?"})
COMMAND_WORDS = STATUS_WORDS | CANCEL_WORDS | HELP_WORDS


# A thank-you is filed on the resident's ticket that changed within this many days.
THANKS_WINDOW_DAYS = 7

# "Not needed any more", as residents say it once the problem went away or they fixed it
# themselves (莫得事了 and 没得事了 are Chongqing for 没事了). Matched folded and lower-case.
NO_LONGER_NEEDED = re.compile(
    r"不用了|不用来了|不用麻烦了|不麻烦了|不需要了|不要了|没事了|莫得事了|没得事了|没有事了|发错了"
    r"|(?:已经|自己|我)*(?:修|弄|整|搞)好了|已经好了"
    r"|(?<![a-z])(?:no longer needed|not needed any ?more|fixed it myself|sent by mistake)(?![a-z])"
)
# Besides "不用了" and "已经好了", a few words may say which request ("厨房的水龙头"); more, or
# words of a fault, are something else to hear ("灯好了，水管又漏了").
NAMING_CHARS = 8
_SAYS_MORE = re.compile(
    r"坏|漏|不|没|堵|又|还|但|可是|问题|吗|[?？]|broken|leak|not|again|but|still"
)

# "Why has nobody come yet?" (啷个/咋个 are Chongqing for 怎么): a question about progress.
WHERE_IS_HELP = re.compile(
    r"(?:啷个|咋个|怎么|为啥|为什么|咋)?还没(?:有|得)?人?(?:来|到)|(?:什么|啥)时候(?:来|到)"
    r"|几时来|好久来|人呢|还要等(?:好久|多久)|要等(?:好久|多久)"
    r"|(?:请问)?(?:大概|大约|一般)?(?:几点|多久|好久|几时|什么时候|啥时候)(?:能)?(?:到|来|过来)"
    r"|(?<![a-z])(?:when will (?:someone|somebody|you|they|he|she) (?:come|arrive|be here)"
    r"|what time will (?:someone|somebody|you|they|he|she) (?:come|arrive)"
    r"|no one has come|nobody came)(?![a-z])"
)
# "Not satisfied" and nothing more, with no survey waiting (the survey handler claims it then):
# a complaint about help already given, not a new problem to send a volunteer to. Generic words
# like 不好 or 不行 are left out: "我腿脚不好" is a request.
UNHAPPY = re.compile(
    r"不满意|不太满意|不是很满意|很不满意|非常不满意|差评|太差|很差|要不得|不巴适|不安逸"
    r"|没修好|没有修好|没弄好|没整好|莫整好|没搞好|莫得修好|没得修好|没解决|没有解决|未解决"
    r"|(?<![a-z])(?:not satisfied|unsatisfied|dissatisfied|not fixed|not happy)(?![a-z])"
)
# A letter of any script: a text without one (a stray "1", "？？", an emoji) describes nothing.
_LETTER = re.compile(r"[^\W\d_]")

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
    if (rest := besides(inbound.body, NO_LONGER_NEEDED)) is not None:
        answer = no_longer_needed(session, resident, inbound, rest)
        if answer is not None:
            return answer
    if says_only(inbound.body, WHERE_IS_HELP):
        return status(session, resident)
    if is_courtesy(inbound.body):
        return acknowledge(session, resident, inbound.body)
    if says_only(inbound.body, GREETING):  # "在吗？": how their request stands, or how to ask
        if open_tickets(session, resident):
            return status(session, resident)
        return Answer(Text("help", resident.language))
    if says_only(inbound.body, UNHAPPY):
        return unhappy(session, resident, inbound)
    if not _LETTER.search(inbound.body):
        return Answer(Text("help", resident.language))
    found, sender = inbound.classification, inbound.sender
    fixed = recurrence.came_back(session, resident, inbound.word, found)
    if fixed is not None and _nothing_open_about(session, inbound):
        text = recurrence.reopen(session, fixed, resident, inbound.body.strip(), found)
        return Answer(text, fixed.id)
    if found.category == FALLBACK and not found.urgent and sender.recent_ticket_id is None:
        joined = _joined(session, resident)
        if joined is not None:  # "我下午要出门" after a neighbour reported the light first
            return added_to(joined, resident, inbound)
    result = report(session, resident, inbound.body, Channel.sms, found=found, sender=sender)
    if result.created and places.should_ask(result.ticket, result.classification):
        return Answer(places.ask(result.ticket, resident.language), result.ticket.id)
    text = confirmation(
        result.ticket, resident.language, result.classification, result.created, by=resident
    )
    return Answer(text, result.ticket.id)


def _joined(session: Session, resident: Resident) -> Ticket | None:
    """The open ticket the resident's report joined within the follow-up window (a neighbour had
    reported the problem first): more words of theirs belong there, as they would on their own."""
    window = timedelta(hours=current_settings().HOTLINE_FOLLOWUP_WINDOW_HOURS)
    theirs = aliased(Ticket)
    return session.scalar(
        select(Ticket)
        .join(theirs, theirs.parent_id == Ticket.id)
        .where(
            theirs.resident_id == resident.id,
            theirs.last_report_at >= utcnow() - window,
            Ticket.status.in_(OPEN_STATUSES),
        )
        .order_by(theirs.id.desc())
        .limit(1)
    )


def _nothing_open_about(session: Session, inbound: Inbound) -> bool:
    """The sender has no open ticket these words could be about (one they would repeat, or one
    they wrote about lately of the same problem)."""
    sender = inbound.sender
    if sender.original_id is not None:
        return False
    recent = session.get(Ticket, sender.recent_ticket_id) if sender.recent_ticket_id else None
    return recent is None or another_problem(recent, inbound.classification)


def acknowledge(session: Session, resident: Resident, text: str) -> Answer:
    """A thank-you goes onto the timeline of the ticket it answers; no ticket, no reply."""
    ticket = latest_ticket(session, resident, timedelta(days=THANKS_WINDOW_DAYS))
    if ticket is None:
        return Answer(None)
    record(ticket, EventKind.thanks, resident_actor(resident), data={"text": text.strip()})
    return Answer(None, ticket.id)


# An unhappy word is filed on the resident's ticket that changed within this many days.
UNHAPPY_WINDOW_DAYS = 30


def unhappy(session: Session, resident: Resident, inbound: Inbound) -> Answer:
    """ "不满意", "没修好" with no survey waiting: an open ticket hears it (however long ago it
    was reported); otherwise it goes on the timeline of the resident's latest ticket and the
    resident is asked what is wrong, so the next text (a problem in their words) can be acted
    on. Opening a ticket of no category for the bare word only sends someone to ask the same."""
    tickets = open_tickets(session, resident)
    if tickets:
        return added_to(tickets[0], resident, inbound)
    ticket = latest_ticket(session, resident, timedelta(days=UNHAPPY_WINDOW_DAYS))
    if ticket is not None:
        record(ticket, EventKind.unhappy, resident_actor(resident), data={"text": inbound.body})
    return Answer(Text("unhappy_details", resident.language), ticket.id if ticket else None)


def no_longer_needed(
    session: Session, resident: Resident, inbound: Inbound, rest: str
) -> Answer | None:
    """ "不用了", "已经修好了", "不用了，电梯已经好了": requests nobody has taken yet are withdrawn
    (the one the other words name, else asking which when several are open). Once a volunteer
    holds one they may well be the one who fixed it, so the words go to that ticket and the
    volunteer still reports the work. With nothing open it is a thank-you. None when the other
    words (`rest`, besides these and courtesy) say more than which: "灯好了，水管又漏了"."""
    if len(rest) > NAMING_CHARS or _SAYS_MORE.search(rest):
        return None
    tickets = open_tickets(session, resident)
    named = [t for t in tickets if _names(t, rest)] if rest else []
    if len(named) == 1:
        tickets = named
    taken = [t for t in tickets if t.assignee_id is not None]
    if taken:
        return added_to(taken[0], resident, inbound)
    if tickets:
        return cancel(session, resident, tickets[0].code if len(tickets) == 1 else None)
    return acknowledge(session, resident, inbound.body)


def _names(ticket: Ticket, words: str) -> bool:
    """Words that name the ticket's problem: its own ("电梯" of "电梯卡住了") or its category's
    ("灯" of a ticket about the stairwell light)."""
    found = classify(words)
    return words in fold(ticket.description).lower() or (
        found.category != FALLBACK and found.category == ticket.category_code
    )


def added_to(ticket: Ticket, resident: Resident, inbound: Inbound) -> Answer:
    """The words go onto `ticket`, and the resident is told so."""
    found = inbound.classification
    add_information(ticket, resident, inbound.body.strip(), found)
    text = confirmation(ticket, resident.language, found, new=False, by=resident)
    return Answer(text, ticket.id)


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


TAKEN = (TicketStatus.assigned, TicketStatus.in_progress)


def status(session: Session, resident: Resident) -> Answer:
    """The resident's open tickets, and the open ones their reports were merged into (a
    neighbour reported the stairwell light first): theirs are being handled there."""
    merged_into = select(Ticket.parent_id).where(
        Ticket.resident_id == resident.id, Ticket.parent_id.is_not(None)
    )
    tickets = list(
        session.scalars(
            select(Ticket)
            .where(
                or_(Ticket.resident_id == resident.id, Ticket.id.in_(merged_into)),
                Ticket.status.in_(OPEN_STATUSES),
            )
            .order_by(Ticket.received_at.desc())
        )
    )
    language = resident.language
    if not tickets:
        return Answer(Text("status_none", language))
    lines = text(language, "list_separator").join(_status_line(t, language) for t in tickets[:3])
    return Answer(Text("status", language, {"lines": lines}), tickets[0].id)


def _status_line(ticket: Ticket, language: str) -> str:
    """A line such as "773339 已派单（孙师傅）": who took it answers "师傅好久到" best."""
    status = status_name(ticket.status, language)
    if ticket.status in TAKEN and ticket.assignee is not None:
        status = text(language, "taken_by", status=status, volunteer=ticket.assignee.name)
    return f"{ticket.code} {status}"


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
