"""Texts found by using the line as residents and volunteers do, each replayed through the signed
SMS webhook: a thumbs-up, Chongqing words, traditional characters, "不用了" before anyone came,
"啷个还没来", a second problem while the first is open, a stray digit, and "修好了" from the
volunteer at the door."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import db
from app.surveys.models import Rating, Survey
from app.tickets.models import Priority, Ticket, TicketStatus
from tests.support.closure import MOBILE, event_kinds, surveyed_ticket
from tests.support.texting import replies, run_jobs, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, only_ticket, texter

PROBLEM = "洗衣机坏了，转几下就不动了"


@pytest.fixture
def street(ctx, clock):
    """A community with a resident in building 3 and three volunteers who fix most things."""
    return f.neighbourhood(skills=("appliance", "plumbing", "electrical"))


def tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def say(client, body: str, sender: str = RESIDENT) -> list[str]:
    return replies(text_line(client, sender, body))


@pytest.mark.parametrize(
    "text",
    [
        "👍",
        "👍👍",
        "🙏",
        "👌😊",
        "巴适",
        "安逸",
        "謝謝",
        "謝謝師傅",
        "好的，謝謝",
        "多謝了",
        "非常满意",
    ],
)
def test_a_thumbs_up_or_thanks_in_any_script_is_not_more_words(client, street, text):
    say(client, PROBLEM)
    assert say(client, text) == []
    [ticket] = tickets()
    assert ticket.description == PROBLEM
    assert event_kinds(ticket)[-1] == "thanks"


@pytest.mark.parametrize("text", ["你好", "在吗？", "喂，有人吗", "您好，请问在吗", "Hello!", "嗨"])
def test_a_greeting_opens_nothing_and_says_how_to_ask(client, street, text):
    [answer] = say(client, text)
    assert "直接发短信描述问题" in answer or "Text us the problem" in answer
    assert tickets() == []
    say(client, PROBLEM)
    [answer] = say(client, text)  # with a request open: how it stands
    [ticket] = tickets()
    assert ticket.code in answer and ticket.description == PROBLEM


def test_a_greeting_with_a_problem_is_a_request(client, street):
    [answer] = say(client, "你好，我家洗衣机坏了")
    assert "已收到您的求助" in answer and len(tickets()) == 1


@pytest.mark.parametrize("text", ["１", "2", "？？", "。。。", "😡"])
def test_a_text_without_words_opens_nothing(client, street, text):
    """A stray digit (a rating sent before any survey), or only marks: nothing to send anyone to."""
    [answer] = say(client, text)
    assert "直接发短信描述问题" in answer  # how to ask for help
    assert tickets() == []


def test_a_stray_digit_is_not_added_to_the_open_ticket(client, street):
    say(client, PROBLEM)
    [answer] = say(client, "１")
    assert "直接发短信描述问题" in answer
    [ticket] = tickets()
    assert ticket.description == PROBLEM


@pytest.mark.parametrize(
    ("text", "category", "urgent"),
    [
        ("煤氣味好大", "other", True),
        ("我媽摔倒起不來了", "elderly", True),
        ("熱水器壞了", "appliance", False),
        ("樓道燈不亮了", "electrical", False),
    ],
)
def test_traditional_characters_are_read_like_simplified(client, street, text, category, urgent):
    [answer] = say(client, text)
    [ticket] = tickets()
    assert ticket.description == text  # the resident's own words are kept
    assert (ticket.priority == Priority.urgent) is urgent
    if urgent:
        assert "119" in answer or "120" in answer
    else:
        assert ticket.category_code == category


def test_status_and_cancel_in_traditional_characters(client, street):
    say(client, PROBLEM)
    [code] = [t.code for t in tickets()]
    assert code in say(client, "進度")[0]
    assert "已撤销" in say(client, "取消")[0]


@pytest.mark.parametrize(
    "text", ["不用了", "不用了，谢谢", "已经修好了", "自己修好了", "莫得事了", "没事了", "不需要了"]
)
def test_no_longer_needed_before_anyone_took_it_withdraws_the_request(client, street, text):
    say(client, PROBLEM)
    [answer] = say(client, text)
    [ticket] = tickets()
    assert ticket.status == TicketStatus.cancelled
    assert ticket.code in answer and "已撤销" in answer
    assert ticket.description == PROBLEM
    assert {o.status for o in offers()} == {"withdrawn"}


@pytest.mark.parametrize("text", ["不用了，洗衣机已经好了", "洗衣机我儿子修好了，不用来了"])
def test_no_longer_needed_naming_the_problem_withdraws_it(client, street, text):
    say(client, PROBLEM)
    [answer] = say(client, text)
    [ticket] = tickets()
    assert ticket.status == TicketStatus.cancelled and ticket.code in answer


def test_of_two_open_requests_the_one_named_fixed_is_withdrawn(client, street, clock):
    say(client, PROBLEM)
    clock.advance(minutes=20)
    say(client, "厨房水管漏水了")
    [answer] = say(client, "不用了，水管已经好了，谢谢")
    washer, pipe = tickets()
    assert (washer.status, pipe.status) == (TicketStatus.dispatching, TicketStatus.cancelled)
    assert pipe.code in answer and washer.code not in answer


def test_fixed_and_another_fault_in_one_text_withdraws_nothing(client, street, clock):
    say(client, PROBLEM)
    clock.advance(minutes=20)
    say(client, "洗衣机已经好了，可是水管又漏了")
    assert TicketStatus.cancelled not in {t.status for t in tickets()}
    assert any("水管又漏了" in t.description for t in tickets())  # heard, not thrown away


def test_a_thing_said_fixed_with_nothing_open_opens_nothing(client, street):
    assert say(client, "不用了，电梯已经好了") == []
    assert tickets() == []


def test_fixed_after_a_volunteer_took_it_is_not_a_withdrawal(client, street):
    """The volunteer may well have fixed it: the resident's words go to the ticket, the volunteer
    still reports it done, and the work counts as handled."""
    say(client, PROBLEM)
    say(client, "1", texter(offers()[0].volunteer_id))
    say(client, "已经修好了")
    [ticket] = tickets()
    assert ticket.status == TicketStatus.assigned
    assert "已经修好了" in ticket.description


def test_no_longer_needed_with_nothing_open_opens_nothing(client, street):
    assert say(client, "不用了") == []
    assert tickets() == []


@pytest.mark.parametrize(
    "text", ["啷个还没来", "怎么还没来？", "咋个还没得人来", "什么时候来", "人呢"]
)
def test_asking_where_the_help_is_gets_the_status(client, street, text):
    say(client, PROBLEM)
    [answer] = say(client, text)
    [ticket] = tickets()
    assert ticket.code in answer and "正在找志愿者" in answer
    assert ticket.description == PROBLEM


@pytest.mark.parametrize("text", ["厨房水管漏水了", "My kitchen light is broken"])
def test_a_different_problem_while_one_is_open_is_a_new_request(client, street, clock, text):
    say(client, PROBLEM)
    clock.advance(minutes=20)
    [answer] = say(client, text)
    first, second = tickets()
    assert first.description == PROBLEM and first.category_code == "appliance"
    assert second.description == text and second.category_code in {"plumbing", "electrical"}
    assert second.code in answer


def test_more_about_the_same_problem_is_still_added(client, street, clock):
    say(client, PROBLEM)
    clock.advance(minutes=20)
    [answer] = say(client, "是海尔的洗衣机，用了十年了")
    [ticket] = tickets()
    assert "补充" in answer and "海尔" in ticket.description


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("修好了", ""),
        ("整好了", ""),
        ("弄好了 换了皮带", "换了皮带"),
        ("搞好了，换了个开关", "换了个开关"),
        ("好了，换了个灯泡，现在亮了", "换了个灯泡,现在亮了"),
        ("已经弄完了", ""),
        ("洗衣机修好了，皮带松了", "洗衣机修好了,皮带松了"),  # what was fixed comes first
    ],
)
def test_a_volunteer_saying_it_is_fixed_reports_it_done(client, street, text, note):
    say(client, PROBLEM)
    helper = texter(offers()[0].volunteer_id)
    say(client, "1", helper)
    [answer] = say(client, text, helper)
    assert "完成" in answer
    ticket = only_ticket()
    assert ticket.status == TicketStatus.resolved
    assert ticket.events[-1].data.get("note", "") == note  # not "了 换了皮带"


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("👍", Rating.satisfied),
        ("整好了，谢谢师傅", Rating.satisfied),
        ("搞定了", Rating.satisfied),
        ("莫得问题", Rating.satisfied),
        ("将就", Rating.basically_satisfied),
        ("还将就", Rating.basically_satisfied),
        ("不得行", Rating.unsatisfied),
        ("还是不得行", Rating.unsatisfied),
        ("莫得修好", Rating.unsatisfied),
        ("没整好，还在响", Rating.unsatisfied),
        ("谢谢你们！", Rating.satisfied),
        ("可以", Rating.basically_satisfied),
    ],
)
def test_chongqing_survey_answers(client, ctx, clock, text, rating):
    ticket = surveyed_ticket(client, clock)[0]
    [answer] = say(client, text, MOBILE)
    db.session.expire_all()
    assert db.session.scalars(select(Survey)).one().rating == rating
    assert ticket.code in answer and "没能看懂" not in answer


@pytest.mark.parametrize(
    ("text", "advice"),
    [("煤氣味好大", "开窗"), ("厨房有煤气味", "开窗"), ("我妈摔倒起不来了", "120")],
)
def test_danger_while_a_request_is_open_still_gets_the_safety_advice(client, street, text, advice):
    say(client, PROBLEM)
    [answer] = say(client, text)
    [ticket] = tickets()
    assert advice in answer and ticket.code in answer
    assert ticket.priority == Priority.urgent


def test_a_vague_request_made_clear_goes_to_those_who_can_do_it(client, street, clock):
    """ "家里有点事" names nothing anyone is asked to fix, so it waits for staff; the next text
    says what it is: the ticket becomes a plumbing one and plumbers are asked at once."""
    say(client, "家里有点事，能来个人吗")
    [ticket] = tickets()
    assert (ticket.category_code, ticket.status) == ("other", TicketStatus.unassigned)
    assert offers() == []
    clock.advance(minutes=5)
    [answer] = say(client, "是厨房水管漏水")
    assert ticket.code in answer
    run_jobs(client.application)
    [ticket] = tickets()
    assert ticket.category_code == "plumbing" and ticket.status == TicketStatus.dispatching
    assert len(offers()) == 3


def test_a_volunteer_who_lost_the_offer_and_says_so_opens_nothing(client, street, clock):
    say(client, PROBLEM)
    first, second = (texter(o.volunteer_id) for o in offers()[:2])
    assert "由您负责" in say(client, "要得，我下午3点过来", first)[0]
    assert say(client, "接", second) == []  # it crossed the notice they were sent
    clock.advance(minutes=3)
    [answer] = say(client, "那我不去了哈", second)
    assert "已有人接单" in answer
    assert len(tickets()) == 1
    # A problem of their own is still a request.
    assert "已收到您的求助" in say(client, "我家楼道灯不亮了", second)[0]
    assert len(tickets()) == 2


@pytest.mark.parametrize("text", ["今天不行，明天上午可以", "这周没空", "下午可以过去"])
def test_a_volunteer_answering_no_offer_hears_none_waits_and_opens_nothing(client, street, text):
    helper = texter(1)
    [answer] = say(client, text, helper)
    assert "没有待回复的派单" in answer
    assert tickets() == []


@pytest.mark.parametrize("text", ["可以帮我找人修一下吗", "麻烦帮忙看看，我可以在家等"])
def test_a_volunteer_asking_for_help_is_still_a_request(client, street, text):
    helper = texter(1)
    [answer] = say(client, text, helper)
    assert "已收到您的求助" in answer
    assert len(tickets()) == 1


def test_a_volunteer_coming_back_tomorrow_records_another_visit(client, street):
    say(client, PROBLEM)
    helper = texter(offers()[0].volunteer_id)
    say(client, "1", helper)
    [answer] = say(client, "今天没修好，零件没带，明天再来", helper)
    assert "需再次上门" in answer
    ticket = only_ticket()
    assert ticket.status == TicketStatus.in_progress and ticket.visits == 1
    assert ticket.events[-1].reason == "今天没修好,零件没带,明天再来"


def test_done_twice_is_told_it_was_recorded(client, street):
    say(client, PROBLEM)
    helper = texter(offers()[0].volunteer_id)
    say(client, "1", helper)
    assert "完成" in say(client, "修好了", helper)[0]
    [answer] = say(client, "完成", helper)
    assert "完成" in answer and "没有进行中" not in answer
    assert only_ticket().status == TicketStatus.resolved


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("不好意思，可以", True),
        ("不好意思，我现在去不了", False),
        ("不好意思", False),
        ("对不起，没空", False),
    ],
)
def test_sorry_opens_a_yes_as_often_as_a_no(client, street, text, accepted):
    say(client, PROBLEM)
    helper = texter(offers()[0].volunteer_id)
    [answer] = say(client, text, helper)
    assert ("由您负责" in answer) is accepted
    assert (only_ticket().assignee_id is not None) is accepted


@pytest.mark.parametrize(
    "correction", ["1", "不好意思刚才按错了，我可以去", "sorry wrong button, I can go"]
)
def test_a_no_taken_back_while_the_ticket_waits_is_a_yes(client, street, correction):
    say(client, PROBLEM)
    offer = offers()[0]
    helper = texter(offer.volunteer_id)
    assert "不接" in say(client, "2", helper)[0]
    [answer] = say(client, correction, helper)
    assert "由您负责" in answer
    ticket = only_ticket()
    assert ticket.assignee_id == offer.volunteer_id
    assert ticket.status == TicketStatus.assigned


def test_a_no_taken_back_after_another_took_it_hears_it_is_taken(client, street):
    say(client, PROBLEM)
    first, second = (texter(o.volunteer_id) for o in offers()[:2])
    say(client, "2", first)
    assert "由您负责" in say(client, "1", second)[0]
    [answer] = say(client, "按错了，我可以去", first)
    assert "已有人接单" in answer
    assert only_ticket().assignee_id == offers()[1].volunteer_id


def test_a_correction_to_no_stays_no(client, street):
    say(client, PROBLEM)
    helper = texter(offers()[0].volunteer_id)
    say(client, "2", helper)
    assert "不接" in say(client, "刚才发错了，去不了", helper)[0]
    assert only_ticket().assignee_id is None
