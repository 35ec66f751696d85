"""Repeat reports of one problem: linked to the open ticket instead of dispatched twice.

A new ticket is a repeat when, within HOTLINE_REPEAT_WINDOW_HOURS (48 h), an open ticket of the
same category came from the same resident or, unless its words place it inside the reporter's
home (`neighbours.in_a_home`), from the same (non-empty) building of the same community. The
repeat is cancelled with data {"merged_into": <code>} and keeps `parent_id`, so its words and
its reporter stay on record and both timelines say what happened; the parent gets a "merged"
event. Staff can merge any two open tickets the same way, and split a merged report off again
(it starts over as a new ticket, on a fresh deadline).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.config import current_settings
from app.tickets.due_dates import set_community_deadline
from app.tickets.lifecycle import SYSTEM, Actor, Move, record, transition
from app.tickets.models import ACTIVE_STATUSES, EventKind, Ticket, TicketStatus
from app.tickets.neighbours import in_a_home


class MergeRefused(ValueError):
    """A merge or split that makes no sense (same ticket, finished ticket, not merged).

    The text is a word key (``merge_self``, ``merge_cancelled``, ``not_merged``) for the staff
    member's language.
    """

    @property
    def why(self) -> str:
        return str(self)


def find_original(session: Session, ticket: Ticket) -> Ticket | None:
    """The oldest open ticket that `ticket` repeats, if any."""
    window = timedelta(hours=current_settings().HOTLINE_REPEAT_WINDOW_HOURS)
    same_reporter = [Ticket.resident_id == ticket.resident_id] if ticket.resident_id else []
    same_building = (
        [
            and_(
                Ticket.building == ticket.building,
                Ticket.community_id == ticket.community_id,
            )
        ]
        if ticket.building and ticket.community_id and not in_a_home(ticket.description)
        else []
    )
    if not (same_reporter or same_building):
        return None
    return session.scalar(
        select(Ticket)
        .where(
            Ticket.id != ticket.id,
            Ticket.category_code == ticket.category_code,
            Ticket.received_at >= utcnow() - window,
            Ticket.status.in_(ACTIVE_STATUSES),
            Ticket.parent_id.is_(None),
            or_(*same_reporter, *same_building),
        )
        .order_by(Ticket.received_at)
        .limit(1)
    )


def link_repeat(session: Session, ticket: Ticket) -> Ticket | None:
    """At intake: merge a repeat report into its original; returns the original, or None."""
    original = find_original(session, ticket)
    if original is not None:
        merge(session, ticket, original, SYSTEM)
    return original


def merge(session: Session, child: Ticket, parent: Ticket, actor: Actor) -> None:
    """`child` reports the same problem as `parent`: cancel it into `parent`, both timelines
    recording the link. Reports already merged into `child` follow it to `parent`."""
    if child.id == parent.id:
        raise MergeRefused("merge_self")
    if parent.status is TicketStatus.cancelled:
        raise MergeRefused("merge_cancelled")
    transition(child, Move.cancel, actor, data={"merged_into": parent.code})
    child.parent_id = parent.id
    child.assignee = None  # nobody works on a merged report; a split starts it over
    session.execute(update(Ticket).where(Ticket.parent_id == child.id).values(parent_id=parent.id))
    record(parent, EventKind.merged, actor, data={"ticket": child.code, "text": child.description})
    session.flush()


def split(session: Session, child: Ticket, actor: Actor) -> Ticket:
    """Staff judge a merged report to be a different problem: it becomes a new ticket again."""
    if child.parent_id is None or child.status is not TicketStatus.cancelled:
        raise MergeRefused("not_merged")
    parent = session.get(Ticket, child.parent_id)
    assert parent is not None
    transition(child, Move.split, actor, data={"split_from": parent.code})
    child.parent_id = None
    set_community_deadline(child, utcnow())
    record(parent, EventKind.split, actor, data={"ticket": child.code})
    session.flush()
    return child
