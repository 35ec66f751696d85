"""TwiML responses, built with the twilio library rather than by hand."""

from __future__ import annotations

from flask import Response
from twilio.twiml.messaging_response import MessagingResponse


def messages(bodies: list[str]) -> Response:
    """A messaging response replying with `bodies` (none: an empty, valid response)."""
    response = MessagingResponse()
    for body in bodies:
        response.message(body)
    return Response(str(response), mimetype="text/xml")
