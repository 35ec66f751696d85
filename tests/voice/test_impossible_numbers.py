"""A voice step carrying a number no provider sends (inf, a superscript digit, 20 digits) is a
400 that changes nothing, not a server error."""

from __future__ import annotations

import pytest

from tests.fuzz.hostile import stored
from tests.voice.conftest import MOBILE

HUGE = "99999999999999999999"


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e309", "²", "٣", HUGE])
def test_a_voice_step_with_an_impossible_recording_duration_is_a_400(call, on_duty, value):
    walker = call(MOBILE)
    before = stored()
    action = walker.verb("Gather").attrib["action"]  # the step the caller is at
    form = {"RecordingDuration": value, "RecordingUrl": "https://api.twilio.com/R1"}
    assert walker.post(action, form, keep=False).status_code == 400
    assert walker.post(action, {"Confidence": value}, keep=False).status_code == 400
    assert stored() == before
