"""Voice tickets carry words, in headless Chromium: a problem said on the simulator's phone is
the ticket's problem; one that was not heard shows as its recording in the queue, and staff
write it after listening."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.db import db
from app.demo import seed
from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import log_in
from tests.support.staff import staff

pytestmark = pytest.mark.browser


def call_in(page, phone: str, category: str = "1", has_open_ticket: bool = False) -> None:
    """Ring the line from the simulator and choose a category by its key."""
    page.goto(f"/dashboard/simulator?phone={phone}")
    page.click("button[data-action=call]")
    page.click("button[data-move=silence]")
    if has_open_ticket:
        expect(page.locator("ol.ivr-said")).to_contain_text("报告新的问题，请按2")
        page.click("button[data-move=keys-2]")
    page.click(f"button[data-move=keys-{category}]")
    expect(page.locator("button[data-move=say]")).to_be_visible()
    expect(page.locator("button[data-move=keys-1]")).to_have_count(0)


def test_said_words_become_the_problem_and_unheard_ones_are_written_by_staff(
    page, committed, clock
):
    list(seed(db.session))
    staff("desk")
    db.session.remove()
    log_in(page, "desk")

    call_in(page, "13800138000")
    page.fill("input[name=value]", "洗衣机转几下就不动了")
    page.click("button[data-move=say]")
    expect(page.locator(".ticket-made a")).to_be_visible()
    said = page.locator(".ticket-made a").inner_text()

    # The same resident, another problem (electrical) nobody could make out.
    call_in(page, "13800138000", category="2", has_open_ticket=True)
    page.click("button[data-move=record]")
    expect(page.locator(".ticket-made a")).to_be_visible()
    unheard = page.locator(".ticket-made a").inner_text()

    page.goto("/dashboard/")
    expect(page.locator(f"tr[data-code='{said}'] td.text")).to_have_text("洗衣机转几下就不动了")
    expect(page.locator(f"tr[data-code='{unheard}'] td.text")).to_have_text("录音 0:12")
    screenshot(page, "queue-voice-words")

    page.click(f"tr[data-code='{unheard}'] a")
    expect(page.locator("figure.recording figcaption").first).to_contain_text("录音 0:12")
    page.fill("form.summarise textarea[name=text]", "楼道的声控灯坏了，晚上看不见")
    page.click("button[data-action=summarise]")
    expect(page.locator("p.description")).to_have_text("楼道的声控灯坏了，晚上看不见")
    expect(page.locator("ol.timeline")).to_contain_text("工作人员听录音填写问题")
    screenshot(page, "ticket-summarised")
    page.goto("/dashboard/")
    expect(page.locator(f"tr[data-code='{unheard}'] td.text")).to_have_text(
        "楼道的声控灯坏了，晚上看不见"
    )
