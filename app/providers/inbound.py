"""A text that came back through a domestic gateway's push: the same path as a Twilio SMS.

Recorded once by the gateway's id and routed through the same handlers, with the gateway's own
unsubscribe words (R, T) in front. There is no response to answer in, so what we say back
leaves through the outbox as registered templates.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.i18n import language_of
from app.messaging import optouts
from app.messaging.inbound import Answer, Handler, Inbound, Received, receive_sms
from app.messaging.outbox import Text
from app.messaging.registry import Registry
from app.telephony.webhooks import SMS_HANDLERS


def receive_gateway_sms(
    session: Session,
    registry: Registry,
    provider: str,
    sid: str,
    sender: str,
    body: str,
    region: str = "CN",
) -> Received | None:
    """Record and route one pushed text; None for a repeated push."""
    handlers = [unsubscribe_words(registry.profiles[provider].opt_out_words), *SMS_HANDLERS]
    return receive_sms(session, sid, sender, body, region, handlers, inline=False)


def unsubscribe_words(words: frozenset[str]) -> Handler:
    """The reply words the gateway's unsubscribe wording names (拒收请回复R, 回T退订)."""

    def handle(session: Session, inbound: Inbound) -> Answer | None:
        if inbound.word.upper() not in words:
            return None
        optouts.opt_out(session, inbound.phone.e164, "keyword")
        inbound.sender.opted_out = True
        return Answer(Text("opted_out", language_of(inbound.body, "zh")), ignore_opt_out=True)

    return handle
