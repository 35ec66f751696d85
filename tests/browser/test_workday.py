"""Issue 14 in headless Chromium, at 1280x900 and 390x844: the queue (order, countdown, count,
cards on a phone, keys, live rows, an urgent ticket announced), a ticket (hand assignment by
the matching, timeline filter, no sideways scroll, 44 px targets), reports (readable charts,
values, trend lines, the weekly report on one A4 page), accounts and the duty roster, the
public survey page, and axe-core on each with no serious or critical violation."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.clock import utcnow
from app.db import db
from app.demo import seed
from app.reports.weekly import build_weekly, due_week
from app.surveys.models import Survey
from app.tickets.models import Ticket
from app.voice.models import DutyShift
from app.volunteers.models import Volunteer
from tests.browser.conftest import DESKTOP, SCREENSHOTS, screenshot
from tests.support.closure import assign, report, resident, resolve, street, sweep
from tests.support.staff import PASSWORD, staff
from tests.support.texting import text_line
from tests.volunteers.factories import volunteer

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

PHONE = {"width": 390, "height": 844}
TAP = 44


def serious_violations(page) -> list[tuple[str, str, list[str]]]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [str(n["target"]) for n in v["nodes"][:3]])
        for v in found["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def both_sizes(page, name: str) -> None:
    """Screenshots of the current page at 1280x900 and 390x844 (back at 1280 after)."""
    for size, label in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def sideways_scroll(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def small_targets(page, scope: str = "main") -> list[str]:
    """Visible controls under TAP px (a radio or checkbox counts its whole label)."""
    return page.evaluate(
        """([scope, tap]) => {
          const out = [];
          document.querySelectorAll(scope + ' :is(button, select, input, a.button, summary, nav a)')
            .forEach(el => {
              if (el.type === 'hidden' || el.closest('[hidden], .visually-hidden')) return;
              let box = el.getBoundingClientRect();
              if (!box.width || !box.height) return;
              if (el.type === 'radio' || el.type === 'checkbox') {
                const label = el.closest('label');
                if (label) box = label.getBoundingClientRect();
              }
              if (box.height < tap - 0.5) out.push(el.outerHTML.slice(0, 80) + ' h=' + box.height);
            });
          return out;
        }""",
        [scope, TAP],
    )


def log_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("#queue-rows")).to_be_attached()


def demo(app) -> tuple[str, str]:
    lines = list(seed(db.session))
    db.session.commit()
    [admin] = [line for line in lines if line.startswith("demo admin:")]
    username, password = re.fullmatch(r"demo admin: (\S+) / (\S+)", admin).groups()
    client = app.test_client()
    for phone, words in (
        ("13800138000", "洗衣机坏了，转几下就不动了"),
        ("13800138001", "楼道灯不亮，晚上看不见"),
        ("13800138002", "水管漏水，厨房地上都是水"),
    ):
        assert text_line(client, phone, words).status_code == 200
    db.session.remove()
    return username, password


def test_the_queue_on_a_desk_and_on_a_phone(tab, app, committed, clock):
    page = tab
    username, password = demo(app)
    clock.advance(hours=21)
    log_in(page, username, password)
    rows = page.locator("#queue-rows tr[data-code]")
    expect(rows).to_have_count(3)
    expect(page.locator("#queue-count")).to_have_text("待办 3 件")
    expect(rows.first.locator("td.countdown")).to_have_text(re.compile(r"剩\d+小时"))
    for header in ("处理人", "受理时间", "剩余时间"):
        expect(page.locator("table.queue thead")).to_contain_text(header)
    # Every filter has a visible label, not a placeholder only.
    for name in ("category", "status", "channel", "q"):
        assert page.locator(f"#filters label:has([name={name}])").count() == 1, name
    assert serious_violations(page) == []
    both_sizes(page, "queue")

    # Keys: / searches; j and k move; Enter opens.
    page.keyboard.press("/")
    expect(page.locator("#queue-search")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.first).to_have_class(re.compile("selected"))
    first = rows.first.get_attribute("data-code")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/dashboard/tickets/{first}$"))
    page.go_back()

    # Live: an urgent report arrives; its row comes in first, the page and the tab title say so,
    # and rows already there are kept (not redrawn).
    kept = page.locator("#queue-rows tr[data-code]").nth(0)
    kept.evaluate("tr => tr.dataset.marker = 'kept'")
    assert text_line(app.test_client(), "13800138003", "厨房有煤气味，很浓").status_code == 200
    expect(page.locator("#announce")).to_contain_text("新的紧急工单")
    expect(rows).to_have_count(4)
    expect(rows.first.locator(".tag.urgent")).to_be_visible()
    assert page.title().startswith("新紧急工单")
    assert page.locator("tr[data-marker=kept]").count() == 1
    screenshot(page, "queue-urgent-announced-1280")

    # Search finds a ticket whatever its status; CSV of what is shown.
    page.fill("#queue-search", first)
    page.click("#filters button[type=submit]")
    expect(rows).to_have_count(1)
    with page.expect_download() as download:
        page.click("text=导出表格（CSV）")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("工单号,受理时间") and first in text

    # Saved filters: kept for this user, one click away.
    page.goto("/dashboard/?urgent=1")
    page.click("details.saved summary")
    page.fill("input[name=name]", "紧急的")
    page.click("button:has-text('保存当前筛选')")
    page.goto("/dashboard/")
    page.click("details.saved summary")
    page.click("details.saved a:has-text('紧急的')")
    expect(page.locator("input[name=urgent]")).to_be_checked()
    expect(rows).to_have_count(1)

    # A phone: cards, no sideways scroll, big enough targets.
    page.goto("/dashboard/")
    page.set_viewport_size(PHONE)
    assert page.locator("table.queue thead").is_hidden()
    card = rows.first.bounding_box()
    assert card["width"] > 300 and card["height"] > 150  # one card per ticket, full width
    assert sideways_scroll(page) == 0
    assert small_targets(page, "body") == []
    screenshot(page, "queue-cards-390")


def test_a_ticket_assigned_by_hand_with_its_timeline_filtered(tab, app, committed, clock):
    page = tab
    username, password = demo(app)
    log_in(page, username, password)
    page.locator("#queue-rows tr[data-code]", has_text="洗衣机").locator("a").click()
    candidates = page.locator("ol.candidates li")
    expect(candidates.first).to_contain_text("同一")  # proximity, as dispatch ranks it
    expect(candidates.first.locator("ul.reasons")).to_contain_text("可靠度")
    assert page.locator("ol.candidates input:checked").count() == 0  # no default
    assert serious_violations(page) == []
    both_sizes(page, "ticket-assign")
    page.set_viewport_size(PHONE)
    assert sideways_scroll(page) == 0
    assert small_targets(page) == []
    page.set_viewport_size(DESKTOP)

    name = candidates.first.locator("strong").inner_text()
    candidates.first.locator("label").click()
    page.click("button[data-action=assign]")
    expect(page.locator("h1 .pill")).to_have_text("已派单")
    page.fill("form:has(button[data-action=note]) input[name=text]", "已电话联系居民")
    page.click("button[data-action=note]")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text(name)
    note = timeline.locator("> li", has_text="已电话联系居民")
    texts = timeline.locator("> li[data-kind=messages]")
    expect(note).to_be_visible()
    page.locator("#timeline-filter label", has_text="工作人员操作").click()
    expect(note).to_be_hidden()
    assert texts.count() > 0 and texts.first.is_visible()
    page.locator("#timeline-filter label", has_text="短信").click()
    expect(texts.first).to_be_hidden()
    page.locator("#timeline-filter label", has_text="工作人员操作").click()
    expect(note).to_be_visible()
    screenshot(page, "ticket-timeline-filtered-1280")
    page.set_viewport_size(PHONE)
    assert sideways_scroll(page) == 0
    screenshot(page, "ticket-assigned-390")


def test_reports_charts_and_the_weekly_report_on_one_a4_page(tab, app, committed, clock):
    page = tab
    username, password = demo(app)
    washer = db.session.scalars(select(Ticket).where(Ticket.description.contains("洗衣机"))).one()
    assign(washer, db.session.scalars(select(Volunteer)).first())
    resolve(washer, washer.assignee)  # handled on time: the on-time rate has a day to draw
    start, end = due_week(utcnow() + timedelta(days=7), app.config["HOTLINE_TIMEZONE"])
    db.session.add(build_weekly(db.session, start, end, app.config["HOTLINE_TIMEZONE"]))
    db.session.commit()
    db.session.remove()
    log_in(page, username, password)
    page.goto("/dashboard/reports")
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(3)
    # Axis labels and values at 11 px or more, as drawn on the screen.
    heights = page.evaluate(
        "() => [...document.querySelectorAll('figure.chart text')]"
        ".map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"
    )
    assert heights and min(heights) >= 11
    assert charts.nth(0).locator("text.value").count() >= 28  # a value on every day's bar
    expect(charts.nth(0).locator("text.value").last).to_have_text("3")  # today's three texts
    for n in (0, 1):  # daily volume and on-time rate carry the trend line
        expect(charts.nth(n).locator("polyline.trend")).to_have_count(1)
    expect(charts.nth(0).locator("text.axis-title")).to_have_text("件数")
    for label in ("从", "到", "社区"):
        assert page.locator(f"form.filters label:has-text('{label}')").count() >= 1
    assert serious_violations(page) == []
    both_sizes(page, "reports")
    page.set_viewport_size(PHONE)
    assert sideways_scroll(page) == 0
    page.set_viewport_size(DESKTOP)
    with page.expect_download() as download:
        page.click("text=导出这段时间的工单（CSV）")
    assert len(Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()) == 4

    page.click("ul >> a >> nth=0")
    expect(page.locator("h1")).to_contain_text("周报")
    assert serious_violations(page) == []
    both_sizes(page, "weekly")
    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / "weekly-print.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # one A4 sheet
    page.emulate_media(media="print")
    screenshot(page, "weekly-print-view")
    page.emulate_media(media="screen")


def test_accounts_and_who_is_on_duty_now(tab, app, committed, clock):
    page = tab
    username, password = demo(app)
    db.session.add(DutyShift(name="值班员王", phone="+8613900009999", hours=[], active=True))
    db.session.commit()
    db.session.remove()
    log_in(page, username, password)
    page.goto("/dashboard/admin/duty")
    expect(page.locator("#on-duty-now")).to_contain_text("值班员王")
    assert serious_violations(page) == []
    both_sizes(page, "duty-now")

    page.goto("/dashboard/admin/users")
    page.click("table >> a:has-text('longxi')")
    page.select_option("select[name=role]", "office")
    page.select_option("select[name=community]", "")
    page.click("button[data-action=role]")
    expect(page.locator(".flash")).to_contain_text("已保存账号 longxi 的修改")
    page.fill("input[name=password]", "another long password")
    page.click("button[data-action=password]")
    expect(page.locator(".flash")).to_contain_text("已重设 longxi 的密码")
    page.click("button[data-action=disable]")
    expect(page.locator("h1 .pill")).to_have_text("已停用")
    assert serious_violations(page) == []
    both_sizes(page, "user-edit")
    other = page.context.browser.new_context(base_url=page.url.split("/dashboard")[0])
    them = other.new_page()
    them.goto("/login")
    them.fill("input[name=username]", "longxi")
    them.fill("input[name=password]", "another long password")
    them.click("button[type=submit]")
    expect(them.locator("h1")).to_have_text("登录")  # a disabled account cannot log in
    other.close()


def test_the_public_survey_page_on_a_phone(tab, app, committed, clock):
    page = tab
    client = app.test_client()
    community, _ = street()
    helper = volunteer(1, community, skills=("appliance", "electrical"))
    resident(community)
    done = report(client, "+8613800138003", "楼道灯不亮了")
    assign(done, helper)
    resolve(done, helper)
    clock.advance(minutes=61)
    sweep()
    token = db.session.query(Survey.web_token).filter(Survey.web_token.is_not(None)).scalar()
    db.session.remove()
    page.goto(f"/s/{token}")
    expect(page.locator("input[type=radio]")).to_have_count(3)
    assert serious_violations(page) == []
    both_sizes(page, "survey")
    page.set_viewport_size(PHONE)
    assert small_targets(page, "body") == []
    assert sideways_scroll(page) == 0
    page.locator("label", has_text="满意").first.click()
    page.click("button[type=submit]")
    expect(page.locator("body")).to_contain_text("谢谢")
    assert serious_violations(page) == []
    screenshot(page, "survey-answered-390")


def test_the_login_page_is_accessible(tab, app, committed):
    staff("admin")
    db.session.remove()
    tab.goto("/login")
    assert serious_violations(tab) == []
    both_sizes(tab, "login")
    tab.fill("input[name=username]", "admin")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab.locator("#queue-empty")).to_be_visible()
