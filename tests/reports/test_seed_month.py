"""The seed's first month, played through the real entry points, and the figures the street was
assessed on: 238 requests received, 233 handled, 228 of 233 rated answers good (97.8%, 98%).

Residents text signed SMS webhooks; volunteers accept and report DONE by SMS; residents answer
the surveys by SMS; staff record return visits on the dashboard; the worker's sweeps run under
the controlled clock (surveys, deadlines, the Monday weekly reports). Only the people are set up
directly. Along the way: three neighbours' repeat reports are merged, two residents cancel,
four unsatisfied tickets are reopened by their return visit and end satisfied, five stay
unsatisfied (return visit closed by staff or accepted as is), one survey waits out quiet hours,
and three requests are still being worked on when the month ends.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.communities.models import Community, Department
from app.db import db
from app.reports.figures import rate_text, rate_whole
from app.reports.models import SupervisionReport
from app.residents.models import Resident
from app.scheduling.runner import run_sweeps_once
from app.surveys.models import FollowUp, FollowUpStatus, Survey, SurveyStatus
from app.tickets.models import Ticket, TicketStatus
from app.volunteers.availability import Availability
from app.volunteers.models import Offer, OfferStatus, Volunteer
from tests.support.staff import log_in, post_form, staff
from tests.support.texting import replies, text_line

ZONE = ZoneInfo("Asia/Shanghai")
FIRST_DAY = datetime(2026, 11, 2, tzinfo=ZONE)  # a Monday; the month is four full weeks
DAYS = 28
REQUESTS = 238
PROBLEMS = ("楼道灯不亮了", "洗衣机坏了，转不动", "电视没有信号", "插座没电了")
MERGED = {3: 0, 100: 1, 180: 2}  # request number -> the neighbour who repeats it (same building)
CANCELLED = {40, 150}
REOPENED = {20, 60, 120, 200}  # rated 3, the return visit finds more work, then rated 1
UNSATISFIED = {30, 90, 130, 170, 210}  # rated 3 for good
QUIET = 25  # finished at 21:30: its survey waits for 08:00
STILL_OPEN = {235, 236, 237}  # accepted on the last day, not finished by the month's end
SPECIAL = set(MERGED) | CANCELLED | REOPENED | UNSATISFIED | STILL_OPEN | {QUIET}
LIAISON = "+8613922220000"  # the civil affairs office's liaison


def policy_question(n: int) -> bool:
    """Every other ordinary request is a policy question: the civil affairs office gets it at
    intake and answers by SMS (已处理), as the street's departments do."""
    return n % 2 == 1 and n not in SPECIAL


def problem(n: int) -> str:
    return "想问一下低保怎么申请" if policy_question(n) else PROBLEMS[n % len(PROBLEMS)]


@dataclass
class Month:
    app: Flask
    client: FlaskClient
    clock: object

    def at(self, day: int, hour: int, minute: int = 0) -> None:
        self.clock.set(
            (FIRST_DAY + timedelta(days=day, hours=hour, minutes=minute)).astimezone(UTC)
        )

    def sweep(self) -> None:
        run_sweeps_once(self.app, "seed-month")
        db.session.expire_all()

    def text(self, phone: str, body: str) -> str:
        answers = replies(text_line(self.client, phone, body))
        return answers[0] if answers else ""

    def accept(self, code: str) -> None:
        offered = db.session.scalars(
            select(Volunteer.phone)
            .join(Offer, Offer.volunteer_id == Volunteer.id)
            .join(Ticket, Ticket.id == Offer.ticket_id)
            .where(Ticket.code == code, Offer.status == OfferStatus.open)
            .order_by(Offer.id)
        ).first()
        assert offered, f"nobody was offered {code}"
        assert code in self.text(offered, f"1 {code}")

    def finish(self, code: str, n: int) -> None:
        if policy_question(n):
            assert code in self.text(LIAISON, f"已处理 {code} 已电话答复办理流程")
            return
        holder = db.session.scalar(
            select(Volunteer.phone)
            .join(Ticket, Ticket.assignee_id == Volunteer.id)
            .where(Ticket.code == code)
        )
        self.text(holder, f"完成 {code}")

    def return_visit(self, code: str, **form: str) -> None:
        followup = db.session.scalars(
            select(FollowUp)
            .join(Ticket, Ticket.id == FollowUp.ticket_id)
            .where(Ticket.code == code, FollowUp.status == FollowUpStatus.open)
        ).one()
        page = f"/dashboard/tickets/{code}"
        action = "close" if "reason" in form else "followup"
        data = form if action == "close" else {"followup_id": str(followup.id), **form}
        assert post_form(self.client, f"{page}/{action}", data, page).status_code == 303
        db.session.expire_all()


def setup_people() -> tuple[list[str], list[str]]:
    """One community and the civil affairs office, 238 residents each in their own building
    plus three neighbours, and twelve volunteers who fix lights and appliances at any hour."""
    longxi = Community(
        code="longxi", name="龙溪社区", name_en="Longxi", staff_phone="+8613911110000"
    )
    civil = Department(code="civil", name="民政办", name_en="Civil Affairs", liaison_phone=LIAISON)
    db.session.add_all([longxi, civil])
    residents = [f"+86138000{n:05d}" for n in range(REQUESTS)]
    for n, phone in enumerate(residents):
        db.session.add(Resident(phone=phone, name=f"居民{n}", community=longxi, building=f"{n}栋"))
    neighbours = [f"+86139000{n:05d}" for n in range(len(MERGED))]
    for phone, n in zip(neighbours, MERGED, strict=True):
        db.session.add(Resident(phone=phone, name="邻居", community=longxi, building=f"{n}栋"))
    for n in range(12):
        helper = Volunteer(
            name=f"志愿者{n}", phone=f"+86137000{n:05d}", community=longxi, max_active=20
        )
        helper.skills = ["appliance", "electrical"]
        helper.set_availability(Availability.parse("always"))
        db.session.add(helper)
    db.session.commit()
    return residents, neighbours


def days() -> Iterator[tuple[int, range]]:
    """Request numbers per day: 238 over 28 days, nine on the first fourteen days."""
    start = 0
    for day in range(DAYS):
        count = 9 if day < REQUESTS - 8 * DAYS else 8
        yield day, range(start, start + count)
        start += count


@pytest.mark.slow
def test_the_seed_month_reports_238_received_233_handled_97_8_percent(app, client, ctx, clock):
    residents, neighbours = setup_people()
    staff("office")
    month = Month(app, client, clock)
    month.at(0, 8, 30)
    log_in(client, "office")
    codes: dict[int, str] = {}
    for day, numbers in days():
        month.at(day, 9)
        for n in numbers:
            reply = month.text(residents[n], f"{problem(n)}（{n}栋）")
            codes[n] = re.search(r"\d{6}", reply)[0]
            if n in MERGED:  # a neighbour reports the same problem a minute later
                month.text(neighbours[MERGED[n]], f"{PROBLEMS[n % len(PROBLEMS)]}，{n}栋邻居")
        for n in numbers:
            if n in CANCELLED:
                assert codes[n] in month.text(residents[n], "取消")
        month.at(day, 9, 5)
        working = [n for n in numbers if n not in CANCELLED]
        for n in working:
            if not policy_question(n):
                month.accept(codes[n])
        month.at(day, 10)
        done = [n for n in working if n not in STILL_OPEN and n != QUIET]
        for n in done:
            month.finish(codes[n], n)
        month.at(day, 11, 1)
        month.sweep()  # the surveys go out
        month.at(day, 11, 5)
        for n in done:
            rating = "3" if n in REOPENED | UNSATISFIED else "2" if n % 10 == 7 else "1"
            month.text(residents[n], rating)
        month.at(day, 11, 30)
        for n in done:
            if n in REOPENED:
                month.return_visit(codes[n], outcome="灯还是不亮", needs_work="1")
            elif n in UNSATISFIED and n % 2:
                month.return_visit(codes[n], reason="居民坚持不满意，已向街道说明情况")
            elif n in UNSATISFIED:
                month.return_visit(codes[n], outcome="上门解释，居民接受现状")
        month.sweep()  # a new dispatch round for the reopened
        month.at(day, 11, 35)
        for n in done:
            if n in REOPENED:
                month.accept(codes[n])
                month.finish(codes[n], n)
        month.at(day, 12, 40)
        month.sweep()
        for n in done:
            if n in REOPENED:
                month.text(residents[n], "1 这次修好了")
        if QUIET in numbers:
            month.at(day, 21, 30)
            month.finish(codes[QUIET], QUIET)
            month.at(day, 22, 31)
            month.sweep()
            assert not quiet_survey(codes[QUIET])  # quiet hours: not now
            month.at(day + 1, 8, 0)
            month.sweep()
            assert quiet_survey(codes[QUIET]) == [SurveyStatus.awaiting]
            month.text(residents[QUIET], "1")
    month.at(DAYS, 8, 30)  # Monday after the month: the fourth weekly report
    month.sweep()

    tickets = db.session.scalars(select(Ticket)).all()
    assert len(tickets) == REQUESTS + len(MERGED)
    assert sum(t.status is TicketStatus.return_visit for t in tickets) == 0

    # The reports page for the month: the figures row.
    page = client.get("/dashboard/reports?start=2026-11-02&end=2026-11-29").get_data(as_text=True)
    row = (figure(page, "fig-received"), figure(page, "fig-handled"))
    rates = (figure(page, "fig-satisfaction"), figure(page, "fig-satisfaction-whole"))
    # 228 / 233 = 97.854...%: cut off to one decimal 97.8%, rounded to a whole percent 98%.
    assert (*row, *rates) == ("238", "233", "97.8%", "98%")
    assert "统计口径" in page  # the definitions, on the page

    # The four weekly reports the Monday sweeps stored, as their CSV files say.
    weekly = db.session.scalars(
        select(SupervisionReport).order_by(SupervisionReport.period_start)
    ).all()
    assert [r.label[:10] for r in weekly] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
    ]
    totals = {"received": 0, "merged": 0, "cancelled": 0, "handled": 0, "good": 0, "rated": 0}
    for report in weekly:
        response = client.get(f"/dashboard/reports/weekly/{report.id}.csv")
        assert response.headers["Content-Disposition"].endswith(
            f"580-weekly-{report.label[:10]}_{report.label[-10:]}.csv"
        )
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        [longxi] = [r for r in rows if r["代码"] == "longxi"]
        for name, column in (
            ("received", "受理"),
            ("merged", "合并"),
            ("cancelled", "撤销"),
            ("handled", "办结"),
        ):
            totals[name] += int(longxi[column])
        good = int(longxi["满意"]) + int(longxi["基本满意"])
        totals["good"] += good
        totals["rated"] += good + int(longxi["不满意"])
    assert totals == {
        "received": 238,
        "merged": 3,
        "cancelled": 2,
        "handled": 233,
        "good": 228,
        "rated": 233,
    }
    rate = totals["good"] / totals["rated"]
    assert (rate_text(rate), rate_whole(rate)) == ("97.8%", "98%")


def quiet_survey(code: str) -> list[SurveyStatus]:
    return list(
        db.session.scalars(
            select(Survey.status)
            .join(Ticket, Ticket.id == Survey.ticket_id)
            .where(Ticket.code == code)
        )
    )


def figure(page: str, name: str) -> str:
    match = re.search(rf'<td class="{name}">([^<]+)</td>', page)
    return match[1] if match else ""
