"""Who must never be texted: numbers that opted out, by keyword or as reported by the provider."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.orm import Session

from app.db import insert_once
from app.messaging.models import OptOut

# Carriers' and the provider's standard words, besides the product's own 退订/STOP.
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "OPTOUT", "REVOKE", "退订", "TD"}
)
OPT_IN_WORDS = frozenset(
    {"START", "UNSTOP", "SUBSCRIBE", "订阅", "恢复短信", "开始", "恢复", "恢复订阅", "重新订阅"}
)
# Everyday words that mean "start again" only to someone who opted out: a volunteer's 恢复 is
# "resume my offers", and the volunteer handler reads it when the number is not opted out.
OPT_IN_ONLY_WHEN_OPTED_OUT = frozenset({"开始", "恢复"})


# Built once: the outbox asks before every text it sends.
_OPTED_OUT = select(exists().where(OptOut.phone == bindparam("phone")))


def is_opted_out(session: Session, phone: str) -> bool:
    return bool(session.scalar(_OPTED_OUT, {"phone": phone}))


def opt_out(session: Session, phone: str, source: str) -> None:
    """Record the opt-out unless one is recorded: one INSERT ... ON CONFLICT DO NOTHING, so a
    STOP resent many times at once is stored once and none of the copies fails."""
    insert_once(session, OptOut(phone=phone, source=source), "phone")


def opt_in(session: Session, phone: str) -> None:
    session.execute(delete(OptOut).where(OptOut.phone == phone))
