"""A ticket with every kind of event, read in Chromium in Chinese and in English, at desk and
phone sizes: sentences and numbers as staff dial them, no codes (the crawl in
tests/dashboard/test_no_raw_identifiers.py checks every page; these are the pictures)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from app.auth.models import StaffUser
from app.db import db
from tests.browser.conftest import screenshot
from tests.support.showcase import busy_day
from tests.support.staff import PASSWORD

pytestmark = pytest.mark.browser

# Elements that reach past the right edge of the window (a page that scrolls sideways).
WIDE = """[...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"""
SIZES = {"desk": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("size", ["desk", "phone"])
def test_a_ticket_with_every_event_reads_as_sentences(page, app, committed, clock, language, size):
    day = busy_day(app.test_client())
    db.session.execute(update(StaffUser).values(language=language))
    db.session.commit()
    codes = (day.every_event.code, day.called.code, day.merged.code)
    db.session.remove()
    page.set_viewport_size(SIZES[size])
    page.goto("/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    every, called, merged = codes
    page.goto(f"/dashboard/tickets/{every}")
    timeline = page.locator("ol.timeline")
    merged_words = "并入同一问题的工单" if language == "zh" else "Merged into the same"
    rated = "居民评价：不满意" if language == "zh" else "The resident rated it: Unsatisfied"
    expect(timeline).to_contain_text(rated)
    screenshot(page, f"words-every-event-{language}-{size}")
    wide = page.evaluate(WIDE)
    assert wide == [], wide

    page.goto(f"/dashboard/tickets/{merged}")
    expect(page.locator("ol.timeline")).to_contain_text(merged_words)
    page.goto(f"/dashboard/tickets/{called}")
    page.locator("details.call-transcript summary").click()
    expect(page.locator("details.call-transcript li.said").first).to_be_visible()
    expect(page.locator("dl")).to_contain_text("023 6152 0695")
    screenshot(page, f"words-call-transcript-{language}-{size}")
