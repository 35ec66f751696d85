"""The pages added for issue 6 in headless Chromium: a call walked with the simulator's keypad,
the call-backs list worked off, the volunteers roster with its import page, the duty roster."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.db import db
from app.demo import seed
from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import log_in
from tests.support.staff import staff

pytestmark = pytest.mark.browser


def test_a_call_walked_on_the_keypad_then_called_back(page, committed, clock):
    list(seed(db.session))
    staff("desk")  # the demo admin's password is random; a known one for this test
    db.session.remove()
    log_in(page, "desk")

    page.goto("/dashboard/simulator?phone=13800138000")
    page.click("button[data-action=call]")
    expect(page.locator("ol.transcript li.said")).to_contain_text("For English, press 9")
    page.click("button[data-move=silence]")
    expect(page.locator("ol.transcript li.caller")).to_contain_text("没有按键，也没有说话")
    expect(page.locator("ol.transcript li.said").last).to_contain_text("家电维修")
    page.click("button[data-move=keys-1]")
    screenshot(page, "simulator-call")
    page.click("button[data-move=record]")
    expect(page.locator(".ticket-made a")).to_be_visible()
    code = page.locator(".ticket-made a").inner_text()
    page.click(".ticket-made a")
    expect(page.locator("h1")).to_contain_text(code)
    expect(page.locator("ol.timeline li.call audio")).to_have_count(1)
    expect(page.locator("ol.timeline li.call")).to_contain_text("已登记工单")

    page.goto("/dashboard/simulator?phone=13800138001")  # another caller hangs up at once
    page.click("button[data-action=call]")
    page.click("button[data-move=hangup]")
    expect(page.locator("ol.transcript li.ended")).to_be_visible()

    page.click("nav >> text=回电")
    missed = page.locator("table.missed tr[data-call]")
    expect(missed).to_have_count(1)
    expect(missed).to_contain_text("138 0013 8001")
    screenshot(page, "callbacks")
    missed.locator("input[name=note]").fill("已回电，居民说没事了")
    missed.locator("button[data-action=called-back]").click()
    expect(page.locator("table.missed tr[data-call]")).to_have_count(0)


def test_the_volunteers_roster_import_and_duty_roster(page, committed, clock):
    list(seed(db.session))
    staff("desk")
    db.session.remove()
    log_in(page, "desk")

    page.click("nav >> text=志愿者")
    expect(page.locator("td.reliability").first).to_have_text("50%")
    screenshot(page, "volunteers")
    page.click("text=导入志愿者")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "bad.csv",
                "mimeType": "text/csv",
                "buffer": "name,phone,community,skills\n<b>坏</b>,12,longxi,appliance\n".encode(),
            }
        ],
    )
    page.click("button[data-action=import]")
    expect(page.locator("ol.errors")).to_contain_text("第2行")
    expect(page.locator("ol.errors")).to_contain_text("12")
    screenshot(page, "import-volunteers")

    page.click("nav >> text=值班表")
    expect(page.locator("table.duty tr")).to_have_count(4)
    expect(page.locator("table.duty")).to_contain_text("现在值班")
    screenshot(page, "duty-roster")
