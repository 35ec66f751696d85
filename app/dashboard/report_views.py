"""Reports for any period, the stored weekly and yearly reports (printable pages and CSV), the
rankings; for the district or one street."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import Response, current_app, g, render_template, request
from sqlalchemy import ColumnElement, select
from werkzeug.exceptions import NotFound

from app.auth.scope import sees_all_communities, street_of, ticket_scope
from app.auth.web import language, login_required
from app.bad_input import whole_number
from app.clock import utcnow
from app.communities.models import Community, Department, Street
from app.dashboard.blueprint import bp, found_or_404
from app.dashboard.queries import period, period_bounds
from app.dashboard.ticket_csv import download
from app.db import db
from app.i18n import text as translate
from app.reports import charts, snapshot
from app.reports.figures import (
    DEFINITIONS,
    RATINGS,
    Day,
    Figures,
    Grain,
    by_community_and_department,
    by_grain,
    daily,
    fold,
    grain_for,
    merged,
    totals,
)
from app.reports.models import SupervisionReport
from app.reports.ranking import SATISFACTION_WEIGHT, VOLUME_WEIGHT, Rank, Unit, rank
from app.reports.weekly import WEEKLY, as_csv, file_name
from app.reports.yearly import YEARLY
from app.tickets.models import Ticket


@bp.get("/reports")
@login_required
def reports() -> str:
    timezone = current_app.config["HOTLINE_TIMEZONE"]
    zone = ZoneInfo(timezone)
    first, last = period(request.args, utcnow().astimezone(zone).date())
    start, end = period_bounds(first, last, zone)
    community = whole_number(request.args.get("community"), "community")
    department = whole_number(request.args.get("department"), "department")
    street = _street(request.args)
    where: ColumnElement[bool] = ticket_scope(g.user)
    if street is not None:
        where = where & Ticket.community_id.in_(
            select(Community.id).where(Community.street_id == street)
        )
    if community is not None:
        where = where & (Ticket.community_id == community)
    if department is not None:
        where = where & (Ticket.unit_id == department)
    session = db.session
    units = by_community_and_department(session, start, end)  # the rankings cover the district
    unfiltered = sees_all_communities(g.user) and None is community is department is street
    figures = merged(units.values()) if unfiltered else totals(session, start, end, where)
    days = daily(session, start, end, timezone, where)
    min_sample = current_app.config["HOTLINE_RANKING_MIN_SAMPLE"]
    streets = list(session.scalars(select(Street).order_by(Street.code)))
    communities = [
        c
        for c in session.scalars(select(Community).order_by(Community.code))
        if street is None or c.street_id == street
    ]
    departments = [
        d
        for d in session.scalars(select(Department).order_by(Department.code))
        if street is None or d.street_id == street
    ]
    by_community = fold(units, 0)
    all_communities = communities if street is None else []
    grain = grain_for(len(days))
    labelled = _labelled(by_grain(days, grain), grain)
    window = TREND_WINDOW[grain]
    return render_template(
        "dashboard/reports.html",
        first=first,
        last=last,
        community=community,
        department=department,
        street=street,
        street_fixed=street_of(g.user) is not None,
        streets=streets,
        communities=communities,
        departments=departments,
        figures=figures,
        ratings=RATINGS,
        grain=grain,
        received_chart=charts.bar_chart(
            [(label, d.received) for label, d in labelled], trend=True, window=window
        ),
        on_time_chart=charts.bar_chart(
            [(label, d.on_time_rate) for label, d in labelled],
            percent=True,
            trend=True,
            window=window,
        ),
        satisfaction_chart=charts.bar_chart(
            [(translate(language(), f"rating_{r}"), figures.ratings[r]) for r in RATINGS]
        ),
        street_ranking=(
            _ranking(streets, snapshot.by_street(all_communities, by_community), min_sample)
            if street is None and streets
            else []
        ),
        community_ranking=_ranking(communities, by_community, min_sample),
        department_ranking=_ranking(departments, fold(units, 1), min_sample),
        min_sample=min_sample,
        definitions=DEFINITIONS.get(language(), DEFINITIONS["zh"]),
        weekly=_latest(WEEKLY, 12),
        yearly=_latest(YEARLY, 5),
    )


# The trend line's moving average: a week of days, four weeks, a quarter of months.
TREND_WINDOW = {Grain.day: 7, Grain.week: 4, Grain.month: 3}


def _labelled(bars: list[Day], grain: Grain) -> list[tuple[str, Day]]:
    """Each bar with the words under it: its date (a week by its Monday), or its month."""
    if grain is Grain.month:
        months = translate(language(), "chart_months").split()
        return [(months[d.day.month - 1], d) for d in bars]
    return [(d.day.strftime("%m-%d"), d) for d in bars]


def _latest(kind: str, count: int) -> list[SupervisionReport]:
    query = select(SupervisionReport).where(SupervisionReport.kind == kind)
    return list(
        db.session.scalars(query.order_by(SupervisionReport.period_start.desc()).limit(count))
    )


def _street(args: Mapping[str, str]) -> int | None:
    """The street a page shows: the user's own if they are limited to one, else the one asked
    for (None: the district)."""
    return street_of(g.user) or whole_number(args.get("street"), "street")


def _ranking(
    units: list[Community] | list[Department] | list[Street],
    figures: Mapping[int | None, Figures],
    min_sample: int,
) -> list[Rank]:
    return rank(
        [(Unit(u.id, u.code, u.name, u.name_en), figures.get(u.id, Figures())) for u in units],
        min_sample,
    )


def _stored_or_404(report_id: int, kind: str) -> SupervisionReport:
    report = found_or_404(SupervisionReport, report_id)
    if report.kind != kind:
        raise NotFound()
    return report


def _stored_page(report: SupervisionReport, template: str, min_sample: int) -> str:
    """A stored report for the district or, with ?street= (or a user limited to one), for one
    street: its figures and its rankings."""
    street = _street(request.args)
    return render_template(
        template,
        report=report,
        street=street,
        street_fixed=street_of(g.user) is not None,
        streets=snapshot.street_names(report),
        overall=snapshot.overall(report, street),
        ratings=RATINGS,
        street_ranking=(snapshot.ranking(report, "streets", min_sample) if street is None else []),
        community_ranking=snapshot.ranking(report, "communities", min_sample, street),
        department_ranking=snapshot.ranking(report, "departments", min_sample, street),
        min_sample=min_sample,
        weights=(SATISFACTION_WEIGHT, VOLUME_WEIGHT),
        definitions=DEFINITIONS.get(language(), DEFINITIONS["zh"]),
    )


def _stored_csv(report: SupervisionReport) -> Response:
    filename = file_name(report, current_app.config["HOTLINE_TIMEZONE"])
    words = language()
    csv_text = as_csv(
        report, lambda column: translate(words, f"csv_{column}"), _street(request.args)
    )
    return download(csv_text, filename)


# Each stored kind: its page and the minimum sample its rankings use.
STORED = {
    WEEKLY: ("dashboard/weekly.html", "HOTLINE_RANKING_MIN_SAMPLE"),
    YEARLY: ("dashboard/yearly.html", "HOTLINE_YEARLY_MIN_SAMPLE"),
}


@bp.get("/reports/<any(weekly, yearly):kind>/<int:report_id>")
@login_required
def stored_report(kind: str, report_id: int) -> str:
    template, sample_setting = STORED[kind]
    report = _stored_or_404(report_id, kind)
    return _stored_page(report, template, current_app.config[sample_setting])


@bp.get("/reports/<any(weekly, yearly):kind>/<int:report_id>.csv")
@login_required
def stored_csv(kind: str, report_id: int) -> Response:
    return _stored_csv(_stored_or_404(report_id, kind))
