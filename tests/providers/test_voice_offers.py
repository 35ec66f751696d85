"""Voice offers and notices through each domestic gateway's voice API (Alibaba Cloud IvrCall and
SingleCallByTts, Tencent Cloud SendTtsVoice), through the real SDK against the local double: the
volunteer on a landline hears the registered offer prompt, the key comes back in the gateway's
call result, and the first to take it still wins; the one who got it is called again with the
details; a landline resident hears that the volunteer is coming."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.db import db
from app.messaging.models import Message, MessageKind
from app.providers.gateway import national
from app.tickets.models import TicketStatus
from app.volunteers.models import Offer, OfferStatus, Volunteer
from tests.e2e.street import (
    ELDER,
    FIXER,
    LANDLINE,
    RESIDENT,
    build_street,
    elder_volunteer,
    latest_code,
    ticket,
)
from tests.support.closure import landline_done


def number(gateway, phone: str) -> str:
    return national(phone) if gateway.provider == "aliyun" else phone


def call_request(gateway, name: str) -> dict:
    """The newest voice request the double accepted for the registered prompt ``name``."""
    for received in reversed(gateway.double.received):
        params = received.params
        code = params.get("StartCode") or params.get("TtsCode") or params.get("TemplateId")
        if received.action != "SendSms" and gateway.names.get(code) == name:
            return params
    raise AssertionError(f"no {name} call")


def prompt_values(gateway, params: dict) -> list[str]:
    """The values the prompt reads, in the registered order."""
    if gateway.provider == "tencent":
        return params["TemplateParamSet"]
    raw = params.get("StartTtsParams") or params.get("TtsParam")
    return list(json.loads(raw).values())


def call_id(code: str, phone: str) -> str:
    db.session.expire_all()
    query = select(Message.provider_sid).where(
        Message.ticket_id == ticket(code).id,
        Message.kind == MessageKind.call,
        Message.peer == phone,
    )
    sid = db.session.scalars(query.order_by(Message.id.desc())).first()
    assert sid
    return sid


def elders_offer(code: str) -> Offer:
    db.session.expire_all()
    query = select(Offer).join(Volunteer).where(Volunteer.phone == ELDER)
    return db.session.scalars(query.where(Offer.ticket_id == ticket(code).id)).one()


def offered(gateway) -> str:
    build_street()
    elder_volunteer()
    gateway.text_in(RESIDENT, "洗衣机坏了，转几下就不动了")
    code = latest_code()
    sent = gateway.tick()
    assert (number(gateway, ELDER), "offer") in sent
    assert (number(gateway, FIXER), "offer") in sent  # the others by text, as ever
    return code


def test_the_offer_prompt_carries_the_ticket_and_collects_1_or_2(gateway):
    code = offered(gateway)
    params = call_request(gateway, "offer")
    assert params["CalledNumber"] == number(gateway, ELDER)
    values = prompt_values(gateway, params)
    assert values[0] == code and values[1] == "家电维修" and "洗衣机坏了" in values[3]
    # no exact address before it is taken (the random code itself may hold "401")
    assert not any("401" in v.replace(code, "") for v in values)
    if gateway.provider == "aliyun":
        keys = {params[f"MenuKeyMap.{n}.Key"]: params[f"MenuKeyMap.{n}.Code"] for n in (1, 2)}
        assert {key: gateway.names[code] for key, code in keys.items()} == {
            "1": "offer_heard",
            "2": "offer_heard",
        }
    assert gateway.double.bad_signatures == 0


def test_1_in_the_call_result_takes_the_ticket_and_the_winner_hears_the_details(gateway):
    code = offered(gateway)
    gateway.call_result(call_id(code, ELDER), ELDER, keys="1")
    assert ticket(code).status == TicketStatus.assigned
    assert ticket(code).assignee.phone == ELDER

    sent = gateway.tick()
    assert (number(gateway, ELDER), "offer_won") in sent
    assert (number(gateway, FIXER), "offer_taken") in sent
    assert not [name for to, name in sent if to == number(gateway, ELDER) and name != "offer_won"]
    won = prompt_values(gateway, call_request(gateway, "offer_won"))
    assert won[0] == code and "王奶奶" in won and "龙溪街道3栋2单元401" in won
    # The result pushed again (the gateway retries) changes nothing.
    gateway.call_result(call_id(code, ELDER), ELDER, keys="1")
    assert [name for _, name in gateway.tick()] == []


def test_the_first_to_accept_wins_over_a_key_reported_later(gateway):
    code = offered(gateway)
    gateway.text_in(FIXER, f"1 {code}")
    gateway.call_result(call_id(code, ELDER), ELDER, keys="1")
    assert ticket(code).assignee.phone == FIXER
    assert elders_offer(code).status == OfferStatus.taken
    assert "offer_won" not in [name for to, name in gateway.tick() if to == number(gateway, ELDER)]


def test_2_in_the_call_result_declines(gateway):
    code = offered(gateway)
    gateway.call_result(call_id(code, ELDER), ELDER, keys="2")
    assert elders_offer(code).status == OfferStatus.declined
    assert ticket(code).status == TicketStatus.dispatching  # the others still hold offers
    assert db.session.get(Volunteer, elders_offer(code).volunteer_id).declines == 1


def test_an_offer_call_nobody_answers_is_no_reply_at_once(gateway):
    code = offered(gateway)
    gateway.call_result(call_id(code, ELDER), ELDER, keys="", answered=False)
    assert elders_offer(code).status == OfferStatus.failed
    assert db.session.get(Volunteer, elders_offer(code).volunteer_id).no_replies == 1


def test_a_landline_resident_hears_that_the_volunteer_is_coming(gateway, clock):
    code = landline_done(clock).code
    gateway.tick()
    params = call_request(gateway, "coming")
    assert params["CalledNumber"] == number(gateway, LANDLINE)
    assert prompt_values(gateway, params) == [code, ticket(code).assignee.name]
    if gateway.provider == "aliyun":
        assert "TtsCode" in params and not any(k.startswith("MenuKeyMap") for k in params)
