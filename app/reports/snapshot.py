"""A stored report's figures: the district, each street, community and department for one
period, as they were when the report was made (the weekly and the yearly reports).

The rows carry their street, so one stored report serves the district and every street: a
street's view is its own row and the rows of its communities and departments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.communities.models import Community, Department, Street
from app.reports.figures import Figures, by_community_and_department, fold, merged
from app.reports.models import SupervisionReport
from app.reports.ranking import Rank, Unit, rank
from app.tickets.models import TicketEvent

SECTIONS = ("streets", "communities", "departments")


def build(
    session: Session, kind: str, start: datetime, end: datetime, label: str
) -> SupervisionReport:
    """The figures of [start, end) for every level, from one grouped pass over the events."""
    pairs = by_community_and_department(session, start, end)
    by_community, by_department = fold(pairs, 0), fold(pairs, 1)
    communities = list(session.scalars(select(Community).order_by(Community.code)))
    departments = list(session.scalars(select(Department).order_by(Department.code)))
    streets = list(session.scalars(select(Street).order_by(Street.code)))
    per_street = by_street(communities, by_community)
    return SupervisionReport(
        kind=kind,
        period_start=start,
        period_end=end,
        label=label,
        generated_at=utcnow(),
        data={
            "overall": merged(pairs.values()).as_dict(),
            "streets": [_row(s, per_street.get(s.id, Figures())) for s in streets],
            "communities": [_row(c, by_community.get(c.id, Figures())) for c in communities],
            "departments": [_row(d, by_department.get(d.id, Figures())) for d in departments],
        },
    )


def by_street(
    communities: Iterable[Community], by_community: Mapping[int | None, Figures]
) -> dict[int | None, Figures]:
    """Community figures summed per street (None: communities without a street, and tickets
    of residents whose community is not known)."""
    street_of = {c.id: c.street_id for c in communities}
    parts: defaultdict[int | None, list[Figures]] = defaultdict(list)
    for community_id, figures in by_community.items():
        parts[street_of.get(community_id) if community_id is not None else None].append(figures)
    return {street: merged(group) for street, group in parts.items()}


def store(session: Session, report: SupervisionReport) -> SupervisionReport | None:
    """Add the report unless another scheduler stored the same kind and period a moment ago."""
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        return None
    return report


def stored(session: Session, kind: str, start: datetime) -> SupervisionReport | None:
    return session.scalar(
        select(SupervisionReport).where(
            SupervisionReport.kind == kind, SupervisionReport.period_start == start
        )
    )


def anything_before(session: Session, end: datetime) -> bool:
    """Has anything happened on the line before `end`? A fresh install reports no zeros."""
    return session.scalar(select(TicketEvent.id).where(TicketEvent.at < end).limit(1)) is not None


def _row(unit: Street | Community | Department, figures: Figures) -> dict[str, Any]:
    street_id = unit.id if isinstance(unit, Street) else unit.street_id
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "name_en": unit.name_en,
        "street_id": street_id,
    } | figures.as_dict()


def units(
    report: SupervisionReport, section: str, street_id: int | None = None
) -> list[tuple[Unit, Figures]]:
    """The stored rows of `section` as units and figures; of one street when `street_id`."""
    return [
        (
            Unit(r["id"], r["code"], r["name"], r["name_en"], r.get("street_id")),
            Figures.from_dict(r),
        )
        for r in report.data.get(section, [])
        if street_id is None or r.get("street_id") == street_id
    ]


def overall(report: SupervisionReport, street_id: int | None = None) -> Figures:
    """The district's figures, or one street's (its row; zeros if it had none)."""
    if street_id is None:
        return Figures.from_dict(report.data["overall"])
    rows = units(report, "streets", street_id)
    return rows[0][1] if rows else Figures()


def ranking(
    report: SupervisionReport, section: str, min_sample: int, street_id: int | None = None
) -> list[Rank]:
    return rank(units(report, section, street_id), min_sample)


def street_names(report: SupervisionReport) -> list[Unit]:
    return [unit for unit, _ in units(report, "streets")]
