"""Reports for any period, the stored weekly reports (printable page and CSV), the ranking."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import Response, current_app, g, render_template, request
from sqlalchemy import ColumnElement, select

from app.auth.scope import sees_all_communities, ticket_scope
from app.auth.web import language, login_required
from app.clock import utcnow
from app.communities.models import Community, Department
from app.dashboard.blueprint import bp, found_or_404
from app.dashboard.queries import period, period_bounds
from app.dashboard.ticket_csv import download
from app.db import db
from app.i18n import text as translate
from app.reports import charts
from app.reports.figures import (
    DEFINITIONS,
    RATINGS,
    Figures,
    by_community_and_department,
    daily,
    fold,
    merged,
    totals,
)
from app.reports.models import SupervisionReport
from app.reports.ranking import Rank, Unit, rank
from app.reports.weekly import as_csv, file_name, report_ranking
from app.tickets.models import Ticket


@bp.get("/reports")
@login_required
def reports() -> str:
    timezone = current_app.config["HOTLINE_TIMEZONE"]
    zone = ZoneInfo(timezone)
    first, last = period(request.args, utcnow().astimezone(zone).date())
    start, end = period_bounds(first, last, zone)
    community = _int(request.args.get("community"))
    department = _int(request.args.get("department"))
    where: ColumnElement[bool] = ticket_scope(g.user)
    if community is not None:
        where = where & (Ticket.community_id == community)
    if department is not None:
        where = where & (Ticket.unit_id == department)
    session = db.session
    units = by_community_and_department(session, start, end)  # the rankings cover the street
    unfiltered = sees_all_communities(g.user) and community is None and department is None
    figures = merged(units.values()) if unfiltered else totals(session, start, end, where)
    days = daily(session, start, end, timezone, where)
    min_sample = current_app.config["HOTLINE_RANKING_MIN_SAMPLE"]
    communities = list(session.scalars(select(Community).order_by(Community.code)))
    departments = list(session.scalars(select(Department).order_by(Department.code)))
    labelled = [(d.day.strftime("%m-%d"), d) for d in days]
    return render_template(
        "dashboard/reports.html",
        first=first,
        last=last,
        community=community,
        department=department,
        communities=communities,
        departments=departments,
        figures=figures,
        ratings=RATINGS,
        received_chart=charts.bar_chart([(label, d.received) for label, d in labelled], trend=True),
        on_time_chart=charts.bar_chart(
            [(label, d.on_time / d.handled if d.handled else None) for label, d in labelled],
            percent=True,
            trend=True,
        ),
        satisfaction_chart=charts.bar_chart(
            [(translate(language(), f"rating_{r}"), figures.ratings[r]) for r in RATINGS]
        ),
        community_ranking=_ranking(communities, fold(units, 0), min_sample),
        department_ranking=_ranking(departments, fold(units, 1), min_sample),
        min_sample=min_sample,
        definitions=DEFINITIONS.get(language(), DEFINITIONS["zh"]),
        weekly=list(
            session.scalars(
                select(SupervisionReport).order_by(SupervisionReport.period_start.desc()).limit(12)
            )
        ),
    )


def _ranking(
    units: list[Community] | list[Department],
    figures: Mapping[int | None, Figures],
    min_sample: int,
) -> list[Rank]:
    return rank(
        [(Unit(u.id, u.code, u.name, u.name_en), figures.get(u.id, Figures())) for u in units],
        min_sample,
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.get("/reports/weekly/<int:report_id>")
@login_required
def weekly_report(report_id: int) -> str:
    report = found_or_404(SupervisionReport, report_id)
    min_sample = current_app.config["HOTLINE_RANKING_MIN_SAMPLE"]
    return render_template(
        "dashboard/weekly.html",
        report=report,
        overall=Figures.from_dict(report.data["overall"]),
        ratings=RATINGS,
        community_ranking=report_ranking(report, "communities", min_sample),
        department_ranking=report_ranking(report, "departments", min_sample),
        min_sample=min_sample,
        definitions=DEFINITIONS.get(language(), DEFINITIONS["zh"]),
    )


@bp.get("/reports/weekly/<int:report_id>.csv")
@login_required
def weekly_csv(report_id: int) -> Response:
    report = found_or_404(SupervisionReport, report_id)
    filename = file_name(report, current_app.config["HOTLINE_TIMEZONE"])
    words = language()
    csv_text = as_csv(report, lambda column: translate(words, f"csv_{column}"))
    return download(csv_text, filename)
