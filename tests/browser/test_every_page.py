"""Every dashboard page and every public page, as staff and residents meet them: a busy day of
demo data, each page at 1280x900 and 390x844 in Chromium, with axe-core finding no serious or
critical violation, no sideways scroll on the phone, and a screenshot of each for a person to
look at (artifacts/screenshots/walk-*.png)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.accounts import set_password
from app.auth.models import StaffUser
from app.clock import utcnow
from app.communities.models import Community, Department
from app.db import db
from app.reports.snapshot import build, store
from app.reports.weekly import build_weekly, due_week
from app.reports.yearly import YEARLY, year_bounds
from app.residents.models import Resident
from app.surveys import operations as surveys
from app.surveys.models import Survey
from app.tickets.escalation import escalate
from app.tickets.lifecycle import SYSTEM
from app.tickets.models import LiaisonLink
from app.tickets.resolution import resolve
from app.volunteers.models import Offer, OfferStatus, Volunteer
from app.volunteers.staff_dispatch import assign_volunteer
from tests.browser.conftest import screenshot
from tests.browser.test_workday import (
    DESKTOP,
    PHONE,
    serious_violations,
    sideways_scroll,
    small_targets,
)
from tests.support.closure import report
from tests.support.showcase import busy_day
from tests.support.staff import PASSWORD

pytestmark = pytest.mark.browser

NEIGHBOUR = "+8613800138009"  # a Longxi resident added here, for a survey link
ELECTRICIAN = "+8613900001002"  # 刘电工, Longxi


@dataclass(frozen=True)
class Day:
    every_event: str
    merged: str
    called: str
    resident: int
    user: int
    weekly: int
    yearly: int
    survey: str
    offer: str
    liaison: str


def day(app) -> Day:
    """The showcase's busy day plus what the public pages need: an open survey link, an open
    offer, a liaison's link, and stored weekly and yearly reports."""
    client = app.test_client()
    shown = busy_day(client)
    db.session.commit()
    tz = app.config["HOTLINE_TIMEZONE"]
    admin = db.session.scalars(select(StaffUser).where(StaffUser.username == "admin")).one()
    set_password(admin, PASSWORD)  # the demo's is random
    longxi = db.session.scalars(select(Community).where(Community.code == "longxi")).one()
    db.session.add(Resident(name="刘婆婆", phone=NEIGHBOUR, community=longxi, building="2栋"))
    db.session.commit()
    lamp = report(client, NEIGHBOUR, "楼道里的灯坏了，晚上很黑")
    electrician = db.session.scalars(select(Volunteer).where(Volunteer.phone == ELECTRICIAN)).one()
    assign_volunteer(db.session, lamp, SYSTEM, electrician)
    resolve(db.session, lamp, SYSTEM, "")
    survey = surveys.send_survey(db.session, lamp)  # by SMS, with its /s/ link
    english = report(client, "+8613800138002", "The street lamp outside building 2 is broken")
    civil = db.session.scalars(select(Department).where(Department.code == "civil")).one()
    escalate(db.session, english, civil, SYSTEM, "")  # the liaison's /d/ link
    report(client, "+8613800138001", "卫生间水管漏水了，地上都是水")  # offered: an /o/ link
    weekly = build_weekly(db.session, *due_week(utcnow(), tz), tz)
    db.session.add(weekly)
    year = utcnow().year
    yearly = store(db.session, build(db.session, YEARLY, *year_bounds(year, tz), str(year)))
    db.session.commit()
    offer = db.session.scalars(select(Offer).where(Offer.status == OfferStatus.open)).first()
    link = db.session.scalars(select(LiaisonLink)).one()
    tokens = db.session.scalars(select(Survey.web_token).where(Survey.id == survey.id))
    resident = shown.every_event.resident_id
    result = Day(
        every_event=shown.every_event.code,
        merged=shown.merged.code,
        called=shown.texted.code,
        resident=resident,
        user=db.session.scalars(select(StaffUser.id).where(StaffUser.username == "longxi")).one(),
        weekly=weekly.id,
        yearly=yearly.id,
        survey=tokens.one() or "",
        offer=offer.token if offer else "",
        liaison=link.token,
    )
    db.session.remove()
    return result


def dashboard_pages(d: Day) -> dict[str, str]:
    return {
        "queue": "/dashboard/",
        "queue-all": "/dashboard/?status=all",
        "ticket": f"/dashboard/tickets/{d.every_event}",
        "ticket-call": f"/dashboard/tickets/{d.called}",
        "ticket-edit": f"/dashboard/tickets/{d.called}/edit",
        "new-ticket": "/dashboard/tickets/new",
        "volunteers": "/dashboard/volunteers",
        "import-volunteers": "/dashboard/import/volunteers",
        "residents": "/dashboard/residents",
        "resident": f"/dashboard/residents/{d.resident}",
        "callbacks": "/dashboard/callbacks",
        "reports": "/dashboard/reports",
        "weekly": f"/dashboard/reports/weekly/{d.weekly}",
        "yearly": f"/dashboard/reports/yearly/{d.yearly}",
        "corrections": "/dashboard/corrections",
        "users": "/dashboard/admin/users",
        "user": f"/dashboard/admin/users/{d.user}",
        "duty": "/dashboard/admin/duty",
        "categories": "/dashboard/admin/categories",
        "settings": "/dashboard/admin/settings",
        "outbox": "/dashboard/outbox",
        "simulator": "/dashboard/simulator?phone=13800138000",
    }


def public_pages(d: Day) -> dict[str, str]:
    return {
        "login": "/login",
        "survey": f"/s/{d.survey}",
        "offer": f"/o/{d.offer}",
        "liaison": f"/d/{d.liaison}",
    }


def look(page, name: str) -> list[str]:
    """Check the page as it is at both sizes; screenshot each; what is wrong, as lines."""
    found = []
    for size, label in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(size)
        found += [f"{name}-{label}: axe {v}" for v in serious_violations(page)]
        if label == "390":
            if (wide := sideways_scroll(page)) > 0:
                found.append(f"{name}-{label}: scrolls sideways by {wide} px")
            found += [f"{name}-{label}: small target {s}" for s in small_targets(page, "body")]
        screenshot(page, f"walk-{name}-{label}")
    page.set_viewport_size(DESKTOP)
    return found


@pytest.fixture
def walked(app, committed, clock) -> Day:
    return day(app)


def test_every_public_page_at_both_sizes(tab, walked):
    assert walked.survey and walked.offer and walked.liaison
    found = []
    for name, url in public_pages(walked).items():
        tab.goto(url)
        assert tab.locator("main, body").first.is_visible()
        found += look(tab, name)
    assert found == [], "\n".join(found)


@pytest.mark.slow
def test_every_dashboard_page_at_both_sizes(tab, walked):
    tab.goto("/login")
    tab.fill("input[name=username]", "admin")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    found = []
    for name, url in dashboard_pages(walked).items():
        response = tab.goto(url)
        assert response is not None and response.status == 200, (name, url)
        found += look(tab, name)
    assert found == [], "\n".join(found)


# Lists that are cards on a phone: one card per row, as wide as the screen.
CARD_LISTS = {
    "/dashboard/callbacks": "table.missed",
    "/dashboard/volunteers": "table.volunteers",
    "/dashboard/outbox": "table.outbox",
    "/dashboard/admin/categories": "table.categories",
    "/dashboard/admin/users": "table.users",
    "/dashboard/admin/duty": "table.duty",
    "/dashboard/corrections": "table.corrections",
    "/dashboard/residents?q=138": "table.residents",
}


def test_lists_are_cards_on_a_phone_and_speak_words(tab, walked):
    tab.goto("/login")
    tab.fill("input[name=username]", "admin")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.set_viewport_size(PHONE)
    for url, table in CARD_LISTS.items():
        tab.goto(url)
        rows = tab.locator(f"{table} tbody tr")
        assert rows.count() > 0, url
        assert tab.locator(f"{table} thead").is_hidden(), url
        for n in range(min(3, rows.count())):
            box = rows.nth(n).bounding_box()
            assert box is not None and box["width"] > 330, (url, n, box)
        assert sideways_scroll(tab) == 0, url
    tab.set_viewport_size(DESKTOP)

    tab.goto("/dashboard/admin/duty")
    now = tab.locator("#on-duty-now").inner_text()
    assert "139 0013 9000" in now and "周一至周五 08:30-12:00" in now
    assert "+86" not in now and "'day'" not in now
    tab.goto("/dashboard/admin/categories")
    sanitation = tab.locator("table.categories tr", has_text="环境卫生")
    expect(sanitation.locator("td").nth(3)).to_have_text("环境卫生")  # the skill, by name
    expect(sanitation.locator("td").nth(4)).to_have_text("环卫所")  # the unit, by name
    tab.goto("/dashboard/volunteers")
    expect(tab.locator("table.volunteers td.counts").first).to_contain_text("接单")
    tab.goto("/dashboard/callbacks")
    expect(tab.locator("table.requested")).to_contain_text("没有居民要求回电")
    tab.goto("/dashboard/residents")
    expect(tab.locator("main p.empty")).to_have_text(re.compile("输入电话号码或姓名查找居民"))
    tab.goto("/dashboard/residents?q=没有这个人")
    expect(tab.locator("table.residents")).to_contain_text("没有找到与“没有这个人”相符的居民")
    tab.goto(f"/dashboard/?status=all&q={walked.merged}")
    expect(tab.locator("#queue-rows tr[data-code] td").nth(2)).to_have_text("已并入同一问题的工单")
    tab.goto(f"/dashboard/tickets/{walked.merged}")
    expect(tab.locator("h1 .pill")).to_have_text("已并入同一问题的工单")
