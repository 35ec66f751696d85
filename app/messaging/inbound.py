"""Every inbound SMS comes through here: recorded once, then routed to whoever it concerns.

Routing is an ordered list of handlers; the first that recognises the text answers it. Opt-out
words always come first, so STOP works whatever else the sender is in the middle of.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.categories.catalog import Classification, classify
from app.clock import utcnow
from app.db import insert_skipping, table
from app.i18n import language_of, normalise_words
from app.messaging import optouts, outbox
from app.messaging.models import Direction, Message, MessageKind, MessageStatus, Priority
from app.messaging.outbox import Text
from app.messaging.sender_context import Sender, load_sender
from app.phones import InvalidPhone, PhoneNumber, normalize
from app.tickets.neighbours import in_a_home
from app.volunteers.models import Volunteer


@dataclass(frozen=True)
class Inbound:
    """One received text, with its sender's number normalised and what is known of the sender."""

    phone: PhoneNumber
    body: str
    sender: Sender
    classification: Classification  # what a report in these words would be about

    @cached_property
    def word(self) -> str:  # asked by several handlers
        return normalise_words(self.body)


@dataclass(frozen=True)
class Answer:
    """What to text back to the sender (None: nothing, as for a thank-you), and the ticket it
    concerns (for the timeline)."""

    text: Text | None
    ticket_id: int | None = None
    # Only the confirmation of an opt-out may go to a number that has just opted out.
    ignore_opt_out: bool = False


Handler = Callable[[Session, Inbound], Answer | None]


@dataclass(frozen=True)
class Received:
    """A newly recorded text, the answers given to `peer`, and the bodies of those that leave
    inside the webhook's response."""

    peer: str
    answers: list[Answer]
    replies: list[str]


# ON CONFLICT: the same text delivered twice at once; the later delivery finds the row there.
_WRITE = insert_skipping(table(Message), "provider_sid", Message.provider_sid)


def receive_sms(
    session: Session,
    sid: str,
    sender: str,
    body: str,
    region: str,
    handlers: Sequence[Handler],
    *,
    inline: bool,
) -> Received | None:
    """Record, route and answer one text; None for a repeated delivery of a text already had.

    The sender is read in one SELECT (which also tells a repeated delivery, then the only
    statement); the text and its answers are written together in one INSERT at the end, the
    text already holding the ticket it concerns. Answers leave in the webhook's response when
    `inline`, else through the outbox.
    """
    try:
        phone: PhoneNumber | None = normalize(sender, region)
    except InvalidPhone:
        phone = None  # a short code or alphanumeric sender: recorded, never answered
    peer = phone.e164 if phone else sender[:20]
    found = classify(body)
    context = load_sender(session, sid, peer, found.category, neighbours_too=not in_a_home(body))
    if context.seen:
        return None
    answers = []
    if phone is not None:
        inbound = Inbound(phone=phone, body=body, sender=context, classification=found)
        answers = route(session, inbound, handlers)
    ticket_id = next((a.ticket_id for a in answers if a.ticket_id is not None), None)
    rows: list[dict[str, object]] = [
        {
            **_INBOUND_DEFAULTS,
            "peer": peer,
            "body": body,
            "language": language_of(body, "zh"),
            "provider_sid": sid,
            "ticket_id": ticket_id,
            "created_at": utcnow(),
        }
    ]
    for answer in answers:
        if answer.text is not None:
            opted_out = context.opted_out and not answer.ignore_opt_out
            row = outbox.answer_row(
                peer, answer.text, inline=inline, opted_out=opted_out, ticket_id=answer.ticket_id
            )
            rows.append(row | {"provider_sid": None})
    session.flush()  # what the handlers changed through the ORM goes first (nothing, usually)
    connection = session.connection()
    written = connection.execute(_WRITE[connection.dialect.name], rows).scalars().all()
    if sid not in written:  # delivered twice at once: the other delivery handles it
        session.rollback()
        return None
    replies = [str(r["body"]) for r in rows[1:] if r["status"] is MessageStatus.replied]
    return Received(peer, answers, replies)


def route(session: Session, inbound: Inbound, handlers: Sequence[Handler]) -> list[Answer]:
    """The first handler that recognises the text answers it."""
    for handler in [opt_out_words, *handlers]:
        answer = handler(session, inbound)
        if answer is not None:
            return [answer]
    return []


_INBOUND_DEFAULTS: dict[str, object] = {
    "direction": Direction.inbound,
    "kind": MessageKind.sms,
    "template": None,
    "params": None,
    "segments": 1,
    "encoding": "GSM-7",
    "status": MessageStatus.received,
    "priority": Priority.notice,
    "error_message": "",
    "sent_at": None,
    "next_attempt_at": None,
}


def opt_out_words(session: Session, inbound: Inbound) -> Answer | None:
    word = inbound.word
    phone = inbound.phone.e164
    if word in optouts.OPT_OUT_WORDS:
        optouts.opt_out(session, phone, "keyword")
        inbound.sender.opted_out = True
        return Answer(Text("opted_out", sender_language(session, inbound)), ignore_opt_out=True)
    if word in optouts.OPT_IN_WORDS and (
        word not in optouts.OPT_IN_ONLY_WHEN_OPTED_OUT or inbound.sender.opted_out
    ):
        optouts.opt_in(session, phone)
        inbound.sender.opted_out = False
        return Answer(Text("opted_in", sender_language(session, inbound)))
    return None


def sender_language(session: Session, inbound: Inbound) -> str:
    """The language we know the sender by; a stranger is answered in the language they wrote."""
    resident = inbound.sender.resident
    if resident is not None and resident.language:
        return resident.language
    if inbound.sender.volunteer:
        phone = inbound.phone.e164
        language = session.scalar(select(Volunteer.language).where(Volunteer.phone == phone))
        if language:
            return language
    return language_of(inbound.body, "zh")
