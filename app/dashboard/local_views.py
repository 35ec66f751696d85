"""Local mode only: the outbox of every message "sent", and a phone simulator.

The simulator texts the line through the app's own signed webhook path
(`text_line_in_process`), so it is exactly what a real phone would do, and shows the
conversation of one number, links included. It also walks a call with a keypad
(`telephony.call_simulator`): the page shows what the line says and posts each key, silence,
recording or hang-up through the signed voice webhooks.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.auth.web import login_required
from app.dashboard.blueprint import bp
from app.db import db
from app.messaging.models import Direction, Message, MessageKind
from app.phones import InvalidPhone, normalize
from app.residents.models import Resident
from app.telephony.call_simulator import MoveRefused, Prompt, answer_call, move, start_call
from app.telephony.simulate import text_line_in_process
from app.tickets.models import Ticket
from app.voice.models import ENDED, Call
from app.volunteers.models import Volunteer

OUTBOX_LIMIT = 300
MAX_BODY = 500


@bp.before_request
def local_pages_only_in_local_mode() -> None:
    local_only = (
        "dashboard.outbox",
        "dashboard.simulator",
        "dashboard.simulate",
        "dashboard.simulate_call",
        "dashboard.call_move",
        "dashboard.answer_call",
    )
    if request.endpoint in local_only and not current_app.config["SETTINGS"].local_mode:
        abort(404)


@bp.get("/outbox")
@login_required
def outbox() -> str:
    rows = list(
        db.session.scalars(
            select(Message)
            .where(Message.direction == Direction.outbound)
            .order_by(Message.id.desc())
            .limit(OUTBOX_LIMIT)
        )
    )
    ids = {m.ticket_id for m in rows if m.ticket_id}
    found = db.session.execute(select(Ticket.id, Ticket.code).where(Ticket.id.in_(ids)))
    codes = {ticket_id: code for ticket_id, code in found}
    return render_template("dashboard/outbox.html", messages=rows, codes=codes)


@bp.get("/simulator")
@login_required
def simulator() -> str:
    phone = request.args.get("phone", "").strip()[:40]
    session = db.session
    try:
        e164 = normalize(phone, current_app.config["HOTLINE_REGION"]).e164 if phone else ""
    except InvalidPhone:
        e164 = ""
    messages = (
        list(
            session.scalars(
                select(Message).where(Message.peer == e164).order_by(Message.created_at, Message.id)
            )
        )
        if e164
        else []
    )
    call = _call(request.args.get("call", ""))
    return render_template(
        "dashboard/simulator.html",
        phone=phone,
        e164=e164,
        messages=[m for m in messages if m.kind == MessageKind.sms],
        ringing=_ringing(messages),
        call=call,
        prompt=Prompt.of(call.last_reply, call.status in ENDED) if call else None,
        keypad="123456789*0#",
        residents=list(session.scalars(select(Resident).order_by(Resident.name).limit(50))),
        volunteers=list(session.scalars(select(Volunteer).order_by(Volunteer.name).limit(50))),
    )


@bp.post("/simulator")
@login_required
def simulate() -> Response:
    phone = request.form.get("phone", "").strip()[:40]
    body = request.form.get("body", "").strip()[:MAX_BODY]
    if phone and body:
        status = text_line_in_process(current_app._get_current_object(), phone, body)  # type: ignore[attr-defined]
        if status != 200:
            flash(("simulator_failed", {"status": status}), "error")
    return redirect(url_for("dashboard.simulator", phone=phone), code=303)


@bp.post("/simulator/call")
@login_required
def simulate_call() -> Response:
    """Ring the line from the simulator's number."""
    phone = request.form.get("phone", "").strip()[:40]
    try:
        caller = normalize(phone, current_app.config["HOTLINE_REGION"]).e164
    except InvalidPhone:
        flash(("bad_phone", {}), "error")
        return redirect(url_for("dashboard.simulator", phone=phone), code=303)
    sid = start_call(current_app._get_current_object(), caller)  # type: ignore[attr-defined]
    return redirect(url_for("dashboard.simulator", phone=phone, call=sid), code=303)


@bp.post("/simulator/call/<sid>")
@login_required
def call_move(sid: str) -> Response:
    """Press keys, stay silent, speak a recording, settle a staff dial, or hang up."""
    call = _call(sid)
    if call is None:
        abort(404)
    caller, twiml = call.caller, call.last_reply
    phone = request.form.get("phone", "")[:40]
    try:
        move(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            sid,
            caller,
            "" if call.status in ENDED else twiml,
            request.form.get("move", ""),
            request.form.get("value", ""),
        )
    except MoveRefused:
        flash(("sim_move_refused", {}), "error")
    return redirect(url_for("dashboard.simulator", phone=phone, call=sid), code=303)


@bp.post("/simulator/answer/<int:message_id>", endpoint="answer_call")
@login_required
def answer_call_view(message_id: int) -> Response:
    """Pick up a call the line placed to this phone (a voice survey)."""
    placed = db.session.get(Message, message_id)
    if placed is None or placed.kind != MessageKind.call or not placed.provider_sid:
        abort(404)
    phone = request.form.get("phone", "")[:40]
    sid = placed.provider_sid
    if _call(sid) is None:
        try:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            answer_call(app, sid, placed.peer, placed.callback_url or "")
        except MoveRefused:
            flash(("sim_move_refused", {}), "error")
    return redirect(url_for("dashboard.simulator", phone=phone, call=sid), code=303)


def _ringing(messages: list[Message]) -> list[Message]:
    """Calls the line placed to this phone that nobody has picked up yet."""
    placed = [m for m in messages if m.kind == MessageKind.call and m.provider_sid]
    if not placed:
        return []
    answered = set(
        db.session.scalars(select(Call.sid).where(Call.sid.in_([m.provider_sid for m in placed])))
    )
    return [m for m in placed if m.provider_sid not in answered]


def _call(sid: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.sid == sid[:64])) if sid else None
