"""The yearly ranking: stored on 1 January from 08:00 like the weekly report, ranked by the
combined score with a minimum sample, for the district and for each street; and a street's
office sees its own street only."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from sqlalchemy import select

from app.auth.models import StaffRole
from app.db import db
from app.reports import snapshot
from app.reports.models import SupervisionReport
from app.reports.yearly import YEARLY, yearly_report
from app.scheduling.runner import run_sweeps_once
from tests.support.district import rated_year, two_streets
from tests.support.staff import log_in, staff

NEW_YEAR_0759 = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)  # 1 Jan 2027 07:59 in Chongqing


def test_the_year_is_stored_once_from_new_year_0800_and_ranked_by_the_combined_score(
    app, ctx, clock
):
    district = two_streets()
    rated_year(district)
    clock.set(NEW_YEAR_0759)
    run_sweeps_once(app, "test")
    assert stored_yearly() == []  # 2025 had nothing: no report of zeros; 2026 not due yet
    clock.advance(minutes=1)
    run_sweeps_once(app, "test")
    run_sweeps_once(app, "test")
    [report] = stored_yearly()
    assert report.label == "2026"
    assert yearly_report(db.session) is None

    # District: 回龙 70 x 54/60 + 30 x 60/60 = 93.0; 龙溪 70 x 38/40 + 30 x 40/60 = 86.5;
    # 金山 has 12 rated answers, fewer than 30: listed last, not ranked.
    ranked = snapshot.ranking(report, "communities", 30)
    assert [(r.position, r.unit.code, r.score_text) for r in ranked] == [
        (1, "huilong", "93.0"),
        (2, "longxi", "86.5"),
        (None, "jinshan", "—"),
    ]
    # Streets: 龙溪街道 52 handled, 50 good (96.2%): 67.3 + 26.0; 双龙湖街道 60, 54 good.
    streets = snapshot.ranking(report, "streets", 30)
    assert [(r.unit.code, r.figures.handled, r.score_text) for r in streets] == [
        ("longxi-street", 52, "93.3"),
        ("shuanglonghu-street", 60, "93.0"),
    ]
    # One street's view: its own communities and departments, its own totals.
    first = district.longxi_street.id
    own = snapshot.ranking(report, "communities", 30, first)
    assert [(r.unit.code, r.score_text) for r in own] == [("longxi", "96.5"), ("jinshan", "—")]
    assert [r.unit.code for r in snapshot.ranking(report, "departments", 30, first)] == ["civil"]
    assert snapshot.overall(report, first).received == 52
    assert snapshot.overall(report).received == 112


def test_the_yearly_page_and_csv_for_the_district_a_street_and_a_street_office(
    app, client, ctx, clock
):
    district = two_streets()
    rated_year(district)
    clock.set(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
    report = yearly_report(db.session)
    db.session.commit()
    staff("office", StaffRole.office)
    staff("second", StaffRole.office, street_code="shuanglonghu-street")

    log_in(client, "office")
    page = client.get(f"/dashboard/reports/yearly/{report.id}").get_data(as_text=True)
    assert "2026年度排名 · 全区" in page and "街道排名" in page
    assert cells(page, "score")[:2] == ["93.3", "93.0"]  # the streets, first
    assert "综合得分 = 70 × 满意率 + 30 × 办结量" in page and "少于30件" in page
    one = client.get(f"/dashboard/reports/yearly/{report.id}?street={district.longxi_street.id}")
    assert "龙溪街道" in one.get_data(as_text=True)
    assert "回龙社区" not in one.get_data(as_text=True)
    response = client.get(f"/dashboard/reports/yearly/{report.id}.csv")
    assert response.headers["Content-Disposition"].endswith("580-yearly-2026-01-01_2026-12-31.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[:3] for r in rows[1:3]] == [
        ["街道", "longxi-street", "龙溪街道"],
        ["街道", "shuanglonghu-street", "双龙湖街道"],
    ]

    log_in(client, "second")  # limited to 双龙湖街道: asking for another street changes nothing
    asked = f"/dashboard/reports/yearly/{report.id}?street={district.longxi_street.id}"
    page = client.get(asked).get_data(as_text=True)
    assert "双龙湖街道" in page and "回龙社区" in page
    assert "龙溪社区" not in page and "街道排名" not in page
    codes = [
        r[1]
        for r in csv.reader(
            io.StringIO(
                client.get(asked.replace(f"/{report.id}", f"/{report.id}.csv")).get_data(
                    as_text=True
                )
            )
        )
    ][1:]
    assert codes == ["shuanglonghu-street", "huilong"]


def stored_yearly() -> list[SupervisionReport]:
    return list(
        db.session.scalars(select(SupervisionReport).where(SupervisionReport.kind == YEARLY))
    )


def cells(page: str, name: str) -> list[str]:
    return re.findall(rf'<td class="{name}">([^<]+)</td>', page)
