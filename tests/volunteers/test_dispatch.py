"""From a resident's text to a volunteer at the door: offers, waves, answers, progress reports."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import db
from app.messaging.models import Message, MessageStatus
from app.messaging.optouts import opt_out
from app.residents.models import Resident
from app.scheduling.runner import run_sweeps_once
from app.tickets.lifecycle import SYSTEM, Move, transition
from app.tickets.models import ActorKind, Priority, Ticket, TicketStatus
from app.volunteers.models import OfferStatus, Volunteer
from tests.support.texting import post_signed, replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, only_ticket, sent_to, texter


@pytest.fixture
def street(ctx, clock):
    """A community with a resident in building 3 and five appliance volunteers."""
    home = f.community()
    f.resident(home)
    for n in range(1, 6):
        f.volunteer(n, home)
    return home


def report(client) -> str:
    return replies(text_line(client, RESIDENT, "洗衣机坏了，转几下就不动了"))[0]


def sweep(app) -> None:
    run_sweeps_once(app, "test-holder")
    db.session.expire_all()


def test_a_new_ticket_is_offered_to_three_volunteers_without_revealing_the_resident(client, street):
    report(client)
    ticket = only_ticket()
    assert ticket.status == TicketStatus.dispatching
    first_wave = offers()
    assert len(first_wave) == 3 and {o.wave for o in first_wave} == {1}
    for offer in first_wave:
        [sms] = sent_to(offer.volunteer.phone, "offer")
        assert ticket.code in sms.body and "家电维修" in sms.body and "3栋" in sms.body
        assert f"https://hotline.example.org/o/{offer.token}" in sms.body
        assert "401" not in sms.body.replace(ticket.code, "") and RESIDENT not in sms.body
        assert sms.segments <= 2 and offer.message_id == sms.id
        assert offer.reasons["proximity"] == "community" and offer.score > 200
        assert len(offer.token) >= 16  # 12 random bytes: 96 bits
    kinds = [e.kind for e in ticket.events]
    assert kinds == ["received", "dispatch", "offers_sent"]


def test_links_can_be_switched_off(client, street, app, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_LINKS_ENABLED", False)
    report(client)
    assert all("/o/" not in m.body for m in db.session.scalars(select(Message)))


def test_accepting_by_sms_gives_the_details_and_tells_the_others(client, street, clock):
    report(client)
    winner, *others = offers()
    [reply] = replies(text_line(client, texter(winner.volunteer_id), "1"))
    assert "王奶奶" in reply and "401" in reply
    assert "电话138 0013 8000" in reply  # as a phone dials it, not +86...
    assert "洗衣机坏了，转几下就不动了" in reply  # the problem in the resident's words
    db.session.expire_all()
    ticket = only_ticket()
    assert ticket.status == TicketStatus.assigned and ticket.assignee_id == winner.volunteer_id
    assign = ticket.events[-1]
    assert assign.kind == "assign" and assign.actor_kind == ActorKind.volunteer
    for offer in others:
        assert offer.status == OfferStatus.taken
        assert sent_to(offer.volunteer.phone, "offer_taken")
    # An answer that crossed the notice gets no second text; a later one is told again.
    assert replies(text_line(client, texter(others[0].volunteer_id), "接单")) == []
    assert len(sent_to(others[0].volunteer.phone, "offer_taken")) == 1
    clock.advance(minutes=3)
    late = replies(text_line(client, texter(others[0].volunteer_id), "接单"))[0]
    assert "已有人接单" in late
    assert db.session.get(Volunteer, winner.volunteer_id).active_tasks == 1


def test_a_chongqing_yes_takes_the_offer(client, street):
    """Found by texting as a volunteer: "要得 <code>" got the help text instead of the job."""
    report(client)
    winner = offers()[0]
    code = only_ticket().code
    [reply] = replies(text_line(client, texter(winner.volunteer_id), f"要得 {code}"))
    assert f"求助{code}由您负责" in reply


def test_the_details_never_leave_an_empty_slot(client, ctx, clock):
    """A resident known by building only, with no name or address: the assignment names the
    community and building instead of "王奶奶，，电话…"."""
    home = f.community()
    f.volunteer(1, home)
    db.session.add(Resident(phone="+86" + RESIDENT, community_id=home.id, building="5栋"))
    db.session.commit()
    report(client)
    [offer] = offers()
    [reply] = replies(text_line(client, texter(offer.volunteer_id), "1"))
    assert "，，" not in reply
    assert f"居民，{home.name}5栋，电话138 0013 8000" in reply


def test_waves_expire_and_advance_then_staff_are_told(client, street, clock, app):
    for n in range(6, 11):
        f.volunteer(n, street)
    report(client)
    assert len(offers()) == 3
    sweep(app)
    assert len(offers()) == 3  # nothing is due yet
    clock.advance(minutes=15)
    sweep(app)
    sweep(app)  # running twice changes nothing more
    assert [o.wave for o in offers()] == [1, 1, 1, 2, 2, 2]
    assert all(o.status == OfferStatus.expired for o in offers()[:3])
    assert db.session.get(Volunteer, offers()[0].volunteer_id).no_replies == 1
    clock.advance(minutes=15)
    sweep(app)
    assert [o.wave for o in offers()] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    clock.advance(minutes=15)
    sweep(app)
    ticket = only_ticket()
    assert ticket.status == TicketStatus.unassigned
    [staff] = sent_to("+8613900002001", "staff_no_taker")
    assert ticket.code in staff.body
    sweep(app)
    assert len(sent_to("+8613900002001", "staff_no_taker")) == 1  # told once


def test_urgent_offers_expire_sooner(client, street, clock, app):
    replies(text_line(client, RESIDENT, "洗衣机冒烟了"))
    ticket = only_ticket()
    assert ticket.priority == Priority.urgent
    clock.advance(minutes=5)
    sweep(app)
    assert [o.wave for o in offers()] == [1, 1, 1, 2, 2]


def test_a_decline_asks_the_next_candidate_at_once(client, street):
    report(client)
    first = offers()[0]
    reply = replies(text_line(client, texter(first.volunteer_id), "不行，今天没空"))[0]
    assert "不接" in reply
    db.session.expire_all()
    assert [o.status for o in offers()] == [OfferStatus.declined] + [OfferStatus.open] * 3
    assert db.session.get(Volunteer, first.volunteer_id).declines == 1


def test_a_failed_offer_sms_counts_as_no_reply_and_moves_on(client, street):
    report(client)
    first = offers()[0]
    message = db.session.get(Message, first.message_id)
    message.provider_sid = "SM" + "f" * 32
    db.session.commit()
    form = {"MessageSid": message.provider_sid, "MessageStatus": "undelivered"}
    assert post_signed(client, "/twilio/status/sms", form).status_code == 204
    db.session.expire_all()
    assert offers()[0].status == OfferStatus.failed
    assert len(offers()) == 4 and offers()[3].status == OfferStatus.open
    assert db.session.get(Volunteer, first.volunteer_id).no_replies == 1


def test_a_failure_the_worker_saw_is_caught_by_the_sweep(client, street, app):
    report(client)
    first = offers()[0]
    db.session.get(Message, first.message_id).status = MessageStatus.failed
    db.session.commit()
    sweep(app)
    assert offers()[0].status == OfferStatus.failed and len(offers()) == 4


def test_several_open_offers_and_no_code_get_a_question(client, street):
    report(client)
    f.resident(street, phone="13800138001", building="5栋")  # not a repeat of the first
    replies(text_line(client, "13800138001", "电视没有画面"))
    db.session.expire_all()
    both = [o for o in offers() if o.volunteer_id == 1]
    assert len(both) == 2
    question = replies(text_line(client, texter(1), "yes I can come at 3"))[0]
    codes = {o.ticket.code for o in both}
    assert all(code in question for code in codes)
    db.session.expire_all()
    assert all(o.status == OfferStatus.open for o in offers() if o.volunteer_id == 1)
    chosen = both[1].ticket.code
    reply = replies(text_line(client, texter(1), f"[accept] {chosen}"))[0]
    assert chosen in reply
    db.session.expire_all()
    assert both[1].ticket.assignee_id == 1 and both[0].ticket.assignee_id is None


def test_a_code_of_none_of_theirs_names_the_offers_waiting(client, street):
    """ "1 999999" while an offer for another ticket waits (a typo?): neither taken nor "no
    offer waiting", but the codes that are."""
    report(client)
    winner = offers()[0]
    code = only_ticket().code
    typo = "999999" if code != "999999" else "999998"
    [answer] = replies(text_line(client, texter(winner.volunteer_id), f"1 {typo}"))
    assert code in answer and "没有待回复" not in answer
    db.session.expire_all()
    assert only_ticket().assignee_id is None


def test_progress_words_done_again_drop(client, street, app):
    report(client)
    winner = offers()[0]
    phone = texter(winner.volunteer_id)
    text_line(client, phone, "1")
    assert "前往" in replies(text_line(client, phone, "出发"))[0]
    assert "第" not in replies(text_line(client, phone, "AGAIN need a new belt"))[0]
    db.session.expire_all()
    ticket = only_ticket()
    assert ticket.status == TicketStatus.in_progress and ticket.visits == 1
    assert "完成" in replies(text_line(client, phone, f"完成 {ticket.code} 换了皮带"))[0]
    db.session.expire_all()
    ticket = only_ticket()
    assert ticket.status == TicketStatus.resolved and ticket.visits == 2
    assert ticket.events[-1].data["note"] == "换了皮带"
    [done] = sent_to("+86" + RESIDENT, "resident_done")
    assert done.status == MessageStatus.queued
    volunteer = db.session.get(Volunteer, winner.volunteer_id)
    assert (volunteer.completions, volunteer.active_tasks) == (1, 0)
    # Done again: told it was recorded; nothing is counted twice.
    assert f"求助{ticket.code}完成" in replies(text_line(client, phone, "DONE"))[0]
    db.session.expire_all()
    assert (volunteer.completions, volunteer.active_tasks) == (1, 0)
    assert "没有进行中" in replies(text_line(client, phone, "出发"))[0]
    # A late "1" on the task they finished: it is done, not an expired offer.
    [late] = replies(text_line(client, phone, "1"))
    assert f"求助{ticket.code}完成" in late and "过期" not in late


def test_done_for_a_landline_resident_texts_nobody(client, ctx, clock):
    home = f.community()
    f.volunteer(1, home)
    landline = f.resident(home, phone="2361520695")
    landline.phone_kind = "landline"
    db.session.commit()
    text_line(client, "023-61520695", "洗衣机坏了")
    text_line(client, texter(1), "1")
    text_line(client, texter(1), "DONE")
    [message] = sent_to("+862361520695", "resident_done")
    assert message.status == MessageStatus.suppressed


def test_drop_gives_it_back_and_dispatch_restarts_with_others(client, street):
    report(client)
    winner = offers()[0]
    text_line(client, texter(winner.volunteer_id), "Y")
    assert "另找" in replies(text_line(client, texter(winner.volunteer_id), "放弃"))[0]
    db.session.expire_all()
    ticket = only_ticket()
    assert ticket.status == TicketStatus.dispatching and ticket.assignee_id is None
    second_round = [o for o in offers() if o.round == 2]
    # A new round: anyone may be asked again (a full wave of three) except the dropper.
    assert len(second_round) == 3
    assert winner.volunteer_id not in {o.volunteer_id for o in second_round}
    volunteer = db.session.get(Volunteer, winner.volunteer_id)
    assert (volunteer.drops, volunteer.active_tasks) == (1, 0)
    assert offers()[0].status == OfferStatus.dropped
    [late] = replies(text_line(client, texter(winner.volunteer_id), f"1 {ticket.code}"))
    assert f"已退回求助{ticket.code}" in late and "过期" not in late  # theirs, given back


def test_pause_and_resume(client, street):
    assert "暂停" in replies(text_line(client, texter(1), "暂停"))[0]
    assert db.session.get(Volunteer, 1).paused_at is not None
    report(client)
    assert 1 not in {o.volunteer_id for o in offers()}
    assert "恢复" in replies(text_line(client, texter(1), "RESUME"))[0]
    db.session.expire_all()
    assert db.session.get(Volunteer, 1).paused_at is None


def test_a_volunteer_with_nothing_open_is_treated_as_a_resident(client, street):
    reply = replies(text_line(client, texter(2), "楼道灯不亮了"))[0]
    assert "已收到" in reply
    assert only_ticket().resident.phone == f.phone_of(2)


@pytest.mark.parametrize("answer", ["1", "2", "不接", "没空", "可以", "好"])
def test_an_answer_with_no_offer_waiting_says_so_and_opens_nothing(client, street, answer):
    """Found by texting as a volunteer: "不接" with nothing on offer opened a ticket at the
    volunteer's own number and asked for their address."""
    [reply] = replies(text_line(client, texter(2), answer))
    assert "没有待回复的派单" in reply
    assert db.session.scalars(select(Ticket)).all() == []


def test_a_unit_gets_its_category_without_waves_and_replies_alike(client, street, clock, app):
    liaison = f.unit().id
    replies(text_line(client, RESIDENT, "楼下垃圾堆放好几天了"))
    [offer] = offers()
    assert offer.unit_id == liaison and offer.volunteer_id is None and offer.expires_at is None
    assert sent_to("+8613900000009", "offer")
    clock.advance(hours=2)
    sweep(app)
    assert len(offers()) == 1
    assert "由您负责" in replies(text_line(client, "13900000009", "接"))[0]
    db.session.expire_all()
    ticket = only_ticket()
    assert ticket.status == TicketStatus.assigned and ticket.unit_id == liaison
    assert ticket.events[-1].actor_kind == ActorKind.unit
    text_line(client, "13900000009", "完成")
    db.session.expire_all()
    assert only_ticket().status == TicketStatus.resolved


def test_tickets_given_back_elsewhere_are_dispatched_by_the_sweep(client, street, app):
    report(client)
    text_line(client, texter(offers()[0].volunteer_id), "1")
    db.session.expire_all()
    ticket = only_ticket()
    # Another feature (e.g. staff) hands it back: it only moves the ticket.
    transition(ticket, Move.release, SYSTEM)
    ticket.assignee_id = None
    db.session.commit()
    sweep(app)
    assert only_ticket().status == TicketStatus.dispatching
    assert {o.round for o in offers()} == {1, 2}


def test_opted_out_volunteers_are_not_asked(client, street):
    opt_out(db.session, f.phone_of(1), "keyword")
    db.session.commit()
    report(client)
    assert 1 not in {o.volunteer_id for o in offers()}
