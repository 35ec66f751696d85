"""A volunteer without a smartphone is offered a ticket by a call through Twilio: 1 takes it,
2 declines, and the first to take it still wins. The worker places the call through the real
twilio client against the REST double; the call is walked through the signed voice webhooks."""

from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.tickets.models import TicketStatus
from app.volunteers.models import Offer, OfferStatus, Volunteer
from tests.e2e.street import (
    ELDER,
    FIXER,
    HELPER,
    RESIDENT,
    elder_volunteer,
    latest_code,
    placed_call_sid,
    ticket,
)
from tests.support.call_walker import CallWalker

ZH_DIGITS = "零一二三四五六七八九"


def spelled(digits: str) -> str:
    return " ".join(ZH_DIGITS[int(c)] for c in digits if c.isdigit())


def offer_call(client, code: str) -> CallWalker:
    """王师傅 picks up the offer call the worker placed."""
    call = CallWalker(client, ELDER, sid=placed_call_sid(code))
    call.pick_up(f"https://hotline.example.org/twilio/voice/outbound/offer?ticket={code}")
    return call


def offered(walk, problem: str) -> str:
    """王师傅 joins the street, the resident texts ``problem``, and the offers go out."""
    elder_volunteer()
    walk.text(RESIDENT, problem)
    code = latest_code()
    walk.tick()
    return code


def elders_offer(code: str) -> Offer:
    db.session.expire_all()
    query = select(Offer).join(Volunteer).where(Volunteer.phone == ELDER)
    return db.session.scalars(query.where(Offer.ticket_id == ticket(code).id)).one()


def test_a_volunteer_on_a_landline_is_called_and_takes_the_ticket_with_1(walk, client):
    elder_volunteer()
    walk.text(RESIDENT, "洗衣机坏了，转几下就不动了")
    code = latest_code()
    sent = walk.tick()
    assert sent[ELDER] == ["call"]  # not a text: a landline hears the offer
    assert sent[FIXER] == ["offer"] and sent[HELPER] == ["offer"]

    call = offer_call(client, code)
    assert f"编号 {spelled(code)}" in call.heard and "家电维修" in call.heard
    assert "洗衣机坏了" in call.heard and "接单请按1，不接请按2" in call.heard
    assert "401" not in call.heard  # no exact address before it is taken
    assert call.verb("Gather").attrib["input"] == "dtmf"

    call.press("1")
    assert call.hung_up and "由您负责" in call.heard
    assert "龙溪街道3栋2单元401" in call.heard and "王奶奶" in call.heard
    assert f"电话 {spelled('13800138000')}" in call.heard  # a number one can write down
    assert ticket(code).status == TicketStatus.assigned
    assert ticket(code).assignee.phone == ELDER
    assert elders_offer(code).status == OfferStatus.accepted

    sent = walk.tick()
    assert sent[FIXER] == ["offer_taken"] and sent[HELPER] == ["offer_taken"]
    assert ELDER not in sent  # nothing texted to a landline


def test_the_first_to_accept_wins_even_against_a_key_pressed_later(walk, client):
    code = offered(walk, "电视没图像了")
    call = offer_call(client, code)
    assert "由您负责" in walk.text(FIXER, "1")  # 李师傅 texted first
    call.press("1")
    assert call.hung_up and "已经有人接了" in call.heard and "401" not in call.heard
    assert ticket(code).assignee.phone == FIXER
    assert elders_offer(code).status == OfferStatus.taken


def test_2_declines_and_counts_as_a_decline(walk, client):
    code = offered(walk, "冰箱不制冷")
    call = offer_call(client, code)
    call.press("2")
    assert call.hung_up and "这次不麻烦您了" in call.heard
    assert elders_offer(code).status == OfferStatus.declined
    assert ticket(code).status == TicketStatus.dispatching  # the others still hold offers
    assert db.session.get(Volunteer, elders_offer(code).volunteer_id).declines == 1


def test_an_offer_call_nobody_picks_up_is_no_reply_at_once(walk, client):
    code = offered(walk, "热水器坏了")
    missed = CallWalker(client, ELDER, sid=placed_call_sid(code))
    missed.outbound = True
    for _ in range(2):  # Twilio's retry of the callback changes nothing
        missed.hang_up("no-answer", duration=0)
        assert elders_offer(code).status == OfferStatus.failed
        assert db.session.get(Volunteer, elders_offer(code).volunteer_id).no_replies == 1


def test_silence_three_times_ends_the_call_and_leaves_the_offer_open(walk, client):
    code = offered(walk, "洗衣机漏水")
    call = offer_call(client, code)
    call.silence().silence().silence()
    assert call.hung_up and "请别人帮忙" in call.heard
    assert elders_offer(code).status == OfferStatus.open  # it expires like any unanswered offer
