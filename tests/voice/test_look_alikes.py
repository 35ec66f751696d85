"""Speech that only sounds like danger, as an elderly caller says it at the menu: "我的热水器打不
着火" holds 着火 (fire) and "没有煤气味" holds 煤气; the line hears them as the SMS rule does
(app/categories/danger.py), so the caller is not told to hang up and ring 119."""

from __future__ import annotations

import pytest

from app.tickets.models import Priority
from tests.voice.conftest import MOBILE, resident, the_call, tickets


@pytest.mark.parametrize(
    ("words", "category"),
    [("我的热水器打不着火", "appliance"), ("燃气灶点不着，没有煤气味", "appliance")],
)
def test_a_heater_that_will_not_light_is_a_repair_not_an_emergency(call, on_duty, words, category):
    resident(MOBILE)  # address on file: no address question
    walker = call(MOBILE).silence().say(words)
    assert "119" not in walker.heard
    assert walker.listening  # on to the problem in the caller's own words
    walker.record(words=words)
    [ticket] = tickets()
    assert ticket.priority == Priority.normal and ticket.category_code == category
    assert not the_call(walker).emergency


def test_real_danger_in_speech_still_gives_the_emergency_numbers(call, on_duty):
    walker = call(MOBILE).silence().say("热水器打不着火，厨房还有煤气味")
    assert "119" in walker.heard
    assert the_call(walker).emergency
