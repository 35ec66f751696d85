"""Supervision figures for a period, computed from the ticket timeline (TicketEvent) only.

- received: "received" events in the period.
- closed: "close" events in the period; each is on time or late. Late means the ticket had a
  breach event or was closed after its deadline (`due_at`).
- satisfaction: "survey_answered" events by `data["rating"]`, plus the surveys that ended
  unanswered ("no answer") or with no usable answer ("invalid").
- follow-ups: "followup_opened" events.

The satisfaction rate is (satisfied + basically satisfied) / (every rated answer); "no answer"
and "invalid" are counted but not rated. Each figure is one grouped query, so a week at city
scale costs a handful of index scans, not a pass over every ticket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from app.surveys.operations import ANSWERED, INVALID, NO_ANSWER
from app.tickets.models import EventKind, Ticket, TicketEvent
from app.tickets.supervision import BREACHED

RATINGS = ("satisfied", "basically_satisfied", "unsatisfied", "no_answer", "invalid")
RATED = ("satisfied", "basically_satisfied", "unsatisfied")
GOOD = ("satisfied", "basically_satisfied")
RECEIVED, CLOSE, FOLLOWUP = EventKind.received, EventKind.close, EventKind.followup_opened
SURVEY_ENDINGS = (ANSWERED, NO_ANSWER, INVALID)

Grouping = Literal["community", "department"] | None
Pair = tuple[int | None, int | None]  # (community id, department id)


@dataclass
class Figures:
    received: int = 0
    closed: int = 0
    on_time: int = 0
    late: int = 0
    followups: int = 0
    ratings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))

    @property
    def rated(self) -> int:
        return sum(self.ratings[r] for r in RATED)

    @property
    def satisfaction_rate(self) -> float | None:
        """Share of rated answers that were satisfied or basically satisfied."""
        return sum(self.ratings[r] for r in GOOD) / self.rated if self.rated else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "closed": self.closed,
            "on_time": self.on_time,
            "late": self.late,
            "followups": self.followups,
            "ratings": dict(self.ratings),
            "satisfaction_rate": self.satisfaction_rate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figures:
        figures = cls(**{k: data[k] for k in ("received", "closed", "on_time", "late")})
        figures.followups = data["followups"]
        figures.ratings.update(data["ratings"])
        return figures


def figures_by(
    session: Session,
    start: datetime,
    end: datetime,
    grouping: Grouping = None,
    where: ColumnElement[bool] | None = None,
) -> dict[int | None, Figures]:
    """Figures for [start, end) per community or department id (or one entry keyed None)."""
    column = _group_column(grouping)
    keys = (column,) if column is not None else ()
    grouped = _figures(session, start, end, keys, where)
    return {key[0] if key else None: figures for key, figures in grouped.items()}


def by_community_and_department(
    session: Session, start: datetime, end: datetime
) -> dict[Pair, Figures]:
    """Figures per (community id, department id): both rankings and the street's totals from
    one pass, where three separate passes would each read the period's events again."""
    keys = (Ticket.community_id, Ticket.unit_id)
    return {(key[0], key[1]): f for key, f in _figures(session, start, end, keys, None).items()}


def fold(grouped: dict[Pair, Figures], side: int) -> dict[int | None, Figures]:
    """Sum (community, department) figures by one side: 0 communities, 1 departments."""
    parts: defaultdict[int | None, list[Figures]] = defaultdict(list)
    for key, figures in grouped.items():
        parts[key[side]].append(figures)
    return {key: merged(group) for key, group in parts.items()}


def _figures(
    session: Session,
    start: datetime,
    end: datetime,
    keys: tuple[Any, ...],
    where: ColumnElement[bool] | None,
) -> dict[tuple[Any, ...], Figures]:
    """One grouped pass over the period's events: the join to tickets is paid once, not per
    figure."""
    _without_jit(session)
    late = _close_lateness()
    rating = case(
        (TicketEvent.kind == ANSWERED, TicketEvent.data["rating"].as_string()),
        (TicketEvent.kind == NO_ANSWER, literal("no_answer")),
        (TicketEvent.kind == INVALID, literal("invalid")),
        else_=None,
    )
    columns = (TicketEvent.kind, late, rating)
    rows = session.execute(
        _events(keys, start, end, where, *columns, func.count())
        .where(TicketEvent.kind.in_([RECEIVED, FOLLOWUP, CLOSE, *SURVEY_ENDINGS]))
        .group_by(*keys, *columns)
    )
    result: defaultdict[tuple[Any, ...], Figures] = defaultdict(Figures)
    width = len(keys)
    for row in rows:
        figures = result[tuple(row[:width])]
        kind, is_late, value, count = row[width:]
        if kind == RECEIVED:
            figures.received += count
        elif kind == FOLLOWUP:
            figures.followups += count
        elif kind == CLOSE:
            figures.closed += count
            figures.late += count if is_late else 0
            figures.on_time += 0 if is_late else count
        else:
            figures.ratings[value if value in figures.ratings else "invalid"] += count
    return dict(result)


def totals(
    session: Session, start: datetime, end: datetime, where: ColumnElement[bool] | None = None
) -> Figures:
    return figures_by(session, start, end, None, where).get(None, Figures())


@dataclass(frozen=True)
class Day:
    day: date
    received: int
    closed: int
    on_time: int


def daily(
    session: Session,
    start: datetime,
    end: datetime,
    timezone: str,
    where: ColumnElement[bool] | None = None,
) -> list[Day]:
    """Received, closed and closed-on-time per local day, for the charts.

    The database counts per UTC hour (no time-zone support needed in SQLite); the hours are
    then folded into local days here, which is right for any zone with whole-hour offsets.
    """
    _without_jit(session)
    zone = ZoneInfo(timezone)
    hour = _hour_bucket(session)
    late = _close_lateness()
    counts: defaultdict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = session.execute(
        _events((hour,), start, end, where, TicketEvent.kind, late, func.count())
        .where(TicketEvent.kind.in_([RECEIVED, CLOSE]))
        .group_by(hour, TicketEvent.kind, late)
    )
    for bucket, kind, is_late, count in rows:
        moment = datetime.strptime(str(bucket)[:13], "%Y-%m-%d %H").replace(tzinfo=ZoneInfo("UTC"))
        slot = counts[moment.astimezone(zone).date()]
        if kind == RECEIVED:
            slot[0] += count
        else:
            slot[1] += count
            slot[2] += 0 if is_late else count
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [Day(d, *counts.get(d, [0, 0, 0])) for d in days]


def _group_column(grouping: Grouping) -> Any:
    if grouping == "community":
        return Ticket.community_id
    if grouping == "department":
        return Ticket.unit_id
    return None


def _events(
    keys: tuple[Any, ...],
    start: datetime,
    end: datetime,
    where: ColumnElement[bool] | None,
    *columns: Any,
) -> Select[Any]:
    """SELECT keys, columns FROM events JOIN tickets WHERE the event falls in [start, end)."""
    return (
        select(*keys, *columns)
        .select_from(TicketEvent)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            TicketEvent.at >= start, TicketEvent.at < end, where if where is not None else true()
        )
    )


def _close_lateness() -> Any:
    """The late flag for close events only, so received events cost no breach lookup."""
    return case((TicketEvent.kind == CLOSE, _late_flag()), else_=None)


def _late_flag() -> Any:
    """1 when the close came after the deadline or the ticket was ever marked breached."""
    breach = aliased(TicketEvent)
    breached = exists().where(breach.ticket_id == Ticket.id, breach.kind == BREACHED)
    after_due = and_(Ticket.due_at.is_not(None), TicketEvent.at > Ticket.due_at)
    return case((or_(after_due, breached), 1), else_=0)


def _without_jit(session: Session) -> None:
    """PostgreSQL's JIT compiles these grouped scans for longer than they run (at 10^6
    tickets: 1.6 s of compiling for 0.4 s of work), so it is off for this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _hour_bucket(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(TicketEvent.at, "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", TicketEvent.at)


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def merged(figures: Iterable[Figures]) -> Figures:
    total = Figures()
    for f in figures:
        total.received += f.received
        total.closed += f.closed
        total.on_time += f.on_time
        total.late += f.late
        total.followups += f.followups
        for name, count in f.ratings.items():
            total.ratings[name] += count
    return total
