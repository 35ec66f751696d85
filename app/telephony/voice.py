"""The voice webhooks: incoming calls, IVR steps, outbound call flows, call and recording status.

Signature-checked like every /twilio/ route (the SMS blueprint's check is reused). Handlers
parse the provider's post, call one use case in ``app.voice.calls``, render TwiML and commit;
nothing waits on an outbound request, because a caller hears silence meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select

from app.bad_input import decimal, seconds, whole_number
from app.db import db
from app.ivr.engine import Action, Event
from app.telephony import twiml
from app.telephony.webhooks import check_signature, required
from app.tickets.models import Ticket
from app.voice import calls
from app.voice.setup import INTAKE_FLOW, voice_line

bp = Blueprint("twilio_voice", __name__, url_prefix="/twilio")
bp.before_request(check_signature)

STEP_PATH = "/twilio/voice/step"


@bp.post("/voice")
def incoming_call() -> Response:
    turn = calls.answer_incoming(
        db.session, voice_line(), _call_sid(), _field("From"), _field("To"), _render
    )
    return _reply(turn)


@bp.post("/voice/step")
def step() -> Response:
    # Read as a plain dict: a step's post lacks most of the fields looked for, and each miss
    # in the MultiDict raises (and builds) an exception inside its get().
    form = request.form.to_dict()
    event = Event.from_form(_numbers_checked(form), node=request.args.get("node"))
    turn = calls.answer_step(
        db.session,
        voice_line(),
        _call_sid(),
        _step_number(),
        event,
        _render,
        recording_sid=form.get("RecordingSid"),
        caller=form.get("From", "")[:40],
        to=form.get("To", "")[:40],
    )
    return _reply(turn)


@bp.post(calls.OUTBOUND_PATH.removeprefix("/twilio").replace("{flow}", "<flow>"))
def outbound_call(flow: str) -> Response:
    line = voice_line()
    code = request.args.get("ticket", "")
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == code)) if code else None
    if flow not in line.flows or flow == INTAKE_FLOW or ticket is None:
        abort(404, description="no such flow or ticket for an outbound call")
    turn = calls.answer_outbound(
        db.session, line, _call_sid(), flow, ticket, _field("To"), _field("From")
    )
    return _reply(turn)


@bp.post("/voice/recording")
def recording_status() -> tuple[str, int]:
    recording = calls.update_recording(
        db.session,
        voice_line(),
        _call_sid(),
        required("RecordingSid", 64),
        request.form.get("RecordingUrl", "")[:500],
        request.form.get("RecordingStatus", "")[:20],
        _seconds("RecordingDuration"),
        node=request.args.get("node", ""),
    )
    if recording is None:
        abort(404, description="unknown call")
    db.session.commit()
    return "", 204


@bp.post("/status/call")
def call_status() -> tuple[str, int]:
    calls.end_call(
        db.session,
        voice_line(),
        _call_sid(),
        required("CallStatus", 20),
        _seconds("CallDuration"),
    )
    db.session.commit()
    return "", 204


def _reply(turn: calls.Turn) -> Response:
    if turn.replay is not None:
        xml = turn.replay
    else:
        assert turn.call is not None
        xml = twiml.voice(turn.actions, _urls(turn.call.step), turn.dial)
        calls.remember_reply(db.session, turn.call, xml)
    db.session.commit()
    return Response(xml, mimetype="text/xml")


def _render(actions: Sequence[Action], step_number: int) -> str:
    """The reply numbered ``step_number``, for a new call's first reply stored with the call."""
    return twiml.voice(actions, _urls(step_number))


def _urls(step_number: int) -> twiml.VoiceUrls:
    base = current_app.config["PUBLIC_BASE_URL"]
    return twiml.VoiceUrls(f"{base}{STEP_PATH}", f"{base}/twilio/voice/recording", step_number)


def _call_sid() -> str:
    return required("CallSid", 64)


def _field(name: str) -> str:
    return request.form.get(name, "")[:40]


def _step_number() -> int:
    found = whole_number(request.args.get("n"), "n")
    return -1 if found is None else found


def _numbers_checked(form: Mapping[str, str]) -> Mapping[str, str]:
    """The provider sends plain numbers; anything else (inf, a superscript digit) is a 400."""
    decimal(form.get("Confidence"), "Confidence")
    seconds(form.get("RecordingDuration"), "RecordingDuration")
    return form


def _seconds(name: str) -> int | None:
    return seconds(request.form.get(name), name)
