"""Every inbound SMS comes through here: recorded once, then routed to whoever it concerns.

Routing is an ordered list of handlers; the first that recognises the text answers it. Opt-out
words always come first, so STOP works whatever else the sender is in the middle of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.db import insert_once
from app.i18n import language_of, normalise_words
from app.messaging import optouts
from app.messaging.models import Direction, Message, MessageKind, MessageStatus
from app.messaging.outbox import Text
from app.phones import InvalidPhone, PhoneNumber, normalize
from app.residents.models import Resident
from app.volunteers.models import Volunteer


@dataclass(frozen=True)
class Inbound:
    """One received text, with its sender's number normalised."""

    phone: PhoneNumber
    body: str
    message: Message

    @property
    def word(self) -> str:
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
    """A newly recorded text and the answers to send back to `peer`."""

    peer: str
    answers: list[Answer]


def receive_sms(
    session: Session, sid: str, sender: str, body: str, region: str, handlers: list[Handler]
) -> Received | None:
    """Record and route one text. None for a repeated delivery of a text already handled."""
    try:
        phone: PhoneNumber | None = normalize(sender, region)
    except InvalidPhone:
        phone = None  # a short code or alphanumeric sender: recorded, never answered
    message = Message(
        direction=Direction.inbound,
        kind=MessageKind.sms,
        peer=phone.e164 if phone else sender[:20],
        body=body,
        status=MessageStatus.received,
        provider_sid=sid,
        created_at=utcnow(),
        language=language_of(body, "zh"),
    )
    if not insert_once(session, message, "provider_sid"):
        return None
    if phone is None:
        return Received(message.peer, [])
    inbound = Inbound(phone=phone, body=body, message=message)
    for handler in [opt_out_words, *handlers]:
        answer = handler(session, inbound)
        if answer is not None:
            if answer.ticket_id is not None and message.ticket_id is None:
                message.ticket_id = answer.ticket_id
            return Received(phone.e164, [answer])
    return Received(phone.e164, [])


def opt_out_words(session: Session, inbound: Inbound) -> Answer | None:
    word = inbound.word
    phone = inbound.phone.e164
    if word in optouts.OPT_OUT_WORDS:
        optouts.opt_out(session, phone, "keyword")
        return Answer(Text("opted_out", sender_language(session, inbound)), ignore_opt_out=True)
    if word in optouts.OPT_IN_WORDS and (
        word not in optouts.OPT_IN_ONLY_WHEN_OPTED_OUT or optouts.is_opted_out(session, phone)
    ):
        optouts.opt_in(session, phone)
        return Answer(Text("opted_in", sender_language(session, inbound)))
    return None


def sender_language(session: Session, inbound: Inbound) -> str:
    """The language we know the sender by; a stranger is answered in the language they wrote."""
    phone = inbound.phone.e164
    for model in (Resident, Volunteer):
        language = session.scalar(select(model.language).where(model.phone == phone))
        if language:
            return language
    return language_of(inbound.body, "zh")
