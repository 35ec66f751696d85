"""What staff do to a ticket from the dashboard, one function per action.

Each writes its event with the staff member as the actor (reports and the timeline show who),
flushes, and leaves the commit to the request. Illegal moves raise `IllegalTransition`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.categories.catalog import classify
from app.categories.models import Category
from app.communities.models import Department
from app.messaging.models import Priority
from app.messaging.outbox import Text, queue_sms
from app.surveys import operations
from app.surveys.models import FollowUp, Rating
from app.tickets import cancellation, escalation, repeats, resolution, routing
from app.tickets.lifecycle import Actor, IllegalTransition, Move, can, record, transition
from app.tickets.models import EventKind, Ticket, TicketStatus

MAX_NOTE_LENGTH = 2000
# The staff_message template adds about 30 characters; 100 more keep any text, even Chinese
# typed into an English template (UCS-2, 67 per segment), within the 2-segment budget.
MAX_TEXT_LENGTH = 100


class ActionRefused(ValueError):
    """The action cannot be done as asked (empty note, no phone to text, paused volunteer).

    `why` names the words that tell staff what stopped it (``refused_<why>`` in the wording
    catalog), `values` fill them; the exception's text is for logs only.
    """

    def __init__(self, why: str, **values: object) -> None:
        super().__init__(why, *values.values())
        self.why = why
        self.values = values


def add_note(session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
    text = text.strip()
    if not text:
        raise ActionRefused("empty_note")
    record(ticket, EventKind.note, actor, reason=text[:MAX_NOTE_LENGTH])
    session.flush()


def recategorise(session: Session, ticket: Ticket, actor: Actor, code: str) -> None:
    """Correct the category. The event keeps the resident's words and the keyword that misled
    the guess, so the corrections page can show what the keywords should learn."""
    category = session.get(Category, code)
    if category is None:
        raise ActionRefused("no_category")
    if code == ticket.category_code:
        return
    data = {
        "from": ticket.category_code,
        "to": code,
        "text": ticket.description[:MAX_NOTE_LENGTH],
        "keyword": classify(ticket.description).matched or "",
    }
    ticket.category_code, ticket.category = code, category
    record(ticket, EventKind.recategorised, actor, data=data)
    session.flush()


def cancel(session: Session, ticket: Ticket, actor: Actor, reason: str = "") -> None:
    cancellation.cancel(session, ticket, actor, _clip(reason))
    session.flush()


def resolve(session: Session, ticket: Ticket, actor: Actor, reason: str = "") -> None:
    """Resolved by staff; the resident is told, as when the holder reports it done."""
    resolution.resolve(session, ticket, actor, _clip(reason))
    session.flush()


def close(session: Session, ticket: Ticket, actor: Actor, reason: str = "") -> None:
    """Close a resolved ticket, or end a return visit without the resident's acceptance (then
    a reason is required: the street reviews such closures)."""
    if ticket.status is not TicketStatus.return_visit:
        _move(session, ticket, Move.close, actor, reason)
        return
    try:
        operations.close_return_visit(session, ticket, actor, _clip(reason))
    except operations.FollowUpClosed:
        raise ActionRefused("close_needs_reason") from None


def reopen(session: Session, ticket: Ticket, actor: Actor, reason: str = "") -> None:
    if ticket.status is TicketStatus.return_visit:
        raise ActionRefused("reopen_in_return_visit")
    _move(session, ticket, Move.reopen, actor, reason)


def _move(session: Session, ticket: Ticket, move: Move, actor: Actor, reason: str) -> None:
    transition(ticket, move, actor, reason=_clip(reason))
    session.flush()


def _clip(reason: str) -> str:
    return reason.strip()[:MAX_NOTE_LENGTH]


def escalate(
    session: Session, ticket: Ticket, actor: Actor, department: Department | None, reason: str
) -> None:
    """Hand the ticket to a street department or a partner unit (property company, sanitation
    station) of the ticket's own street; volunteers asked or holding it stand down. Either
    answers the same way by SMS."""
    if department is None:
        raise ActionRefused("no_department")
    if department.street_id != routing.street_id(ticket):
        raise ActionRefused("other_street", unit=department.display_name("zh"))
    if not can(ticket, Move.escalate):
        raise IllegalTransition(ticket, Move.escalate)
    escalation.escalate(session, ticket, department, actor, _clip(reason))


def merge(
    session: Session, child: Ticket, parent: Ticket | None, actor: Actor, into: str = ""
) -> None:
    """`child` repeats `parent` (found by the code `into`, in the staff member's scope)."""
    if parent is None:
        raise ActionRefused("no_ticket", code=into)
    try:
        repeats.merge(session, child, parent, actor)
    except repeats.MergeRefused as refused:
        raise ActionRefused(refused.why, code=parent.code) from None


def split(session: Session, child: Ticket, actor: Actor) -> None:
    try:
        repeats.split(session, child, actor)
    except repeats.MergeRefused as refused:
        raise ActionRefused(refused.why, code=child.code) from None


def complete_followup(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    followup: FollowUp | None,
    outcome: str,
    needs_work: bool,
    rating: Rating | None = None,
) -> None:
    """Record what the return visit found (and the resident's new rating, if given): needing
    work reopens the ticket for dispatch, otherwise it closes."""
    outcome = outcome.strip()[:MAX_NOTE_LENGTH]
    if followup is None or followup.ticket_id != ticket.id:
        raise ActionRefused("no_followup")
    if not outcome:
        raise ActionRefused("followup_outcome")
    try:
        operations.complete_followup(session, followup, outcome, needs_work, actor, rating)
    except operations.FollowUpClosed:
        raise ActionRefused("followup_closed") from None


def text_resident(session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
    """Queue a text to the resident (landlines are recorded as suppressed, not sent)."""
    text = " ".join(text.split())
    if not text:
        raise ActionRefused("empty_text")
    if len(text) > MAX_TEXT_LENGTH:
        raise ActionRefused("text_too_long", n=MAX_TEXT_LENGTH)
    resident = ticket.resident
    if resident is None:
        raise ActionRefused("no_resident")
    message = queue_sms(
        session,
        resident.phone,
        Text("staff_message", resident.language, {"code": ticket.code, "text": text}),
        priority=Priority.notice,
        ticket_id=ticket.id,
        landline=not resident.can_receive_sms,
    )
    record(ticket, EventKind.resident_texted, actor, data={"message_id": message.id, "text": text})
    session.flush()
