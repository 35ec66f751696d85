"""The figures a street is assessed on, for a period, computed from the ticket timeline only.

The definitions (also on the reports page, from `DEFINITIONS`, and in the README under "How the
figures are counted"):

- 受理 received: requests opened in the period ("received" events), each once. A report merged
  into another request (a repeat of the same problem) is not a request of its own: it is shown
  apart as `merged` and not in `received`. Resident cancellations ("cancel" events by the
  resident) are shown apart as `cancelled`; they stay in `received` (they were received) and
  never count as handled.
- 办结 handled: tickets whose FIRST resolution ("resolve" event) falls in the period; a ticket
  reopened and resolved again is not handled twice.
- 按时 on time: of the handled, those resolved by the deadline they had when the work was
  reported done (kept on the resolve event), not when the survey ended; `late`: resolved after
  it. A ticket that had no deadline then (working days past the holiday calendar's years:
  `deadline_unknown`) is neither: it is counted apart as `no_deadline`, and the on-time rate is
  on time / (on time + late).
- 满意率 satisfaction: (满意 + 基本满意) / rated answers, one answer per ticket: the ticket's last
  answer (a second survey after a reopen, or a new rating taken on the return visit, replaces
  the first), counted in the period the ticket was first rated (so weekly reports add up).
  "No answer" and "invalid" are shown, not rated.
  Written to one decimal place cut off (97.85...% is 97.8%: never more than was achieved), and
  as a whole percent rounded half up (98%): `rate_text`, `rate_whole`.
- Return visits (回访): opened ("followup_opened") and completed ("followup_completed").
- Average time to resolution: from receipt to the first resolution, over the handled.

Each figure family is one grouped query over an indexed range of events (kind, at), so a week at
city scale costs a handful of index scans, not a pass over every ticket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
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
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from app.surveys.operations import ANSWERED, INVALID, NO_ANSWER
from app.tickets.models import ActorKind, EventKind, Ticket, TicketEvent

RATINGS = ("satisfied", "basically_satisfied", "unsatisfied", "no_answer", "invalid")
RATED = ("satisfied", "basically_satisfied", "unsatisfied")
GOOD = ("satisfied", "basically_satisfied")
RECEIVED, RESOLVE, CANCEL = EventKind.received, EventKind.resolve, EventKind.cancel
FOLLOWUP_OPENED, FOLLOWUP_DONE = EventKind.followup_opened, EventKind.followup_completed
UNRATED_ENDINGS = (NO_ANSWER, INVALID)

# The definitions as the reports page shows them, in the staff's language.
DEFINITIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "zh": (
        (
            "受理",
            "期间新受理的诉求，每件一次；并入其他诉求的重复反映单列为“合并”，不计入受理；"
            "居民撤销的单列为“撤销”，不计为办结。",
        ),
        ("办结", "首次办结在本期间的诉求；重新处理后再次办结不重复计算。"),
        (
            "按时",
            "办结时（上报完成时，而非评价结束时）未超过当时期限的办结诉求；超时为超过期限的。",
        ),
        (
            "期限不明",
            "办结时没有期限的诉求（按工作日计算的期限超出节假日日历的年份）：单列，"
            "既不算按时也不算超时，不计入按时率（按时 ÷（按时 + 超时））。",
        ),
        (
            "满意率",
            "（满意 + 基本满意）÷ 有效评价；每件诉求只计一次评价，重新处理或回访后以最后一次为准。",
        ),
        (
            "满意率的写法",
            "保留一位小数时直接截去、不进位（228÷233 = 97.85…% 记为 97.8%），"
            "取整时四舍五入（98%）。",
        ),
        ("回访", "期间发起的回访和完成的回访。"),
        ("平均办结时长", "从受理到首次办结的平均时间。"),
    ),
    "en": (
        (
            "Received",
            "Requests opened in the period, each once. Reports merged into another "
            "request are shown apart (merged) and not counted; resident cancellations are shown "
            "apart and never count as handled.",
        ),
        (
            "Handled",
            "Requests whose first resolution falls in the period; a request reopened "
            "and resolved again is not counted twice.",
        ),
        (
            "On time",
            "Handled requests resolved by the deadline they had when the work was "
            "reported done, not when the survey ended; late: resolved after it.",
        ),
        (
            "No deadline",
            "Handled requests that had no deadline when the work was reported done (working "
            "days past the years the holiday calendar covers): shown apart, neither on time "
            "nor late, and left out of the on-time rate (on time / (on time + late)).",
        ),
        (
            "Satisfaction",
            "(Satisfied + basically satisfied) / rated answers, one answer per "
            "request: the last one after a reopen or a return visit.",
        ),
        (
            "Writing the rate",
            "To one decimal place the rate is cut off, never rounded up (228 / 233 = "
            "97.85...% is 97.8%); as a whole percent it is rounded half up (98%).",
        ),
        ("Return visits", "Return visits opened and completed in the period."),
        ("Average time to resolution", "From receipt to the first resolution."),
    ),
}


@dataclass
class Figures:
    received: int = 0
    merged: int = 0  # repeat reports merged into another request: not in `received`
    cancelled: int = 0  # withdrawn by the resident
    handled: int = 0
    on_time: int = 0
    late: int = 0
    no_deadline: int = 0  # handled without a deadline (past the holiday calendar): neither
    followups: int = 0  # return visits opened
    followups_done: int = 0
    resolution_seconds: float = 0.0  # summed over the handled, for the average
    ratings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))

    @property
    def rated(self) -> int:
        return sum(self.ratings[r] for r in RATED)

    @property
    def good(self) -> int:
        return sum(self.ratings[r] for r in GOOD)

    @property
    def satisfaction_rate(self) -> float | None:
        """Share of rated answers that were satisfied or basically satisfied."""
        return self.good / self.rated if self.rated else None

    @property
    def on_time_rate(self) -> float | None:
        """On time among the handled that had a deadline to meet."""
        judged = self.on_time + self.late
        return self.on_time / judged if judged else None

    @property
    def average_resolution_hours(self) -> float | None:
        return self.resolution_seconds / 3600 / self.handled if self.handled else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "merged": self.merged,
            "cancelled": self.cancelled,
            "handled": self.handled,
            "on_time": self.on_time,
            "late": self.late,
            "no_deadline": self.no_deadline,
            "followups": self.followups,
            "followups_done": self.followups_done,
            "resolution_seconds": self.resolution_seconds,
            "ratings": dict(self.ratings),
            "satisfaction_rate": self.satisfaction_rate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figures:
        """Also reads reports stored before these definitions ("closed" for handled)."""
        figures = cls(**{k: data.get(k, 0) for k in _COUNTS})
        figures.handled = data.get("handled", data.get("closed", 0))
        figures.ratings.update(data["ratings"])
        return figures


_COUNTS = (
    "received",
    "merged",
    "cancelled",
    "on_time",
    "late",
    "no_deadline",
    "followups",
    "followups_done",
    "resolution_seconds",
)


Grouping = Literal["community", "department"] | None
Pair = tuple[int | None, int | None]  # (community id, department id)


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
    """Three grouped passes over the period's events: counted kinds, first resolutions, last
    answers. The join to tickets is paid once per pass, not per figure."""
    _without_jit(session)
    result: defaultdict[tuple[Any, ...], Figures] = defaultdict(Figures)
    width = len(keys)
    for row in session.execute(_counted_events(keys, start, end, where)):
        figures = result[tuple(row[:width])]
        kind, flag, count = row[width:]
        if kind == RECEIVED:
            if flag:
                figures.merged += count
            else:
                figures.received += count
        elif kind == CANCEL:
            figures.cancelled += count
        elif kind == FOLLOWUP_OPENED:
            figures.followups += count
        elif kind == FOLLOWUP_DONE:
            figures.followups_done += count
        else:
            figures.ratings["no_answer" if kind == NO_ANSWER else "invalid"] += count
    dialect = session.get_bind().dialect.name
    for row in session.execute(_first_resolutions(dialect, keys, start, end, where)):
        figures = result[tuple(row[:width])]
        handled, on_time, unknown, seconds = row[width:]
        figures.handled += handled
        figures.on_time += on_time or 0
        figures.no_deadline += unknown or 0
        figures.late += handled - (on_time or 0) - (unknown or 0)
        figures.resolution_seconds += float(seconds or 0)
    for row in session.execute(_last_answers(keys, start, end, where)):
        figures = result[tuple(row[:width])]
        rating, count = row[width:]
        figures.ratings[rating if rating in RATED else "invalid"] += count
    return dict(result)


def _counted_events(
    keys: tuple[Any, ...], start: datetime, end: datetime, where: ColumnElement[bool] | None
) -> Select[Any]:
    """Receipts (flagged when the report was merged into another), resident cancellations,
    return visits opened and done, and surveys that ended without a rating."""
    merged_into = Ticket.parent_id.is_not(None)
    flag = case((TicketEvent.kind == RECEIVED, merged_into), else_=literal(False))
    by_resident = and_(TicketEvent.kind == CANCEL, TicketEvent.actor_kind == ActorKind.resident)
    kinds = (RECEIVED, FOLLOWUP_OPENED, FOLLOWUP_DONE, *UNRATED_ENDINGS)
    return (
        _events(keys, start, end, where, TicketEvent.kind, flag, func.count())
        .where(TicketEvent.kind.in_(kinds) | by_resident)
        .group_by(*keys, TicketEvent.kind, flag)
    )


def _first_resolutions(
    dialect: str,
    keys: tuple[Any, ...],
    start: datetime,
    end: datetime,
    where: ColumnElement[bool] | None,
) -> Select[Any]:
    """Per group: first resolutions in the period, how many were on time, how many had no
    deadline, seconds taken. The deadline and the verdict are those kept on the resolve event;
    one that kept no deadline had none to meet."""
    earlier = aliased(TicketEvent)
    resolved_before = exists().where(
        earlier.ticket_id == TicketEvent.ticket_id,
        earlier.kind == RESOLVE,
        earlier.id < TicketEvent.id,
    )
    unknown = TicketEvent.data["due_at"].as_string().is_(None)
    on_time = and_(~unknown, TicketEvent.data["on_time"].as_boolean())
    taken = _seconds(dialect, Ticket.received_at, TicketEvent.at)
    return (
        _events(
            keys,
            start,
            end,
            where,
            func.count(),
            func.sum(case((on_time, 1), else_=0)),
            func.sum(case((unknown, 1), else_=0)),
            func.sum(taken),
        )
        .where(TicketEvent.kind == RESOLVE, ~resolved_before)
        .group_by(*keys)
    )


def _last_answers(
    keys: tuple[Any, ...], start: datetime, end: datetime, where: ColumnElement[bool] | None
) -> Select[Any]:
    """Per group and rating: tickets first rated in the period, at their latest rating.

    A ticket is rated once, in the period of its first answer; a later answer (after a reopen
    or on the return visit) replaces the rating there instead of counting again in its own
    period, so stored weekly reports add up to one answer per ticket.
    """
    earlier = aliased(TicketEvent)
    answered_before = exists().where(
        earlier.ticket_id == TicketEvent.ticket_id,
        earlier.kind == ANSWERED,
        earlier.id < TicketEvent.id,
    )
    latest = aliased(TicketEvent)
    rating = (
        select(latest.data["rating"].as_string())
        .where(latest.ticket_id == TicketEvent.ticket_id, latest.kind == ANSWERED)
        .order_by(latest.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    labelled = [key.label(f"k{n}") for n, key in enumerate(keys)]
    first = (
        _events((), start, end, where, *labelled, rating.label("rating"))
        .where(TicketEvent.kind == ANSWERED, ~answered_before)
        .subquery()
    )
    grouped = [first.c[f"k{n}"] for n in range(len(keys))]
    return select(*grouped, first.c.rating, func.count()).group_by(*grouped, first.c.rating)


def totals(
    session: Session, start: datetime, end: datetime, where: ColumnElement[bool] | None = None
) -> Figures:
    return figures_by(session, start, end, None, where).get(None, Figures())


@dataclass(frozen=True)
class Day:
    day: date  # a day, or the first day of the week or month it sums up
    received: int
    handled: int
    on_time: int
    late: int

    @property
    def on_time_rate(self) -> float | None:
        """As `Figures.on_time_rate`: requests without a deadline are left out."""
        judged = self.on_time + self.late
        return self.on_time / judged if judged else None


class Grain(StrEnum):
    """How long one bar of the period's charts is: a day for a month or two, a week up to half
    a year, a month beyond (a year is twelve bars, not 365 squeezed ones)."""

    day = "day"
    week = "week"
    month = "month"


DAYS_UP_TO = 60
WEEKS_UP_TO = 26 * 7


def grain_for(days: int) -> Grain:
    if days <= DAYS_UP_TO:
        return Grain.day
    return Grain.week if days <= WEEKS_UP_TO else Grain.month


def by_grain(days: list[Day], grain: Grain) -> list[Day]:
    """The days summed per week (Monday first) or per calendar month, in order; each sum is
    dated by the first of its days in the period."""
    if grain is Grain.day:
        return days
    sums: dict[date, Day] = {}
    for d in days:
        if grain is Grain.week:
            key = d.day - timedelta(days=d.day.weekday())
        else:
            key = d.day.replace(day=1)
        was = sums.get(key)
        sums[key] = (
            d
            if was is None
            else Day(
                was.day,
                was.received + d.received,
                was.handled + d.handled,
                was.on_time + d.on_time,
                was.late + d.late,
            )
        )
    return list(sums.values())


def daily(
    session: Session,
    start: datetime,
    end: datetime,
    timezone: str,
    where: ColumnElement[bool] | None = None,
) -> list[Day]:
    """Received, handled, and handled on time and late per local day, for the charts, by the same
    definitions as the totals.

    The database counts per UTC hour (no time-zone support needed in SQLite); the hours are
    then folded into local days here, which is right for any zone with whole-hour offsets.
    """
    zone = ZoneInfo(timezone)
    per_hour = _figures(session, start, end, (_hour_bucket(session),), where)
    counts: defaultdict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (bucket,), figures in per_hour.items():
        moment = datetime.strptime(str(bucket)[:13], "%Y-%m-%d %H").replace(tzinfo=ZoneInfo("UTC"))
        slot = counts[moment.astimezone(zone).date()]
        slot[0] += figures.received
        slot[1] += figures.handled
        slot[2] += figures.on_time
        slot[3] += figures.late
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [Day(d, *counts.get(d, [0, 0, 0, 0])) for d in days]


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


def _seconds(dialect: str, start: Any, end: Any) -> Any:
    """Seconds from `start` to `end`, in SQL, for summing durations in the database."""
    if dialect == "postgresql":
        return func.round(func.extract("epoch", end - start))
    return func.round((func.julianday(end) - func.julianday(start)) * 86400)


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
    """A rate to one decimal place, cut off rather than rounded: 228 of 233 (97.854...%) is
    "97.8%". A published satisfaction figure never claims more than was achieved."""
    if rate is None:
        return "—"
    tenths = _permille(rate)
    return f"{tenths // 10}.{tenths % 10}%"


def rate_whole(rate: float | None) -> str:
    """The headline whole percent, rounded half up: 97.854...% is "98%" (as the street
    announces it)."""
    if rate is None:
        return "—"
    return f"{(_permille(rate) + 5) // 10}%"


def _permille(rate: float) -> int:
    """Tenths of a percent, cut off. The small margin keeps a rate computed as a float (e.g.
    0.29 stored as 0.28999...) from losing a tenth it has."""
    return int(rate * 1000 + 1e-9)


def merged(figures: Iterable[Figures]) -> Figures:
    total = Figures()
    for f in figures:
        for name in (*_COUNTS, "handled"):
            setattr(total, name, getattr(total, name) + getattr(f, name))
        for name, count in f.ratings.items():
            total.ratings[name] += count
    return total
