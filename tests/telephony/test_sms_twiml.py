"""The reply to an inbound text: written out by hand, so held equal to the twilio library's."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse

from app.telephony import twiml

# Characters XML 1.0 can carry (the provider's bodies are text, never control characters).
XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\r\t&<>\"'"),
    max_size=200,
)


def library(bodies: list[str]) -> str:
    response = MessagingResponse()
    for body in bodies:
        response.message(body)
    return str(response)


@given(st.lists(XML_TEXT, max_size=3))
def test_a_reply_is_what_the_library_would_write(bodies: list[str]) -> None:
    assert twiml.messages(bodies).get_data(as_text=True) == library(bodies)


def test_a_reply_parses_back_to_its_bodies() -> None:
    bodies = ["您的报修已收到，编号 804213 <洗衣机> & 家电", "Reply STOP & 'quit' \"now\""]
    response = twiml.messages(bodies)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert [m.text for m in root.iter("Message")] == bodies


def test_no_reply_is_an_empty_valid_response() -> None:
    root = ET.fromstring(twiml.messages([]).get_data())
    assert root.tag == "Response" and list(root) == []
