"""Everything an inbound text's handlers need to know about its sender, read in one SELECT.

Whether the text was delivered before, whether the number opted out, is a volunteer or a unit's
liaison, the resident behind it (with their open ticket to add to, a survey waiting for an
answer, and the open ticket a new report of `category` would repeat). Handlers consult this
instead of asking one by one, so an ordinary report from a resident reads the database once and
a repeated delivery costs exactly this statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.communities.models import Department
from app.config import current_settings
from app.db import loaded
from app.messaging.models import Message, OptOut
from app.residents.models import Resident
from app.surveys.models import Survey, SurveyChannel, SurveyStatus
from app.tickets import neighbours
from app.tickets.models import ACTIVE_STATUSES, Ticket
from app.volunteers.models import Volunteer


@dataclass
class Sender:
    """What the one SELECT found. `opted_out` follows STOP and START within the same text."""

    seen: bool  # this provider id was recorded before: a repeated delivery
    opted_out: bool
    volunteer: bool
    liaison: bool
    resident: Resident | None
    survey: bool  # a survey waiting for an answer, or rated by SMS moments ago (a comment)
    recent_ticket_id: int | None  # the open ticket written about within the follow-up window
    original_id: int | None  # the open ticket a new report of the given category would repeat
    # PostgreSQL: the place (`tickets.neighbours`) held before this was read, so `original_id`
    # stays current for a new report there
    held_place: str | None = None


_SEEN = exists().where(Message.provider_sid == bindparam("sid"))  # a repeated delivery


def _statement() -> Select[Any]:
    phone: BindParameter[str] = bindparam("phone")
    mine = Ticket.resident_id == Resident.id
    same_building = and_(
        Resident.building != "",
        Resident.community_id.is_not(None),
        Ticket.building == Resident.building,
        Ticket.community_id == Resident.community_id,
    )
    # The statuses are fixed words: written into the SQL once, rather than a list bound anew
    # (and the statement re-rendered) on every execution.
    active = Ticket.status.in_([literal_column(f"'{s.value}'") for s in sorted(ACTIVE_STATUSES)])
    recent = (
        select(Ticket.id)
        .where(mine, active, Ticket.last_report_at >= bindparam("followup_since"))
        .order_by(Ticket.last_report_at.desc())
        .limit(1)
        .correlate(Resident)
        .scalar_subquery()
    )
    original = (  # app/tickets/repeats.py: find_original, for a ticket not yet written
        select(Ticket.id)
        .where(
            Ticket.category_code == bindparam("category"),
            Ticket.received_at >= bindparam("repeat_since"),
            active,
            Ticket.parent_id.is_(None),
            or_(mine, and_(bindparam("neighbours_too"), same_building)),
        )
        .order_by(Ticket.received_at)
        .limit(1)
        .correlate(Resident)
        .scalar_subquery()
    )
    survey = exists().where(
        Survey.resident_id == Resident.id,
        or_(
            Survey.status == SurveyStatus.awaiting,
            and_(
                Survey.status == SurveyStatus.answered,
                Survey.answer_channel == SurveyChannel.sms,
                Survey.answered_at >= bindparam("comment_since"),
            ),
        ),
    )
    one_row = select(literal(1).label("one")).subquery()
    return (
        select(
            *_RESIDENT,
            _SEEN.label("seen"),
            exists().where(OptOut.phone == phone).label("opted_out"),
            exists().where(Volunteer.phone == phone).label("volunteer"),
            exists().where(Department.liaison_phone == phone).label("liaison"),
            survey.correlate(Resident).label("survey"),
            recent.label("recent_ticket_id"),
            original.label("original_id"),
        )
        .select_from(one_row)
        .outerjoin(Resident, Resident.phone == phone)
    )


NUMBER_LOCKS = 581  # the advisory lock class (first key) of numbers whose text is being handled


def _hold() -> Select[Any]:
    """PostgreSQL, first: a repeated delivery ends here; any other text holds the sender's
    number and then, for a sender placed in a building, that building for a new report of the
    text's category (`tickets.neighbours`), whose key it returns. The building waits for the
    number (LATERAL: it is evaluated for the row the number's lock made), so texts from one
    number queue on the number alone and no two texts take the two locks in opposite orders."""
    phone: BindParameter[str] = bindparam("phone")
    number = select(
        _SEEN.label("seen"),
        case(
            (_SEEN, null()),
            else_=func.pg_advisory_xact_lock(NUMBER_LOCKS, func.hashtext(phone)),
        ).label("number"),
    ).subquery("number")
    place = neighbours.place_key_sql(
        Resident.community_id, Resident.building, bindparam("category", type_=String)
    )
    building = (
        select(place.label("place"), neighbours.hold(place).label("held"))
        .where(
            ~number.c.seen,
            Resident.phone == phone,
            Resident.building != "",
            Resident.community_id.is_not(None),
        )
        .lateral("building")
    )
    return select(number.c.seen, number.c.number, building.c.place, building.c.held).select_from(
        number.outerjoin(building, true())
    )


_HOLD = _hold()
_RESIDENT = list(Resident.__table__.columns)
_STATEMENT = _statement()  # built once; each text only binds its values


def load_sender(
    session: Session, sid: str, phone: str, category: str, *, neighbours_too: bool = True
) -> Sender:
    """The sender of a text, read in one SELECT.

    PostgreSQL: a statement before it tells a repeated delivery (then the only statement) and
    otherwise holds the number, and the sender's building for a report of `category` (advisory
    locks to the end of the transaction), so texts from one number, and new reports of one
    problem from one building, are handled one at a time and what the SELECT then reads (in a
    snapshot of its own, taken after the locks) stays current until the commit: a text resent
    a dozen times at once opens one ticket, the copies find it, and so do the neighbours'
    texts. SQLite's writers take turns already. `neighbours_too`: False for a problem inside
    the sender's home, which only their own open report of its category repeats.
    """
    connection = session.connection()
    held_place = None
    if connection.dialect.name == "postgresql":
        held = connection.execute(_HOLD, {"sid": sid, "phone": phone, "category": category}).one()
        if held.seen:
            return _repeated()
        held_place = held.place
    settings = current_settings()
    now = utcnow()
    row = connection.execute(
        _STATEMENT,
        {
            "sid": sid,
            "phone": phone,
            "category": category,
            "neighbours_too": neighbours_too,
            "followup_since": now - timedelta(hours=settings.HOTLINE_FOLLOWUP_WINDOW_HOURS),
            "repeat_since": now - timedelta(hours=settings.HOTLINE_REPEAT_WINDOW_HOURS),
            "comment_since": now - timedelta(minutes=settings.HOTLINE_SURVEY_COMMENT_MINUTES),
        },
    ).one()
    if row.seen:  # nothing more is wanted of a repeated delivery
        return _repeated()
    return Sender(
        seen=False,
        opted_out=bool(row.opted_out),
        volunteer=bool(row.volunteer),
        liaison=bool(row.liaison),
        resident=_resident(session, row),
        survey=bool(row.survey),
        recent_ticket_id=row.recent_ticket_id,
        original_id=row.original_id,
        held_place=held_place,
    )


def _repeated() -> Sender:
    return Sender(True, False, False, False, None, False, None, None)


def _resident(session: Session, row: Row[Any]) -> Resident | None:
    """The resident of `row`, persistent in `session` as if the ORM had loaded it."""
    if row.id is None:
        return None
    # Already in this session (a worker's or a test's): that one.
    return loaded(session, Resident, {c.key: row._mapping[c] for c in _RESIDENT})
