"""Running a call through its IVR flow: the Call row, the ticket a call creates, and what staff owe.

The webhook parses the provider's post, calls one function here and renders the returned actions.
Each reply bumps ``Call.step`` and every action URL carries it, so a repeated or late post (the
provider delivers at least once, in any order) gets the stored reply again and changes nothing.
The Call row is locked for the whole turn, which also makes ticket creation once per call.

For surveys: queue an outbound call with ``outbound_call_url(base, "survey", ticket.code)`` as
the TwiML URL; when it ends, ``survey_calls(session, ticket.id)`` lists its Call rows and
``survey_rating_for_call(call)`` reads the answer ("satisfied", "basically_satisfied",
"unsatisfied", or None when the resident gave none). ``Call.outcome`` is ``rated``/``not_rated``
once the provider reports the end, and that first end hands the answer (or its absence) to the
survey. A call nobody picked up gets its row from the outbox's record of the call when its final
status arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache, cached_property
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import bindparam, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Insert

from app.categories.catalog import FALLBACK, Classification, classify
from app.categories.danger import screen as screen_danger
from app.clock import utcnow
from app.db import Base, insert_once, loaded, table, write_alone
from app.i18n import LANGUAGES, status_name, text
from app.ivr import engine
from app.ivr.engine import (
    ANSWERED,
    Action,
    CallState,
    Context,
    CreateTicket,
    Dial,
    Event,
    Hangup,
    Say,
    Step,
)
from app.ivr.flows import DialStaffNode, Flow, MenuNode, RecordNode
from app.messaging.courtesy import says_nothing_yet
from app.messaging.models import Message, MessageKind, Priority
from app.messaging.outbox import queue_sms
from app.phones import InvalidPhone, PhoneKind, PhoneNumber, normalize
from app.residents.directory import by_phone, find_or_create
from app.residents.models import Resident
from app.surveys import operations as surveys
from app.tickets import recurrence
from app.tickets.intake import add_information, confirmation, open_ticket, resident_actor
from app.tickets.lifecycle import record
from app.tickets.models import OPEN_STATUSES, Channel, EventKind, Ticket, TicketStatus
from app.tickets.resident_commands import open_tickets
from app.voice import offer_calls
from app.voice.models import (
    ENDED,
    Call,
    CallDirection,
    CallOutcome,
    CallPurpose,
    CallRecording,
    CallStatus,
)
from app.voice.openings import Facts, Render, answer_statement, said
from app.voice.roster import Roster, read_roster
from app.voice.setup import INTAKE_FLOW, VoiceLine
from app.volunteers.dispatch import VOICE_OFFER_FLOW, Result, offer_values

OUTBOUND_PATH = "/twilio/voice/outbound/{flow}"
#: The variable the intake flow keeps the caller's problem under (``<store>_recording``...).
PROBLEM = "description"
#: What a call running each flow is for; any other outbound flow only tells something.
FLOW_PURPOSES = {
    INTAKE_FLOW: CallPurpose.intake,
    "survey": CallPurpose.survey,
    VOICE_OFFER_FLOW: CallPurpose.offer,
}
#: Final statuses of a call that never reached anyone.
UNREACHED = frozenset(
    {CallStatus.busy, CallStatus.no_answer, CallStatus.failed, CallStatus.canceled}
)
#: Ticket creations and empty dials settled within one reply; a valid flow needs two at most.
MAX_SETTLE = 5
R = TypeVar("R", bound=Base)


@dataclass(frozen=True)
class Turn:
    """The answer to one provider post: actions to render for ``call``, or a reply already
    stored to give (a repeated post's, or a new call's first reply written with the call)."""

    call: Call | None = None
    actions: tuple[Action, ...] = ()
    dial: tuple[str, ...] = ()  # numbers a Dial action rings, all at once
    replay: str | None = None


class OpenTicket(NamedTuple):
    """The caller's latest open ticket, as the line reads it out."""

    code: str
    status: TicketStatus


class _Roster:
    """Staff a caller can be put through to now, read only if the flow asks (a branch on office
    hours, or a Dial): most steps never do, and outside office hours it costs nothing. A new
    call's answer may use the roster this process read last (``kept``): its statement checks
    that the roster is still that one."""

    def __init__(self, session: Session, line: VoiceLine, *, kept: bool = False) -> None:
        self.session, self.line, self.kept = session, line, kept

    @cached_property
    def office_open(self) -> bool:
        return self.line.office.is_available(utcnow(), self.line.timezone)

    @cached_property
    def roster(self) -> Roster:
        kept = self.line.roster
        if not self.kept or kept.last is None:
            kept.last = read_roster(self.session)
        return kept.last

    @cached_property
    def numbers(self) -> tuple[str, ...]:
        if not self.office_open:
            return ()
        return self.roster.available(self.line.office, utcnow(), self.line.timezone)


# --- entry points for the webhooks ----------------------------------------------------------------


def answer_incoming(
    session: Session, line: VoiceLine, sid: str, caller: str, to: str, render: Render
) -> Turn:
    """A resident calls the line: start the intake flow (or repeat the reply already given).

    A new call is one statement when the flow's first reply does not depend on the caller
    (``app.voice.openings``); ``render`` turns actions into the reply to store with it."""
    phone = _phone(caller, line.region)
    roster = _Roster(session, line, kept=True)
    statement = _answer_statement(session, line, bool(roster.numbers), roster.office_open, render)
    if statement is not None:
        # Core on the session's connection: the ORM's execute path adds nothing to an INSERT.
        reply = session.connection().scalar(
            statement,
            {
                "sid": sid,
                "caller": phone.e164 if phone else caller[:40],
                "caller_kind": phone.kind if phone else None,
                "line": to[:40],
                "phone": phone.e164 if phone else None,
                "started_at": utcnow(),
                "roster": roster.roster.fingerprint if roster.office_open else None,
            },
        )
        if reply is not None:
            return Turn(replay=reply)
        # The call exists (a repeated post): below, it is found and its reply given again. Or
        # the roster changed since this process read it: read now, it decides the reply.
        roster = _Roster(session, line)
    call = _new_call(session, line, sid, CallDirection.inbound, INTAKE_FLOW, caller, phone, to)
    if call.step:
        return Turn(call, replay=call.last_reply)
    flow = line.flows[call.flow]
    return _start(session, line, call, flow, roster)


def _answer_statement(
    session: Session, line: VoiceLine, on_duty: bool, office_open: bool, render: Render
) -> Insert | None:
    """The intake flow's answering statement, built on first use per process (None: the flow's
    first reply depends on the caller)."""
    dialect = session.get_bind().dialect.name
    key = (INTAKE_FLOW, on_duty, office_open, dialect)
    if key not in line.answers:
        flow = line.flows[INTAKE_FLOW]
        line.answers[key] = answer_statement(
            flow, on_duty, line.hints, render, dialect, office_open=office_open
        )
    return line.answers[key]


def answer_outbound(
    session: Session,
    line: VoiceLine,
    sid: str,
    flow_name: str,
    ticket: Ticket,
    to: str,
    line_no: str,
) -> Turn:
    """A resident picked up a call the worker placed: run ``flow_name`` (a survey) about it."""
    phone = _phone(to, line.region)
    call = _new_call(
        session, line, sid, CallDirection.outbound, flow_name, to, phone, line_no, ticket
    )
    if call.step:
        return Turn(call, replay=call.last_reply)
    return _start(session, line, call, line.flows[flow_name])


def answer_step(
    session: Session,
    line: VoiceLine,
    sid: str,
    step: int,
    event: Event,
    render: Render,
    *,
    recording_sid: str | None = None,
    caller: str = "",
    to: str = "",
) -> Turn:
    """The provider posts what the caller did at ``event.node`` (keys, speech, a recording...).

    An unknown CallSid (the row was lost, or the post is for a call we never saw) starts the
    intake flow afresh rather than leaving the caller in silence.
    """
    found = _turn_call(session, sid)
    if found is None:
        return answer_incoming(session, line, sid, caller, to, render)
    call, open_ticket = found
    if step != call.step or call.status in ENDED:
        return Turn(call, replay=call.last_reply)
    flow = line.flows.get(call.flow) or line.flows[INTAKE_FLOW]
    state = CallState.from_dict(call.state)
    won = False
    if event.node == state.node:
        _note_input(session, call, event, recording_sid)
        _transcribe_answer(call, event, waiting=getattr(flow.nodes.get(state.node), "waits", False))
        if isinstance(flow.nodes.get(state.node), DialStaffNode) and _answered(event):
            call.outcome = CallOutcome.connected
        if call.purpose == CallPurpose.offer and event.digits:
            # Settled before the flow goes on, so the one who was first hears the details.
            settled = offer_calls.settle(session, call, flow, state.node, event.digits)
            won = settled is not None and settled.result is Result.accepted
    roster = _Roster(session, line)
    ctx = _context(session, line, call, roster, lambda: open_ticket, won=won)
    return _settle(session, line, call, flow, engine.advance(flow, state, event, ctx), ctx, roster)


def remember_reply(session: Session, call: Call, reply: str) -> None:
    """Keep the rendered reply, so a repeated post gets exactly the same answer. A step that
    changed the call alone (a key press at a menu) writes it here, in one UPDATE."""
    call.last_reply = reply
    write_alone(session, call)


def end_call(
    session: Session, line: VoiceLine, sid: str, status: str, duration: int | None
) -> Call | None:
    """The provider's final call status: the first one ends the call; later ones change nothing.

    The first end of a survey call answers the survey with the key the resident pressed, or
    counts it as unanswered (called once more, then "no answer") when there was none.
    """
    call = call_by_sid(session, sid)
    try:
        new = CallStatus(status)
    except ValueError:
        return call  # queued, ringing...: not an end
    if new not in ENDED:
        return call
    if call is None:
        call = _unanswered_call(session, line, sid)
        if call is None:
            return None
    if call.status in ENDED:
        return call
    call.status, call.ended_at, call.duration = new, utcnow(), duration
    if call.outcome is None and call.purpose == CallPurpose.intake:
        call.outcome = CallOutcome.missed
    elif call.outcome is None and call.purpose == CallPurpose.survey:
        call.outcome = CallOutcome.not_rated
    if call.purpose == CallPurpose.survey and call.ticket is not None:
        surveys.survey_call_ended(session, call.ticket, survey_rating_for_call(call))
    if call.purpose == CallPurpose.offer and new in UNREACHED:
        offer_calls.unreached(session, call)
    session.flush()
    return call


def _unanswered_call(session: Session, line: VoiceLine, sid: str) -> Call | None:
    """The row for a call the worker placed that never reached the flow (no-answer, busy,
    failed): made from its outbox record, so a repeated status callback finds it ended."""
    placed = session.scalar(
        select(Message).where(Message.provider_sid == sid, Message.kind == MessageKind.call)
    )
    if placed is None or placed.ticket_id is None:
        return None
    ticket = session.get(Ticket, placed.ticket_id)
    flow = urlsplit(placed.callback_url or "").path.rsplit("/", 1)[-1]
    phone = _phone(placed.peer, line.region)
    direction = CallDirection.outbound
    return _new_call(session, line, sid, direction, flow, placed.peer, phone, "", ticket)


def update_recording(
    session: Session,
    line: VoiceLine,
    call_sid: str,
    recording_sid: str,
    url: str,
    status: str,
    duration: int | None,
    node: str = "",
) -> CallRecording | None:
    """A recording status callback; None when the call is unknown.

    A recording made while the flow listened (``node`` names where it began) is the caller's
    own voice beside the words heard: it goes with the call's variables like a recording the
    caller made after the beep, and onto the ticket if the call already has one.
    """
    call = call_by_sid(session, call_sid)
    if call is None:
        return None
    recording = _recording(session, call, recording_sid)
    if recording.status != "completed":  # a late "in-progress" must not undo "completed"
        recording.status = status
    recording.url = url or recording.url
    recording.duration = duration if duration is not None else recording.duration
    recording.node = node[:60] or recording.node
    flow = line.flows.get(call.flow)
    listened = flow.nodes.get(recording.node) if flow else None
    if recording.status == "completed" and isinstance(listened, RecordNode) and listened.store:
        _keep_listened(call, listened.store, recording)
    session.flush()
    return recording


def _keep_listened(call: Call, store: str, recording: CallRecording) -> None:
    state = dict(call.state or {})
    kept: dict[str, str | int] = {f"{store}_recording": recording.url}
    if recording.duration is not None:
        kept[f"{store}_duration"] = recording.duration
    state["variables"] = {**call.variables, **kept}
    call.state = state
    ticket = call.ticket
    if store == PROBLEM and ticket is not None and ticket.recording_url in (None, recording.url):
        ticket.recording_url, ticket.recording_seconds = recording.url, recording.duration


# --- queries for the dashboard and surveys --------------------------------------------------------


def call_by_sid(session: Session, sid: str) -> Call | None:
    """The call, locked for the rest of the transaction (a no-op on SQLite, which locks writes)."""
    return session.scalar(select(Call).where(Call.sid == sid).with_for_update())


_CALLS, _RESIDENTS, _TICKETS = table(Call), table(Resident), table(Ticket)
_OPEN = _TICKETS.alias("open_ticket")
#: A step's one read, in Core (the ORM's row processing for three joined objects cost more than
#: the rest of the step): the call (locked), its resident and ticket, and the resident's latest
#: open ticket, which the flow reads out to a known caller.
_CALL_TURN = (
    select(
        *_CALLS.c,
        *(c.label(f"resident_{c.key}") for c in _RESIDENTS.c),
        *(c.label(f"ticket_{c.key}") for c in _TICKETS.c),
        _OPEN.c.code.label("open_code"),
        _OPEN.c.status.label("open_status"),
    )
    .select_from(
        _CALLS.outerjoin(_RESIDENTS, _RESIDENTS.c.id == _CALLS.c.resident_id)
        .outerjoin(_TICKETS, _TICKETS.c.id == _CALLS.c.ticket_id)
        .outerjoin(
            _OPEN,
            _OPEN.c.id
            == select(Ticket.id)
            .where(
                Ticket.resident_id == _CALLS.c.resident_id,
                # Single values, not a list: an IN list is an "expanding" parameter, whose
                # SQL is rendered anew at every execution.
                Ticket.status.in_([literal(s, Ticket.status.type) for s in sorted(OPEN_STATUSES)]),
            )
            .order_by(Ticket.received_at.desc())
            .limit(1)
            .correlate(_CALLS)
            .scalar_subquery(),
        )
    )
    .where(_CALLS.c.sid == bindparam("sid"))
    .with_for_update(of=_CALLS)
)


def _turn_call(session: Session, sid: str) -> tuple[Call, OpenTicket | None] | None:
    """The call for a step, with its resident and ticket as loaded, and the resident's latest
    open ticket when the call has none of its own; None for an unknown CallSid."""
    found = session.connection().execute(_CALL_TURN, {"sid": sid}).one_or_none()
    if found is None:
        return None
    calls, residents = len(_CALLS.c), len(_CALLS.c) + len(_RESIDENTS.c)
    call = loaded(
        session,
        Call,
        dict(zip(_CALLS.c.keys(), found[:calls], strict=True))
        | {
            "resident": _related(session, Resident, found[calls:residents]),
            "ticket": _related(session, Ticket, found[residents:-2]),
        },
    )
    code, status = found[-2:]
    return call, OpenTicket(code, status) if code is not None and not call.ticket_id else None


def _related(session: Session, model: type[R], columns: Sequence[Any]) -> R | None:
    """The resident or ticket in a step's row (their id first), or None when the call has none."""
    if columns[0] is None:
        return None
    return loaded(session, model, dict(zip(table(model).c.keys(), columns, strict=True)))


def missed_calls(session: Session, since: datetime | None = None) -> list[Call]:
    """Callers who hung up before a ticket existed, newest first: staff should call them back."""
    query = select(Call).where(Call.outcome == CallOutcome.missed)
    if since is not None:
        query = query.where(Call.started_at >= since)
    return list(session.scalars(query.order_by(Call.started_at.desc(), Call.id.desc())))


def outbound_call_url(base_url: str, flow: str, ticket_code: str) -> str:
    """The TwiML URL to hand ``outbox.queue_call`` for a call running ``flow`` about a ticket."""
    return f"{base_url.rstrip('/')}{OUTBOUND_PATH.format(flow=flow)}?ticket={ticket_code}"


def survey_calls(session: Session, ticket_id: int) -> list[Call]:
    """Survey calls about a ticket, oldest first."""
    query = select(Call).where(Call.ticket_id == ticket_id, Call.purpose == CallPurpose.survey)
    return list(session.scalars(query.order_by(Call.started_at, Call.id)))


def survey_rating_for_call(call: Call) -> str | None:
    """The rating the resident keyed in, or None if they never answered."""
    rating = call.variables.get("rating")
    return str(rating) if rating else None


# --- the turn -------------------------------------------------------------------------------------


def _new_call(
    session: Session,
    line: VoiceLine,
    sid: str,
    direction: CallDirection,
    flow: str,
    caller: str,
    phone: PhoneNumber | None,
    to: str,
    ticket: Ticket | None = None,
) -> Call:
    """The call for ``sid``, created if new; a repeated or concurrent post finds the first row.
    ``phone``: ``caller`` parsed once by the caller (None: withheld or not a number).

    One INSERT ... ON CONFLICT DO NOTHING (no lookup first, no savepoint): a new call is the
    common case, and the row it writes stays locked until the turn commits, so a concurrent
    copy waits on it and then reads the finished row.
    """
    resident = by_phone(session, phone.e164) if phone else None
    call = Call(
        sid=sid,
        direction=direction,
        purpose=FLOW_PURPOSES.get(flow, CallPurpose.notice),
        caller=phone.e164 if phone else caller[:40],
        caller_kind=phone.kind if phone else None,
        line=to[:40],
        flow=flow,
        ticket_id=ticket.id if ticket else None,
        resident_id=resident.id if resident else None,
        started_at=utcnow(),
    )
    if insert_once(session, call, "sid"):
        set_committed_value(call, "resident", resident)  # known already: no lazy load
        set_committed_value(call, "ticket", ticket)
        return call
    found = call_by_sid(session, sid)
    assert found is not None
    return found


def _start(
    session: Session, line: VoiceLine, call: Call, flow: Flow, roster: _Roster | None = None
) -> Turn:
    roster = roster or _Roster(session, line)
    ctx = _context(session, line, call, roster, cache(lambda: _open_ticket(session, call)))
    return _settle(session, line, call, flow, engine.start(flow, ctx), ctx, roster)


def _settle(
    session: Session,
    line: VoiceLine,
    call: Call,
    flow: Flow,
    step: Step,
    ctx: Context,
    roster: _Roster,
) -> Turn:
    """Do what the engine asks of the app (create the ticket, dial), then store the new state."""
    for _ in range(MAX_SETTLE):
        if step.create_ticket is not None:
            code = _ensure_ticket(session, line, call, step.create_ticket)
            if code is None:
                step = _cannot_register(flow, step)
                break
            done = engine.advance(flow, step.state, Event(), replace(ctx, ticket_code=code))
            step = step.then(done)
        elif _dials(step) and not roster.numbers:
            # Nobody to ring after all (the roster changed mid-call): the no-answer branch.
            missed = Event(node=step.state.node, dial_status="no-answer")
            step = _without_dial(step, engine.advance(flow, step.state, missed, ctx))
        else:
            break
    if step.emergency and not call.emergency:
        call.emergency = True
        _report_danger(session, line, call, step.state)
    lines = said(step.actions)
    if lines:
        call.transcript = [*call.transcript, {"line": lines}]
    _store(call, step.state)
    # Not flushed here: the webhook adds the rendered reply, and the call is written once.
    return Turn(call, step.actions, dial=roster.numbers if _dials(step) else ())


def _report_danger(session: Session, line: VoiceLine, call: Call, state: CallState) -> None:
    """Danger heard, or the emergency key pressed: the caller is told to hang up and ring
    119/120 now, so the call's ticket opens at once, urgent, and staff on duty are texted
    (`tickets.urgent`), as for a text. Words said later, if the caller goes on, are added."""
    variables = dict(state.variables)
    if not variables.get("speech"):  # the key, and no words: say so on the ticket
        variables["speech"] = text(state.language, "voice_emergency_key")
    _ensure_ticket(session, line, call, CreateTicket(variables))


def _dials(step: Step) -> bool:
    return any(isinstance(a, Dial) for a in step.actions)


def _store(call: Call, state: CallState) -> None:
    call.state = state.to_dict()
    call.node, call.language, call.path = state.node, state.language, list(state.path)
    call.step += 1
    if call.purpose == CallPurpose.survey and state.variables.get("rating"):
        call.outcome = CallOutcome.rated


def _without_dial(step: Step, later: Step) -> Step:
    kept = tuple(a for a in step.actions if not isinstance(a, Dial | CreateTicket))
    return Step(later.state, kept + later.actions)


def _cannot_register(flow: Flow, step: Step) -> Step:
    """End the call politely: a withheld number can have no ticket and no call back."""
    voice = flow.voices[step.state.language]
    # A withheld number can have no ticket and no call back: say so, and where else to turn.
    sorry = Say(text(step.state.language, "voice_no_number"), voice.voice, voice.language)
    kept = tuple(a for a in step.actions if not isinstance(a, CreateTicket))
    return Step(replace(step.state, finished=True), (*kept, sorry, Hangup()))


def _answered(event: Event) -> bool:
    return (event.dial_status or "").strip().lower() in ANSWERED


def _transcribe_answer(call: Call, event: Event, *, waiting: bool) -> None:
    """Add what the caller did to the transcript: keys, words, a recording, or nothing at all."""
    if event.digits:
        entry: dict[str, object] = {"keys": event.digits[:20]}
    elif event.speech_result:
        entry = {"speech": event.speech_result[:500]}
    elif event.recording_url:
        entry = {"recording": event.recording_duration or 0}
    elif event.dial_status:
        entry = {"dial": "answered" if _answered(event) else "missed"}
    elif waiting:
        entry = {"silence": True}
    else:
        return
    call.transcript = [*call.transcript, entry]


def _note_input(session: Session, call: Call, event: Event, recording_sid: str | None) -> None:
    """Keep what the caller did, for staff and for the record."""
    if event.digits:
        call.digits = [*call.digits, event.digits[:20]]
    if event.speech_result:
        heard = {"node": event.node, "text": event.speech_result[:500]}
        call.speech = [*call.speech, {**heard, "confidence": event.confidence}]
    if event.recording_url:
        recording = _recording(session, call, recording_sid or _sid_from_url(event.recording_url))
        recording.node = event.node or ""
        recording.url = event.recording_url
        recording.duration = event.recording_duration


def _recording(session: Session, call: Call, sid: str) -> CallRecording:
    recording = session.scalar(select(CallRecording).where(CallRecording.sid == sid))
    if recording is None:
        recording = CallRecording(sid=sid, call=call)
        session.add(recording)
    return recording


def _sid_from_url(url: str) -> str:
    """Recording URLs end in the RecordingSid (``.../Recordings/RE...``)."""
    return url.rstrip("/").rsplit("/", 1)[-1][:64]


# --- what the engine needs to know ----------------------------------------------------------------


def _context(
    session: Session,
    line: VoiceLine,
    call: Call,
    roster: _Roster,
    open_ticket: Callable[[], OpenTicket | None],
    won: bool = False,
) -> Context:
    """What the flow may ask about the call; each fact is worked out when first asked for."""
    resident = call.resident
    known: dict[str, str | Mapping[str, str]] = {}
    language = resident.language if resident else None
    if call.ticket is not None:
        known["ticket_code"] = call.ticket.code
        known.update(_about_the_ticket(session, call, won))
        offer = (
            offer_calls.offer_by_call(session, call) if call.purpose == CallPurpose.offer else None
        )
        language = offer.volunteer.language if offer and offer.volunteer else language

    def status() -> dict[str, str] | None:
        current = open_ticket()
        return {lang: status_name(current.status, lang) for lang in LANGUAGES} if current else None

    return Context(
        conditions=Facts[bool](
            {
                "in_office_hours": lambda: bool(roster.numbers),
                "known_caller_with_open_ticket": lambda: open_ticket() is not None,
                "number_known": lambda: bool(resident and resident.address),
                # The kind of line was read from the number when the call began.
                "is_mobile": lambda: (
                    resident.can_receive_sms if resident else call.caller_kind == PhoneKind.MOBILE
                ),
                "offer_won": lambda: won,
            }
        ),
        values=Facts[str | Mapping[str, str]](
            {
                "open_ticket_code": lambda: (current := open_ticket()) and current.code,
                "status": status,
            },
            known,
        ),
        language=language,
        hints=line.hints,
        screen=screen_danger,
        says_nothing=says_nothing_yet,
    )


def _open_ticket(session: Session, call: Call) -> OpenTicket | None:
    """The caller's latest open ticket, when the call has none of its own yet."""
    if call.resident is None or call.ticket_id:
        return None
    current = open_tickets(session, call.resident)
    return OpenTicket(current[0].code, current[0].status) if current else None


def _about_the_ticket(session: Session, call: Call, won: bool) -> dict[str, str | dict[str, str]]:
    """What an offer or a notice call says about its ticket, in each language."""
    ticket = call.ticket
    assert ticket is not None
    values: dict[str, str | dict[str, str]] = {}
    if call.purpose == CallPurpose.offer:
        by_language = {lang: offer_values(ticket, lang) for lang in LANGUAGES}
        for key in ("category", "place", "summary"):
            values[key] = {lang: found[key] for lang, found in by_language.items()}
        offer = offer_calls.offer_by_call(session, call)
        if won and offer is not None:
            values.update(offer_calls.won_values(offer))
    elif call.purpose == CallPurpose.notice and ticket.assignee is not None:
        values["volunteer"] = ticket.assignee.name
    return values


def _phone(raw: str, region: str) -> PhoneNumber | None:
    try:
        return normalize(raw, region)
    except InvalidPhone:
        return None


# --- the ticket -----------------------------------------------------------------------------------


def _ensure_ticket(
    session: Session, line: VoiceLine, call: Call, request: CreateTicket
) -> str | None:
    """The call's ticket code, opening the ticket the first time; None for a withheld number.
    A ticket the call opened when danger was reported takes what the caller said after."""
    if call.caller_kind is None:
        return None  # a withheld number: nobody to text or call back
    phone = PhoneNumber(call.caller, call.caller_kind)
    variables = request.variables
    resident = call.resident or find_or_create(session, phone, call.language)
    found = _classification(variables)
    words = str(variables.get("speech") or "")
    opened = call.ticket
    # A voicemail from a resident whose request is still open is about that request.
    current = open_tickets(session, resident) if variables.get("callback") and not opened else []
    fixed = None if opened or current else recurrence.came_back(session, resident, words, found)
    reply = None
    if opened or current:
        ticket = opened or current[0]
        unheard = _unheard(ticket, words)
        if unheard or (ticket.category_code == FALLBACK and found.category != FALLBACK):
            add_information(ticket, resident, unheard, found)
    elif fixed is not None:  # "灯还是不亮": the problem a volunteer fixed days ago is back
        ticket = fixed
        reply = recurrence.reopen(session, fixed, resident, words, found)
    else:
        ticket = open_ticket(session, resident, words, Channel.voice, found)
    recording = _text(variables.get(f"{PROBLEM}_recording"))
    if ticket.recording_url is None and recording:
        ticket.recording_url = recording
        ticket.recording_seconds = _seconds(variables.get(f"{PROBLEM}_duration"))
    ticket.callback_requested = ticket.callback_requested or bool(variables.get("callback"))
    record(
        ticket,
        EventKind.call_recorded,
        resident_actor(resident),
        data={
            "call_sid": call.sid,
            "problem_recording": recording,
            "problem_seconds": _seconds(variables.get(f"{PROBLEM}_duration")),
            "address_recording": _text(variables.get("address_recording")),
            "callback": bool(variables.get("callback")),
            "added_to_open_ticket": bool(current),
            "dial_status": _text(variables.get("dial_status")),
        },
    )
    call.resident, call.ticket, call.outcome = resident, ticket, CallOutcome.ticket
    if resident.can_receive_sms and not opened:  # the caller has this ticket's code already
        reply = reply or confirmation(ticket, call.language, found, new=not current)
        priority = Priority.urgent if found.urgent else Priority.notice
        queue_sms(session, resident.phone, reply, priority=priority, ticket_id=ticket.id)
    return ticket.code


def _unheard(ticket: Ticket, words: str) -> str:
    """What of the caller's `words` the ticket lacks: a call's words grow as it goes on
    ("有煤气味。燃气灶也打不着火" once the ticket holds "有煤气味")."""
    known = ticket.description
    if known and words.startswith(known):
        words = words[len(known) :]
    return "" if words in known else words.strip(" 。，,.;；")


def _classification(variables: Mapping[str, object]) -> Classification:
    """The menu's category if one was chosen, else keywords in what the caller said."""
    found = classify(str(variables.get("speech") or ""))
    chosen = variables.get("category")
    danger = _text(variables.get("danger_word")) or found.danger_word
    return Classification(
        category=chosen if isinstance(chosen, str) and chosen else found.category,
        matched=None if chosen else found.matched,
        urgent=bool(variables.get("emergency")) or danger is not None,
        danger_word=danger,
        hazard=found.hazard,
    )


def _text(value: object) -> str | None:
    return str(value) if value else None


def _seconds(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- calls a domestic gateway plays itself ----------------------------------------------------


def gateway_keys(session: Session, line: VoiceLine, sid: str, keys: str) -> Call | None:
    """Keys pressed in a call whose prompt the gateway played (no TwiML, no flow steps): the
    survey's menu maps them to a rating as it does for a Twilio call."""
    call = call_by_sid(session, sid) or _unanswered_call(session, line, sid)
    if call is None or call.status in ENDED:
        return call
    flow = line.flows.get(call.flow)
    key = keys[:1]
    call.digits = [*call.digits, keys]
    if call.purpose == CallPurpose.offer and flow is not None:
        offer_calls.call_the_winner(session, offer_calls.settle(session, call, flow, None, key))
        session.flush()
        return call
    for node in flow.nodes.values() if flow else ():
        if isinstance(node, MenuNode) and node.store and key in node.options:
            state = dict(call.state or {})
            state["variables"] = {**call.variables, node.store: node.options[key].value}
            call.state = state
            call.outcome = CallOutcome.rated
            break
    session.flush()
    return call


def gateway_call_ended(
    session: Session,
    line: VoiceLine,
    sid: str,
    *,
    answered: bool,
    keys: str,
    duration: int | None,
) -> Call | None:
    """The gateway's call result, ended like a Twilio call (a survey gets its answer once)."""
    if keys:
        gateway_keys(session, line, sid, keys)
    return end_call(session, line, sid, "completed" if answered else "no-answer", duration)
