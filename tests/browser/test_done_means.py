"""Issue 6's "done means", tried as a new user would in headless Chromium: the demo admin logs in,
a resident's text appears in the queue without a reload, it is offered to a volunteer, the
volunteer (played in the simulator) accepts by the offer link and texts DONE, the survey goes out
after the delay (the worker's sweeps under the shared frozen clock), the resident answers by
SMS, the ticket is closed and the reports page counts it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from app.db import db
from app.demo import seed
from app.scheduling.runner import run_sweeps_once
from tests.browser.conftest import screenshot
from tests.support.texting import text_line

pytestmark = pytest.mark.browser

RESIDENT = "13800138000"  # 李大爷, Longxi building 5, in the demo data
VOLUNTEER = "13900001001"  # 张师傅, appliances, Longxi


def figures(page) -> list[str]:
    page.goto("/dashboard/reports")
    return page.locator("table.figures tr").nth(1).locator("td").all_inner_texts()


def send(page, phone: str, body: str) -> None:
    page.goto(f"/dashboard/simulator?phone={phone}")
    page.fill("input[name=body]", body)
    page.click("button[data-action=send]")


@pytest.mark.slow
def test_a_texted_request_goes_round_the_whole_loop(page, app, committed, clock):
    lines = list(seed(db.session))
    db.session.commit()
    db.session.remove()
    [admin] = [line for line in lines if line.startswith("demo admin:")]
    username, password = re.fullmatch(r"demo admin: (\S+) / (\S+)", admin).groups()

    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("#queue-empty")).to_contain_text("没有待办工单")
    before = figures(page)
    page.click("nav >> text=工单队列")

    # A resident texts the line (a signed POST, as Twilio would): the row appears by polling.
    assert text_line(app.test_client(), RESIDENT, "洗衣机坏了，转几下就不动了").status_code == 200
    row = page.locator("#queue-rows tr[data-code]")
    expect(row).to_have_count(1)
    code = row.get_attribute("data-code")
    screenshot(page, "done-1-queue")

    # Dispatched at once: the offer to the volunteer is on the timeline with its reasons.
    row.locator("a").click()
    expect(page.locator("h1 .pill")).to_have_text("正在找志愿者")
    offer = page.locator("ol.timeline li.offer", has_text="张师傅")
    expect(offer).to_contain_text("同一社区")
    screenshot(page, "done-2-ticket-dispatching")

    # The volunteer's phone: the offer text with its link; the link's page takes the task.
    page.goto(f"/dashboard/simulator?phone={VOLUNTEER}")
    link = page.locator(".bubble.out a", has_text="/o/").first
    expect(link).to_be_visible()
    screenshot(page, "done-3-simulator-volunteer")
    page.goto(urlsplit(link.get_attribute("href")).path)  # the public host is not this server
    page.click("button[value=accept]")
    expect(page.locator("body")).to_contain_text("李大爷")
    screenshot(page, "done-4-offer-accepted")
    send(page, VOLUNTEER, f"完成 {code} 换了排水泵")
    expect(page.locator(".bubble.in").last).to_contain_text("完成")

    page.goto(f"/dashboard/tickets/{code}")
    expect(page.locator("h1 .pill")).to_have_text("已办结待评价")
    expect(page.locator("ol.timeline")).to_contain_text("换了排水泵")

    # An hour later the worker's sweeps send the survey; the resident answers 1 (满意).
    clock.advance(minutes=61)
    run_sweeps_once(app, "browser-test")
    page.goto(f"/dashboard/simulator?phone={RESIDENT}")
    expect(page.locator(".bubble.out").last).to_contain_text(code)
    send(page, RESIDENT, "1 师傅很好")
    expect(page.locator(".bubble.out").last).to_contain_text("谢谢")
    screenshot(page, "done-5-simulator-resident-survey")

    page.goto(f"/dashboard/tickets/{code}")
    expect(page.locator("h1 .pill")).to_have_text("已关闭")
    survey = page.locator("ol.timeline li.survey")
    expect(survey).to_contain_text("满意")
    expect(survey).to_contain_text("师傅很好")
    screenshot(page, "done-6-ticket-closed")

    # The report counts it: received (none merged or cancelled), handled, on time, satisfied,
    # 100%.
    after = figures(page)
    screenshot(page, "done-7-reports")
    assert before[:3] == ["0", "0", "0"]
    # received, merged, cancelled, handled, on time, late, no deadline, on-time rate
    assert after[:8] == ["1", "0", "0", "1", "1", "0", "0", "100.0%"] and after[8] == "1"
    assert after[13] == "100.0%"
