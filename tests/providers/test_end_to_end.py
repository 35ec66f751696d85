"""Issue 15's "done means", for each gateway, through its real SDK against the local double: a
resident's text pushed in, the ticket, the offer out as a registered template, the volunteer's
"1" pushed back, DONE, the survey out, the rating back, the delivery report applied; and the
landline resident's survey by voice call with its result callback."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.clock import utcnow
from app.db import db
from app.messaging.models import Direction, Message, MessageStatus
from app.providers.gateway import national
from app.surveys.models import Rating, Survey, SurveyChannel
from app.tickets.models import TicketStatus
from tests.e2e.street import FIXER, HELPER, LANDLINE, RESIDENT, build_street, latest_code, ticket
from tests.support.closure import landline_done


def outbound(phone: str, template: str) -> Message:
    query = select(Message).where(
        Message.direction == Direction.outbound,
        Message.peer == phone,
        Message.template == template,
    )
    message = db.session.scalars(query.order_by(Message.id.desc())).first()
    assert message is not None, f"no {template} to {phone}"
    return message


def number(gateway, phone: str) -> str:
    """How each API wants a mobile: Alibaba Cloud 11 digits, Tencent E.164."""
    return national(phone) if gateway.provider == "aliyun" else phone


def test_a_request_goes_round_the_whole_loop_by_reply_words_alone(gateway, clock):
    build_street()

    # The resident's text arrives as the gateway's push; the answer is a registered template.
    assert gateway.text_in(RESIDENT, "洗衣机坏了，转几下就不动了").status_code == 200
    code = latest_code()
    assert ticket(code).status in (TicketStatus.new, TicketStatus.dispatching)
    sent = gateway.tick()
    assert (number(gateway, RESIDENT), "ticket_created") in sent
    assert (number(gateway, FIXER), "offer") in sent and (number(gateway, HELPER), "offer") in sent

    # What the SDK put on the wire: sign name, template code, the values, no link anywhere.
    offers = [r.params for r in gateway.double.received if r.action == "SendSms"]
    offer = next(
        p for p in offers if gateway.names[p.get("TemplateCode") or p.get("TemplateId")] == "offer"
    )
    values = json.loads(offer["TemplateParam"]) if gateway.provider == "aliyun" else None
    wire = json.dumps(offer, ensure_ascii=False)
    assert "http" not in wire and "/o/" not in wire
    if values is not None:
        assert values["code"] == code
        assert set(values) == set(gateway.registry.params("offer", "zh", {}))
        assert offer["SignName"] == "580热线"
    else:
        assert offer["TemplateParamSet"][0] == code and offer["SignName"] == "580热线"

    # 李师傅 texts back "1": he is assigned, the other volunteer is told it is taken.
    gateway.text_in(FIXER, f"1 {code}")
    assert ticket(code).status == TicketStatus.assigned
    sent = gateway.tick()
    assert (number(gateway, FIXER), "offer_won") in sent
    assert (number(gateway, HELPER), "offer_taken") in sent

    # The delivery report for his offer reaches the outbox row.
    won = outbound(FIXER, "offer_won")
    assert won.status == MessageStatus.sent and won.provider_sid
    assert gateway.report(won.provider_sid, FIXER).status_code == 200
    db.session.expire_all()
    assert db.session.get(Message, won.id).status == MessageStatus.delivered

    # DONE, then the survey an hour later, answered "1" through the push.
    gateway.text_in(FIXER, "完成")
    assert ticket(code).status == TicketStatus.resolved
    gateway.tick()
    clock.advance(minutes=61)
    assert (number(gateway, RESIDENT), "survey") in gateway.tick()
    gateway.text_in(RESIDENT, "1")
    assert ticket(code).status == TicketStatus.closed
    survey = db.session.scalars(select(Survey).where(Survey.ticket_id == ticket(code).id)).one()
    assert survey.rating == Rating.satisfied
    assert (number(gateway, RESIDENT), "survey_thanks") in gateway.tick()
    assert gateway.double.bad_signatures == 0


def test_a_repeated_push_is_stored_once(gateway):
    build_street()
    for _ in range(2):
        assert gateway.text_in(RESIDENT, "灯不亮了", sequence=4242).status_code == 200
    inbound = (
        select(func.count()).select_from(Message).where(Message.direction == Direction.inbound)
    )
    assert db.session.scalar(inbound) == 1


def test_a_wrong_secret_is_refused_and_nothing_is_stored(gateway):
    build_street()
    kind = "sms-up" if gateway.provider == "aliyun" else "sms-reply"
    body = [{"phone_number": "13800138000", "content": "灯不亮了", "sequence_id": 1}]
    assert gateway.post(kind, body, secret="wrong-secret-0000000000").status_code == 403
    assert gateway.post(kind, body, secret="").status_code in (403, 404, 405)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_the_landline_resident_is_surveyed_by_voice_call_and_the_key_is_the_answer(gateway, clock):
    code = landline_done(clock).code
    sent = gateway.tick()
    calls = [(to, name) for to, name in sent if name == "survey"]
    expected = national(LANDLINE) if gateway.provider == "aliyun" else LANDLINE
    assert calls == [(expected, "survey")]
    # Besides the survey, only "the volunteer is coming", queued when the volunteer took it.
    others = [name for to, name in sent if to in (expected, LANDLINE) and name != "survey"]
    assert others == ["coming"]
    [call_id] = placed_call_ids()
    gateway.call_result(call_id, LANDLINE, keys="3")
    db.session.expire_all()
    survey = db.session.scalars(select(Survey).where(Survey.ticket_id == ticket(code).id)).one()
    assert survey.channel == SurveyChannel.voice
    assert survey.rating == Rating.unsatisfied
    # The result pushed again changes nothing.
    gateway.call_result(call_id, LANDLINE, keys="1")
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).rating == Rating.unsatisfied
    assert utcnow()


def test_an_unanswered_survey_call_is_placed_once_more_and_that_answer_counts(gateway, clock):
    code = landline_done(clock).code
    gateway.tick()
    first = placed_call_ids()
    gateway.call_result(first[-1], LANDLINE, keys="", answered=False)
    clock.advance(minutes=31)
    assert [name for _, name in gateway.tick()] == ["survey"]
    second = placed_call_ids()
    assert len(second) == 2
    gateway.call_result(second[-1], LANDLINE, keys="2")
    survey = db.session.scalars(select(Survey).where(Survey.ticket_id == ticket(code).id)).one()
    assert survey.rating == Rating.basically_satisfied


def placed_call_ids() -> list[str]:
    """The survey calls placed to the landline, oldest first."""
    db.session.expire_all()
    query = select(Message.provider_sid).where(
        Message.peer == LANDLINE,
        Message.kind == "call",
        Message.provider_sid.is_not(None),
        Message.callback_url.contains("/outbound/survey"),
    )
    return list(db.session.scalars(query.order_by(Message.id)))
