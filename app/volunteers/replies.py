"""Texts from volunteers and unit liaisons: answers to offers, progress reports, pause/resume.

Registered in the inbound chain before the resident's handler. A sender who is neither a
volunteer nor a liaison, or one who writes something unrelated while holding no offer or task,
falls through (None) to the resident's words. Loose replies are understood ("yes I can come at
3", "接单", "[accept]"); with several open offers or tasks and no ticket code, the answer is a
question, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.communities.models import Department
from app.i18n import fold, text
from app.messaging.courtesy import is_courtesy
from app.messaging.inbound import Answer, Inbound
from app.messaging.outbox import Text
from app.tickets.escalation import recently_done_by
from app.volunteers import dispatch, progress
from app.volunteers.dispatch import Party
from app.volunteers.models import Offer, OfferStatus, Volunteer

LATE_ANSWER_WINDOW = timedelta(days=1)  # a late "1" still gets "it was taken" for this long


class Intent(StrEnum):
    accept = "accept"
    decline = "decline"
    on_the_way = "on_the_way"
    done = "done"
    again = "again"
    drop = "drop"
    pause = "pause"
    resume = "resume"


# Longest first within each script, so 接不了 is read before 接 and 不接 before 不.
_ENGLISH = [
    ("ON MY WAY", Intent.on_the_way),
    ("ON THE WAY", Intent.on_the_way),
    ("OTW", Intent.on_the_way),
    ("ARRIVED", Intent.on_the_way),
    ("FINISHED", Intent.done),
    ("DONE", Intent.done),
    ("AGAIN", Intent.again),
    ("DROP", Intent.drop),
    ("PAUSE", Intent.pause),
    ("RESUME", Intent.resume),
    ("ACCEPT", Intent.accept),
    ("YES", Intent.accept),
    ("SURE", Intent.accept),
    ("OK", Intent.accept),
    ("Y", Intent.accept),
    ("1", Intent.accept),
    ("DECLINE", Intent.decline),
    ("SORRY", Intent.decline),
    ("NO", Intent.decline),
    ("N", Intent.decline),
    ("2", Intent.decline),
]
# The verbs of finishing a repair, said first ("修好了") or after the thing ("水管换好了");
# 整好 and 搞好 are Chongqing for 修好.
_FINISHED = (
    "搞定", "弄完", "修完", "做完", "搞完", "干完", "换好", "装好", "处理好",
    "修好", "弄好", "整好", "搞好",
)  # fmt: skip
_CHINESE = [
    ("已完成", Intent.done),
    # A unit's liaison says of its tasks what it says of escalations (app/tickets/
    # liaison_commands.py); a late word for a ticket already answered is told so, never a report.
    ("已处理", Intent.done),
    ("已办结", Intent.done),
    ("退回", Intent.drop),
    ("在路上", Intent.on_the_way),
    # At the door is on the way too: the visit has begun.
    ("我到了", Intent.on_the_way),
    ("马上到", Intent.on_the_way),
    ("快到了", Intent.on_the_way),
    ("到了", Intent.on_the_way),
    ("已到", Intent.on_the_way),
    ("接不了", Intent.decline),
    ("出发", Intent.on_the_way),
    ("完成", Intent.done),
    # 好了 is "it's done" (a yes is 好 or 好的); so are the verbs of finishing a repair.
    ("好了", Intent.done),
    *((verb, Intent.done) for verb in _FINISHED),
    ("再来", Intent.again),
    ("放弃", Intent.drop),
    ("暂停", Intent.pause),
    ("恢复", Intent.resume),
    ("不接", Intent.decline),
    ("没空", Intent.decline),
    # Chongqing: 要得 is "will do", 莫得空 "no time".
    ("莫得空", Intent.decline),
    ("来不了", Intent.decline),
    ("去不了", Intent.decline),
    ("没时间", Intent.decline),
    ("要得", Intent.accept),
    ("没问题", Intent.accept),
    ("接单", Intent.accept),
    ("可以", Intent.accept),
    ("不", Intent.decline),
    ("否", Intent.decline),
    ("接", Intent.accept),
    ("是", Intent.accept),
    ("好", Intent.accept),
    ("行", Intent.accept),
]
# "不好意思" opens a yes as often as a no: it is not the decline word 不.
_APOLOGY = re.compile(r"^(?:不好意思|对不起|抱歉)[\s,，.。!！、]*")
# "已经修好了", "我都弄完了": who and since when come before the word that counts.
_ALREADY = re.compile(r"^(?:我们?)?(?:已经|都|刚刚?)[\s,，]*")
# "刚才按错了，我可以去": a correction says what it corrects to, anywhere in the text.
_CORRECTION = re.compile(r"(?:按|发|回|点|打)错了|(?<![A-Z])(?:WRONG (?:BUTTON|KEY|REPLY)|TYPO)")
_CANNOT = re.compile(r"去不了|来不了|接不了|没空|莫得空|没时间|不去|不来|不接|(?<![A-Z])CAN'?T")
_CAN = re.compile(r"可以|能去|能来|我去|我来|接单|要得|(?<![A-Z])(?:I CAN|I'LL|ACCEPT|YES)")
# Said of an offer, whatever the order ("今天不行，明天上午可以"); a question or a plea for help
# ("可以帮我修一下吗") is the volunteer asking as a resident.
_ANSWERS = re.compile(rf"{_CAN.pattern}|{_CANNOT.pattern}|不行|不得行")
_ASKS = re.compile(r"吗|[?？]|帮我|帮忙|麻烦")
# Another visit, wherever it is said ("今天没修好，明天再来"); not "不再来".
_AGAIN = re.compile(r"(?<!不)(?:再来|再过来|再去|改天来|改天过来)")
# The thing before the verb: "水管换好了", "灯泡已经装好了". Not denied (没修好, 还没弄完), not
# "almost" (快修好了, 马上弄完) and not asked (修好了吗); a bare 好了 counts only at the start.
_DONE = re.compile(rf"(?<![没不未快要有])(?:{'|'.join(_FINISHED)})")
_QUESTION = re.compile(r"吗|[?？]")
_PARTICLE = re.compile(r"^[了啦咯喽哈呀哦]+")
_CODE = re.compile(r"(?<!\d)#?(\d{6,8})(?!\d)")
_EDGE = "[]【】()（）\"'“”‘’.,!?。，！？:：;；#"
_LEADING = re.compile(rf"^[\s{re.escape(_EDGE)}]+")


@dataclass(frozen=True)
class Reply:
    intent: Intent | None
    code: str | None  # the ticket code, when given
    note: str  # whatever followed the word (e.g. what was done)


def parse(body: str) -> Reply:
    """Read the intent, an optional ticket code and a note from a loose reply."""
    text = fold(body)
    match = _CODE.search(text)
    code = match.group(1) if match else None
    if match:
        text = text[: match.start()] + " " + text[match.end() :]
    text = _LEADING.sub("", text)
    upper = text.upper()
    if _CORRECTION.search(upper):
        if _CANNOT.search(upper):
            return Reply(Intent.decline, code, "")
        return Reply(Intent.accept if _CAN.search(upper) else None, code, "")
    if _APOLOGY.match(text):
        text = _APOLOGY.sub("", text)
        if not text:  # sorry, and nothing more: no
            return Reply(Intent.decline, code, "")
    text = _ALREADY.sub("", text)
    upper = text.upper()
    for word, intent in _ENGLISH:
        if re.match(rf"{re.escape(word)}(?![A-Z0-9])", upper):
            return Reply(intent, code, _note(text[len(word) :]))
    for word, intent in _CHINESE:
        if text.startswith(word):
            return Reply(intent, code, _note(text[len(word) :]))
    if _AGAIN.search(text):  # "零件没带，明天再来": the whole text says why
        return Reply(Intent.again, code, _note(text))
    if _DONE.search(text) and not _QUESTION.search(text):
        return Reply(Intent.done, code, _note(text))
    return Reply(None, code, "")


def _note(rest: str) -> str:
    """What follows the word, without the particle that ends it ("弄好了 换了皮带")."""
    return " ".join(_PARTICLE.sub("", rest).strip(_EDGE + " \t\n\u3000").split())


def handle(session: Session, inbound: Inbound) -> Answer | None:
    if not (inbound.sender.volunteer or inbound.sender.liaison):
        return None
    phone = inbound.phone.e164
    volunteer = session.scalar(select(Volunteer).where(Volunteer.phone == phone))
    units = session.scalars(select(Department).where(Department.liaison_phone == phone)).all()
    parties = ([Party(volunteer)] if volunteer else []) + [Party(unit=u) for u in units]
    if not parties:
        return None
    reply = parse(inbound.body)
    language = parties[0].language
    if reply.intent in (Intent.pause, Intent.resume) and volunteer is not None:
        volunteer.paused_at = utcnow() if reply.intent == Intent.pause else None
        template = "volunteer_paused" if reply.intent == Intent.pause else "volunteer_resumed"
        return Answer(Text(template, language))
    if reply.intent in (Intent.accept, Intent.decline):
        answer = answer_offer(session, parties, reply, language)
        if answer is not None:
            return answer
    elif reply.intent in (Intent.on_the_way, Intent.done, Intent.again, Intent.drop):
        return report_progress(session, parties, reply, language)
    if open_offers(session, parties) or progress.held_offers(session, parties):
        return Answer(Text("volunteer_help", language))
    return _about_a_closed_offer(session, parties, inbound)


def _about_a_closed_offer(
    session: Session, parties: list[Party], inbound: Inbound
) -> Answer | None:
    """Words soon after an offer closed ("那我不去了哈" once another volunteer took it) are
    about that offer, not a new problem: they hear how it ended; with no offer at all, words
    that answer one hear that none waits. Words of a problem or of danger, a request, thanks,
    and more about the sender's own open request fall through to the resident's handler."""
    found = inbound.classification
    if (
        found.category != "other"
        or found.urgent
        or inbound.sender.recent_ticket_id is not None
        or is_courtesy(inbound.body)
    ):
        return None
    late = _latest_offer(session, parties, None)
    if late is not None:
        return _as_it_ended(late)
    if _ANSWERS.search(inbound.word) and not _ASKS.search(inbound.word):
        return Answer(Text("offer_none", parties[0].language))  # "今天不行，明天可以"
    return None


def open_offers(session: Session, parties: list[Party]) -> list[Offer]:
    now = utcnow()
    return list(
        session.scalars(
            select(Offer)
            .where(
                dispatch.offers_of(parties),
                Offer.status == OfferStatus.open,
                or_(Offer.expires_at.is_(None), Offer.expires_at > now),
            )
            .order_by(Offer.id.desc())
        )
    )


def _which(template: str, offers: list[Offer], language: str) -> Answer:
    codes = [o.ticket.code for o in offers[:3]]
    values = {"codes": text(language, "list_separator").join(codes), "code": codes[0]}
    return Answer(Text(template, language, values))


def answer_offer(
    session: Session, parties: list[Party], reply: Reply, language: str
) -> Answer | None:
    waiting = open_offers(session, parties)
    offers = [o for o in waiting if reply.code in (None, o.ticket.code)]
    if len(offers) > 1:
        return _which("offer_which", offers, language)
    if not offers:
        late = _latest_offer(session, parties, reply.code)
        if late is not None:
            if reply.intent == Intent.accept and late.status == OfferStatus.declined:
                outcome = dispatch.reconsider(session, late)  # "2", then "1": the yes stands
                return Answer(outcome.text, late.ticket_id)
            return _as_it_ended(late)
        if waiting:  # a code of none of theirs, a typo most likely: the ones that wait
            return _which("offer_which", waiting, language)
        # "不接" or a bare "1" is an answer to an offer, never a resident's new problem.
        return None if reply.note else Answer(Text("offer_none", language))
    offer = offers[0]
    act = dispatch.accept if reply.intent == Intent.accept else dispatch.decline
    outcome = act(session, offer)
    return Answer(_unless_told(offer, outcome.text), offer.ticket_id)


def _latest_offer(session: Session, parties: list[Party], code: str | None) -> Offer | None:
    """The offer a late answer refers to: the one with its code, or the last one made."""
    query = select(Offer).where(
        dispatch.offers_of(parties), Offer.created_at >= utcnow() - LATE_ANSWER_WINDOW
    )
    offers = session.scalars(query.order_by(Offer.id.desc()))
    return next((o for o in offers if code is None or o.ticket.code == code), None)


def _as_it_ended(offer: Offer) -> Answer:
    """An answer about an offer no longer open: how it ended."""
    return Answer(_unless_told(offer, dispatch.closed_outcome(offer).text), offer.ticket_id)


# An answer this soon after the offer was closed under the volunteer (taken by another, or
# withdrawn) crossed the notice they were sent then: that notice is the answer, not a second
# text saying the same.
NOTICE_CROSSED = timedelta(minutes=2)


def _unless_told(offer: Offer, text: Text) -> Text | None:
    closed = offer.answered_at
    crossed = offer.status in (OfferStatus.taken, OfferStatus.withdrawn) and (
        closed is not None and closed >= utcnow() - NOTICE_CROSSED
    )
    return None if crossed else text


_SAID_BEFORE: dict[Intent | None, OfferStatus] = {
    Intent.done: OfferStatus.completed,
    Intent.drop: OfferStatus.dropped,
}


def report_progress(session: Session, parties: list[Party], reply: Reply, language: str) -> Answer:
    held = progress.held_offers(session, parties)
    if reply.code is not None:
        held = [o for o in held if o.ticket.code == reply.code]
    if not held:
        # "修好了" and then "完成": the second word is told what the first did.
        late = _latest_offer(session, parties, reply.code)
        if late is not None and _SAID_BEFORE.get(reply.intent) == late.status:
            return _as_it_ended(late)
        units = [p.unit.id for p in parties if p.unit is not None]
        done = recently_done_by(session, units) if reply.intent == Intent.done else None
        if done is not None and reply.code in (None, done.code):  # 已处理 again, escalated
            return Answer(Text("liaison_done", language, {"code": done.code}), done.id)
        return Answer(Text("task_none", language))
    if len(held) > 1:
        return _which("task_which", held, language)
    offer = held[0]
    if reply.intent == Intent.on_the_way:
        text = progress.on_the_way(session, offer)
    elif reply.intent == Intent.done:
        text = progress.done(session, offer, reply.note)
    elif reply.intent == Intent.again:
        text = progress.again(session, offer, reply.note)
    else:
        text = progress.drop(session, offer, reply.note)
    return Answer(text, offer.ticket_id)
