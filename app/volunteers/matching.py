"""Who to ask about a ticket: candidates filtered and ranked in SQL, with the reasons kept.

Candidates are active, not paused, not opted out, reachable by SMS, have the category's skill,
hold fewer tickets than their `max_active`, were offered fewer than HOTLINE_OFFERS_PER_DAY tasks
today, are available now (ignored for urgent tickets), were not asked about this ticket in this
dispatch round, and never declined it or gave it back. (A ticket reopened after a return visit,
or sent back by a department, starts a new round: whoever was simply beaten to it before may
be asked again.)

Score (higher is better), computed in the query so only the top `limit` rows come back:

    score = 100 * proximity + 50 * reliability + 25 * free_capacity + 25 * fairness

- proximity: 3 same building, 2 same community, 1 a neighbouring community
  (HOTLINE_COMMUNITY_NEIGHBOURS), 0 anyone else. The other terms add up to at most 100, so a
  nearer volunteer always ranks above a farther one, and the rest orders people within a tier.
- reliability (0..1): the mean of three smoothed rates, so a newcomer starts at 0.5:
  answered yes (accepts+1)/(accepts+declines+no_replies+2), finished what they took
  (completions+1)/(completions+drops+2), and residents' ratings (points+1)/(2*ratings+2).
- free_capacity (0..1): 1 - active_tasks/max_active.
- fairness (0..1): hours since their last offer / 24, capped at 1; never offered = 1.

The nearby tiers (own and neighbouring communities) are queried first; the rest of the city
only when they cannot fill the wave, so a typical match reads a few hundred rows at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    cast,
    exists,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from app.categories.models import Category
from app.clock import utcnow
from app.communities.models import Community, Department
from app.db import UTCDateTime
from app.messaging.models import OptOut
from app.tickets.models import Priority, Ticket
from app.volunteers.availability import DAY
from app.volunteers.models import Offer, OfferStatus, Volunteer, VolunteerSkill, VolunteerWindow

WEIGHTS = {"proximity": 100, "reliability": 50, "free_capacity": 25, "fairness": 25}
PROXIMITY_NAMES = {3: "building", 2: "community", 1: "neighbour", 0: "anyone"}
FAIRNESS_HOURS = 24


@dataclass(frozen=True)
class Candidate:
    volunteer_id: int
    score: float
    reasons: dict[str, Any]


class _hours_between(FunctionElement[float]):
    """Hours from `earlier` to `later` (two timestamps), in each database's own arithmetic."""

    type = Float()
    inherit_cache = True


@compiles(_hours_between, "sqlite")
def _hours_sqlite(element: _hours_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 24.0)"


@compiles(_hours_between, "postgresql")
def _hours_postgresql(element: _hours_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"


def parse_neighbours(text: str) -> dict[str, set[str]]:
    """ "a:b,c; b:d" -> {"a": {"b", "c"}, "b": {"a", "d"}, ...}; neighbourhood is symmetric."""
    pairs: dict[str, set[str]] = {}
    for clause in text.split(";"):
        if ":" not in clause:
            continue
        code, others = clause.split(":", 1)
        for other in filter(None, (o.strip().lower() for o in others.split(","))):
            pairs.setdefault(code.strip().lower(), set()).add(other)
            pairs.setdefault(other, set()).add(code.strip().lower())
    return pairs


def neighbour_ids(session: Session, community: Community | None) -> list[int]:
    if community is None:
        return []
    codes = parse_neighbours(current_app.config["HOTLINE_COMMUNITY_NEIGHBOURS"])
    wanted = codes.get(community.code, set())
    if not wanted:
        return []
    return list(session.scalars(select(Community.id).where(Community.code.in_(wanted))))


def handling_unit(session: Session, category: Category) -> Department | None:
    """The unit that handles this category instead of volunteers, if imported and reachable."""
    if not category.handled_by:
        return None
    return session.scalar(
        select(Department).where(
            Department.code == category.handled_by, Department.liaison_phone.is_not(None)
        )
    )


def candidates(
    session: Session, ticket: Ticket, limit: int, round_: int | None = None
) -> list[Candidate]:
    """The best `limit` volunteers to ask about `ticket` now, best first; for dispatch round
    `round_` (None: anyone asked about the ticket in any round is left out)."""
    category = session.get(Category, ticket.category_code)
    assert category is not None
    now = utcnow()
    neighbours = neighbour_ids(session, ticket.community)
    nearby = [cid for cid in (ticket.community_id, *neighbours) if cid is not None]
    filters = _eligible(ticket, category.skill or category.code, now, round_)
    found: list[Candidate] = []
    if nearby:
        here = [*filters, Volunteer.community_id.in_(nearby)]
        found = _ranked(session, ticket, now, neighbours, here, limit)
    if len(found) < limit:
        elsewhere = or_(Volunteer.community_id.is_(None), Volunteer.community_id.not_in(nearby))
        rest = [*filters, elsewhere]
        found += _ranked(session, ticket, now, neighbours, rest, limit - len(found))
    return found


def _eligible(
    ticket: Ticket, skill: str, now: datetime, round_: int | None
) -> list[ColumnElement[bool]]:
    config = current_app.config
    local = now.astimezone(ZoneInfo(config["HOTLINE_TIMEZONE"]))
    refused = Offer.status.in_((OfferStatus.declined, OfferStatus.dropped))
    asked = true() if round_ is None else or_(Offer.round == round_, refused)
    filters = [
        Volunteer.active.is_(True),
        Volunteer.paused_at.is_(None),
        Volunteer.phone_kind != "landline",
        Volunteer.active_tasks < Volunteer.max_active,
        or_(
            Volunteer.offers_day.is_(None),
            Volunteer.offers_day != local.date(),
            Volunteer.offers_on_day < config["HOTLINE_OFFERS_PER_DAY"],
        ),
        not_(exists().where(OptOut.phone == Volunteer.phone)),
        not_(
            exists().where(Offer.ticket_id == ticket.id, Offer.volunteer_id == Volunteer.id, asked)
        ),
    ]
    if ticket.priority != Priority.urgent:
        minute = local.weekday() * DAY + local.hour * 60 + local.minute
        in_window = exists().where(
            VolunteerWindow.volunteer_id == Volunteer.id,
            VolunteerWindow.start_minute <= minute,
            VolunteerWindow.end_minute > minute,
        )
        filters.append(or_(Volunteer.always_available.is_(True), in_window))
    filters.append(
        exists().where(VolunteerSkill.volunteer_id == Volunteer.id, VolunteerSkill.skill == skill)
    )
    return filters


def reliability() -> ColumnElement[float]:
    """The mean of the smoothed accept, completion and rating rates (a newcomer: 0.5), over
    the counters dispatch keeps; the roster page shows the same figure."""
    one = literal(1.0)
    response = (Volunteer.accepts + one) / (
        Volunteer.accepts + Volunteer.declines + Volunteer.no_replies + 2
    )
    finishing = (Volunteer.completions + one) / (Volunteer.completions + Volunteer.drops + 2)
    rated = (Volunteer.rating_points + one) / (Volunteer.ratings * 2 + 2)
    return cast((response + finishing + rated) / 3, Float)


def _terms(ticket: Ticket, now: datetime, neighbours: list[int]) -> dict[str, ColumnElement[Any]]:
    """Each score term as a SQL expression over the volunteers table."""
    whens: list[tuple[ColumnElement[bool], int]] = []
    if ticket.community_id is not None:
        if ticket.building:
            same_building = and_(
                Volunteer.community_id == ticket.community_id,
                Volunteer.building == ticket.building,
            )
            whens.append((same_building, 3))
        whens.append((Volunteer.community_id == ticket.community_id, 2))
    if neighbours:
        whens.append((Volunteer.community_id.in_(neighbours), 1))
    one = literal(1.0)
    hours = _hours_between(literal(now, UTCDateTime()), Volunteer.last_offered_at)
    return {
        "proximity": case(*whens, else_=0) if whens else literal(0),
        "reliability": reliability(),
        "free_capacity": cast(one - Volunteer.active_tasks * one / Volunteer.max_active, Float),
        "fairness": cast(
            case(
                (Volunteer.last_offered_at.is_(None), one),
                (hours >= FAIRNESS_HOURS, one),
                else_=hours / FAIRNESS_HOURS,
            ),
            Float,
        ),
    }


def _ranked(
    session: Session,
    ticket: Ticket,
    now: datetime,
    neighbours: list[int],
    filters: list[ColumnElement[bool]],
    limit: int,
) -> list[Candidate]:
    if limit <= 0:
        return []
    terms = _terms(ticket, now, neighbours)
    score = sum(
        (WEIGHTS[name] * expression for name, expression in terms.items()), start=literal(0.0)
    )
    query = (
        select(Volunteer.id, score.label("score"), *(e.label(n) for n, e in terms.items()))
        .where(*filters)
        .order_by(score.desc(), Volunteer.id)
        .limit(limit)
    )
    return [
        Candidate(
            volunteer_id=row.id,
            score=round(float(row.score), 2),
            reasons={
                "proximity": PROXIMITY_NAMES[int(row.proximity)],
                **{name: round(float(row._mapping[name]), 3) for name in list(WEIGHTS)[1:]},
            },
        )
        for row in session.execute(query)
    ]
