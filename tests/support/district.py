"""A district of two streets with a year of rated requests, for the yearly ranking and the
street-level reports.

龙溪街道 (longxi-street): 龙溪社区 40 requests, 38 rated good; 金山社区 12, all good (below
the yearly minimum sample of 30); its 民政办 handles 10 of Longxi's. 双龙湖街道
(shuanglonghu-street): 回龙社区 60 requests, 54 good.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.communities.models import Community, Department, Street
from app.db import db
from app.surveys.operations import ANSWERED
from app.tickets.lifecycle import SYSTEM, Actor, Move, record, transition
from app.tickets.models import ActorKind, Ticket
from tests.support.staff import community, department, resident, ticket


@dataclass
class District:
    longxi_street: Street
    shuanglonghu_street: Street
    longxi: Community
    jinshan: Community
    huilong: Community
    civil: Department


def two_streets() -> District:
    first = Street(code="longxi-street", name="龙溪街道", name_en="Longxi Street")
    second = Street(code="shuanglonghu-street", name="双龙湖街道", name_en="Shuanglonghu Street")
    db.session.add_all([first, second])
    places = {
        "longxi": (community("longxi", "龙溪社区"), first),
        "jinshan": (community("jinshan", "金山社区"), first),
        "huilong": (community("huilong", "回龙社区"), second),
    }
    for place, street in places.values():
        place.street = street
    civil = department("civil", "民政办")
    civil.street = first
    db.session.commit()
    return District(first, second, *(p for p, _ in places.values()), civil)


def rated_year(district: District) -> None:
    """Every request handled and rated; the unsatisfied answers as the module says."""
    plan = ((district.longxi, 40, 2), (district.jinshan, 12, 0), (district.huilong, 60, 6))
    serial = 0
    for place, count, unhappy in plan:
        for n in range(count):
            serial += 1
            handled = ticket(resident(f"+861380000{serial:04d}", place), "洗衣机坏了")
            if place is district.longxi and n < 10:
                handled.unit = district.civil
            finish(handled, "unsatisfied" if n < unhappy else "satisfied")
    db.session.commit()


def finish(t: Ticket, rating: str) -> None:
    transition(t, Move.assign, SYSTEM)
    transition(t, Move.resolve, SYSTEM)
    transition(t, Move.close, SYSTEM)
    record(t, ANSWERED, Actor(ActorKind.resident), data={"rating": rating})
