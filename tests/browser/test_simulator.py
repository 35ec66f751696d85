"""The local phone simulator in headless Chromium, at desk and phone sizes: a texted conversation
that opens at its newest message, a call shown as a transcript (what the line said, the keys
pressed, words spoken), and a survey call the line places, answered from the simulator."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import db
from app.demo import seed
from app.messaging.senders import LocalSender
from app.residents.models import Resident
from app.scheduling.runner import send_outbox_once
from app.surveys import operations as surveys
from app.surveys.models import Rating, Survey
from app.tickets.lifecycle import SYSTEM
from app.tickets.resolution import resolve
from app.volunteers.models import Volunteer
from app.volunteers.staff_dispatch import assign_volunteer
from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import log_in
from tests.support.staff import staff, ticket

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_texts_open_at_the_newest_and_a_call_reads_as_a_transcript(page, committed, clock, size):
    list(seed(db.session))
    staff("desk")
    db.session.remove()
    page.set_viewport_size(DESK if size == "desk" else PHONE)
    log_in(page, "desk")

    page.goto("/dashboard/simulator?phone=13800138000")
    page.fill("input[name=body]", "洗衣机不转了，5栋1单元203")
    page.click("button[data-action=send]")
    for word in ("还在吗", "进度", "帮助", "进度", "谢谢"):
        page.fill("input[name=body]", word)
        page.click("button[data-action=send]")
    conversation = page.locator("#conversation")
    expect(conversation.locator("li.bubble").last).to_be_visible()
    at_bottom = "e => e.scrollTop + e.clientHeight >= e.scrollHeight - 2"
    assert conversation.evaluate("e => e.scrollHeight > e.clientHeight")  # it does scroll
    assert conversation.evaluate(at_bottom)  # and it opened at the newest message
    screenshot(page, f"simulator-texts-{size}")

    page.goto("/dashboard/simulator?phone=13800138009")  # a new number: no open request
    page.click("button[data-action=call]")
    transcript = page.locator("#transcript")
    expect(transcript.locator("li.said").first).to_contain_text("580社区服务热线")
    page.click("button[data-move=silence]")
    expect(transcript.locator("li.caller").last).to_have_text("您没有按键，也没有说话")
    page.fill("#speech-words", "楼道的灯不亮了")
    page.click("button[data-move=say]")
    expect(transcript.locator("li.caller").last).to_contain_text("说：“楼道的灯不亮了”")
    expect(transcript.locator("li.said").last).to_be_visible()
    assert transcript.evaluate(at_bottom)
    assert no_sideways_scroll(page)
    screenshot(page, f"simulator-call-{size}")
    page.click("button[data-move=hangup]")
    expect(transcript.locator("li.ended")).to_have_text("通话已结束")


def test_a_survey_call_is_answered_from_the_simulator(page, app, committed, clock):
    list(seed(db.session))
    staff("desk")
    grandma = db.session.scalars(select(Resident).where(Resident.name == "王奶奶")).one()
    opened = ticket(grandma, "厨房灯不亮")
    electrician = db.session.scalars(select(Volunteer).where(Volunteer.name == "刘电工")).one()
    assign_volunteer(db.session, opened, SYSTEM, electrician)
    resolve(db.session, opened, SYSTEM, "")
    surveys.send_survey(db.session, opened)  # a landline: the line calls to ask
    db.session.commit()
    db.session.remove()
    send_outbox_once(app, LocalSender())  # the worker places the call (nothing leaves locally)
    page.set_viewport_size(PHONE)
    log_in(page, "desk")

    page.goto("/dashboard/simulator?phone=023-61520695")
    survey_call = page.locator(".ringing").last  # after the call that confirmed the request
    expect(survey_call).to_contain_text("580 来电")
    screenshot(page, "simulator-survey-ringing-phone")
    survey_call.locator("button[data-action=answer]").click()
    transcript = page.locator("#transcript")
    expect(transcript.locator("li.said").first).to_contain_text("请对我们的服务进行评价")
    page.click("button[data-move=keys-1]")
    expect(transcript.locator("li.caller")).to_have_text("您按了 1")
    expect(transcript.locator("li.said").last).to_contain_text("感谢您的评价")
    expect(transcript.locator("li.ended")).to_be_visible()
    expect(page.locator(".ringing")).to_have_count(1)  # the confirmation call, still ringing
    assert no_sideways_scroll(page)
    screenshot(page, "simulator-survey-answered-phone")
    survey = db.session.scalars(select(Survey)).one()
    assert survey.rating == Rating.satisfied
