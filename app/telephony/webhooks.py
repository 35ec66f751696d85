"""The provider's webhooks: incoming SMS and delivery status callbacks.

Every request is signature-checked against the public URL the provider called. Handlers parse,
call one use case, commit, and answer; nothing here waits on an outbound API call.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.exceptions import BadRequest

from app.db import again_if_lost, db
from app.messaging.delivery import apply_status
from app.messaging.inbound import Received, receive_sms
from app.surveys import sms as survey_answers
from app.telephony import twiml
from app.telephony.security import SIGNATURE_HEADER, is_valid_signature, public_url
from app.tickets import liaison_commands, resident_commands
from app.volunteers import dispatch, replies

bp = Blueprint("twilio", __name__, url_prefix="/twilio")

# Handlers for inbound texts, most specific first; the resident's words come last because
# anything unrecognised is a new report. Liaisons answer for escalated tickets first (and fall
# through when they hold none); then volunteers and units with open offers or tasks; survey
# answers are only claimed from residents with a survey waiting.
SMS_HANDLERS = [
    liaison_commands.handle,
    replies.handle,
    survey_answers.handle,
    resident_commands.handle,
]


@bp.before_request
def check_signature() -> None:
    url = public_url(current_app.config["PUBLIC_BASE_URL"], request.path, request.query_string)
    signature = request.headers.get(SIGNATURE_HEADER)
    if not is_valid_signature(
        current_app.config["TWILIO_AUTH_TOKEN"], url, request.form, signature
    ):
        abort(403, description="invalid or missing X-Twilio-Signature")


def required(name: str, max_length: int = 1600) -> str:
    value = request.form.get(name)
    if value is None or not value.strip():
        raise BadRequest(f"missing required field {name}")
    if len(value) > max_length:
        raise BadRequest(f"field {name} is longer than {max_length} characters")
    return value


@bp.post("/sms")
def incoming_sms() -> Response:
    sid = required("MessageSid", 64)
    sender = required("From", 40)
    body = request.form.get("Body", "")[:1600]
    session = db.session
    region = current_app.config["HOTLINE_REGION"]

    def handle() -> Received | None:
        return receive_sms(session, sid, sender, body, region, SMS_HANDLERS, inline=True)

    received = again_if_lost(session, handle)
    session.commit()
    return twiml.messages(received.replies if received else [])


@bp.post("/ping")
def ping() -> tuple[str, int]:
    """204 for a correctly signed request, changing nothing: `hotline doctor` signs one for the
    public URL to prove the provider's signatures will validate behind whatever proxy is here."""
    return "", 204


@bp.post("/status/sms")
def sms_status() -> tuple[str, int]:
    sid = required("MessageSid", 64)
    status = required("MessageStatus", 20)
    error = request.form.get("ErrorCode", "")
    message = apply_status(db.session, sid, status, int(error) if error.isdigit() else None)
    if message is not None:
        dispatch.delivery_failed(db.session, message)
    db.session.commit()
    return "", 204
