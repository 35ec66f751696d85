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

from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
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

from app.categories.catalog import skill_of
from app.clock import utcnow
from app.communities.models import Community
from app.config import current_settings
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
    codes = parse_neighbours(current_settings().HOTLINE_COMMUNITY_NEIGHBOURS)
    wanted = codes.get(community.code, set())
    if not wanted:
        return []
    return list(session.scalars(select(Community.id).where(Community.code.in_(wanted))))


def candidates(
    session: Session, ticket: Ticket, limit: int, round_: int | None = None
) -> list[Candidate]:
    """The best `limit` volunteers to ask about `ticket` now, best first; for dispatch round
    `round_` (None: anyone asked about the ticket in any round is left out)."""
    config = current_settings()
    now = utcnow()
    local = now.astimezone(ZoneInfo(config.HOTLINE_TIMEZONE))
    neighbours = neighbour_ids(session, ticket.community)
    nearby = [cid for cid in (ticket.community_id, *neighbours) if cid is not None]
    values = {
        "ticket_id": ticket.id,
        "skill": skill_of(ticket.category_code),
        "today": local.date(),
        "per_day": config.HOTLINE_OFFERS_PER_DAY,
        "minute": local.weekday() * DAY + local.hour * 60 + local.minute,
        "now": now,
        "community_id": ticket.community_id,
        "building": ticket.building,
        "neighbours": neighbours,
        "nearby": nearby,
        "round": round_,
    }
    shape = Shape(
        nearby=True,
        urgent=ticket.priority == Priority.urgent,
        community=ticket.community_id is not None,
        building=bool(ticket.building),
        neighbours=bool(neighbours),
        per_round=round_ is not None,
    )
    found: list[Candidate] = []
    if nearby:
        found = _ranked(session, shape, values, limit)
    if len(found) < limit:
        found += _ranked(session, replace(shape, nearby=False), values, limit - len(found))
    return found


@dataclass(frozen=True)
class Shape:
    """What decides the form of a ranking query; everything else is a bound value."""

    nearby: bool  # the ticket's own and neighbouring communities, else the rest of the city
    urgent: bool  # urgent tickets ignore availability
    community: bool  # the ticket has a community: proximity tiers "community" and "building"
    building: bool
    neighbours: bool
    per_round: bool  # only this dispatch round's offers (and refusals) rule a volunteer out


@cache
def ranking_query(shape: Shape) -> Select[Any]:
    """The ranking query of one shape, built once per process.

    Building this expression costs more than running it against the indexes; only the bound
    values (ticket, skill, day, minute, communities, limit) change from one call to the next.
    """
    filters = _eligible(shape.urgent, shape.per_round)
    nearby: BindParameter[int] = bindparam("nearby", expanding=True)
    if shape.nearby:
        filters.append(Volunteer.community_id.in_(nearby))
    else:
        filters.append(or_(Volunteer.community_id.is_(None), Volunteer.community_id.not_in(nearby)))
    terms = _terms(shape)
    score = sum(
        (WEIGHTS[name] * expression for name, expression in terms.items()), start=literal(0.0)
    )
    return (
        select(Volunteer.id, score.label("score"), *(e.label(n) for n, e in terms.items()))
        .where(*filters)
        .order_by(score.desc(), Volunteer.id)
        .limit(bindparam("limit", type_=Integer))
    )


def _eligible(urgent: bool, per_round: bool) -> list[ColumnElement[bool]]:
    refused = Offer.status.in_((OfferStatus.declined, OfferStatus.dropped))
    asked = or_(Offer.round == bindparam("round", type_=Integer), refused) if per_round else true()
    filters = [
        Volunteer.active.is_(True),
        Volunteer.paused_at.is_(None),
        Volunteer.active_tasks < Volunteer.max_active,
        or_(
            Volunteer.offers_day.is_(None),
            Volunteer.offers_day != bindparam("today"),
            Volunteer.offers_on_day < bindparam("per_day"),
        ),
        not_(exists().where(OptOut.phone == Volunteer.phone)),
        not_(
            exists().where(
                Offer.ticket_id == bindparam("ticket_id"), Offer.volunteer_id == Volunteer.id, asked
            )
        ),
    ]
    if not urgent:
        minute = bindparam("minute", type_=Integer)
        in_window = exists().where(
            VolunteerWindow.volunteer_id == Volunteer.id,
            VolunteerWindow.start_minute <= minute,
            VolunteerWindow.end_minute > minute,
        )
        filters.append(or_(Volunteer.always_available.is_(True), in_window))
    filters.append(
        exists().where(
            VolunteerSkill.volunteer_id == Volunteer.id, VolunteerSkill.skill == bindparam("skill")
        )
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


def _terms(shape: Shape) -> dict[str, ColumnElement[Any]]:
    """Each score term as a SQL expression over the volunteers table."""
    whens: list[tuple[ColumnElement[bool], int]] = []
    if shape.community:
        same_community = Volunteer.community_id == bindparam("community_id")
        if shape.building:
            whens.append((and_(same_community, Volunteer.building == bindparam("building")), 3))
        whens.append((same_community, 2))
    if shape.neighbours:
        whens.append((Volunteer.community_id.in_(bindparam("neighbours", expanding=True)), 1))
    one = literal(1.0)
    hours = _hours_between(bindparam("now", type_=UTCDateTime()), Volunteer.last_offered_at)
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


def _ranked(session: Session, shape: Shape, values: dict[str, Any], limit: int) -> list[Candidate]:
    if limit <= 0:
        return []
    return [
        Candidate(
            volunteer_id=row.id,
            score=round(float(row.score), 2),
            reasons={
                "proximity": PROXIMITY_NAMES[int(row.proximity)],
                **{name: round(float(row._mapping[name]), 3) for name in list(WEIGHTS)[1:]},
            },
        )
        for row in session.execute(ranking_query(shape), {**values, "limit": limit})
    ]
