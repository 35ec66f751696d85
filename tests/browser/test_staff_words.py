"""What the dashboard tells staff, in their language, in headless Chromium: an import's bad
lines, every outcome on the users pages (and a user's street edited there), and the queue's
heading and count saying what the list holds."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import db
from app.demo import seed
from app.tickets.lifecycle import SYSTEM
from app.tickets.models import Ticket
from app.tickets.resolution import resolve
from app.volunteers.models import Volunteer
from app.volunteers.staff_dispatch import assign_volunteer
from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import log_in
from tests.support.staff import staff
from tests.support.texting import text_line

pytestmark = pytest.mark.browser

BAD_VOLUNTEERS = (
    "name,phone,community,skills,building,max_active,availability,language\n"
    "张师傅,12,longxi,appliance,,,,\n"
    "李师傅,13900000002,nowhere,juggling,,0,Mon 25:00-26:00,fr\n"
    "王师傅,13900000003,longxi,,,,,\n"
)


def demo_desk() -> None:
    list(seed(db.session))
    staff("desk")  # an admin whose password the test knows
    db.session.remove()


def to_english(page) -> None:
    page.click("header button[name=lang]")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def upload(page, text: str) -> None:
    page.goto("/dashboard/import/volunteers")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "volunteers.csv", "mimeType": "text/csv", "buffer": text.encode()}],
    )
    page.click("button[data-action=import]")


def test_an_imports_bad_lines_are_said_in_the_staffs_language(page, committed):
    demo_desk()
    log_in(page, "desk")
    errors = page.locator("ol.errors li")
    for language, lines, other_language in (
        (
            "zh",
            [
                "第2行: 电话号码“12”无法识别",
                re.compile(r"^第3行: .*没有编号为“nowhere”的社区"),
                "第4行: 必填的列为空：skills",
            ],
            r"\b(phone|unknown|empty|must)\b",
        ),
        (
            "en",
            [
                "line 2: phone '12' is not a number we can use",
                re.compile(r"^line 3: unknown community 'nowhere'"),
                "line 4: empty skills",
            ],
            r"[\u4e00-\u9fff]",
        ),
    ):
        if language == "en":
            to_english(page)
        upload(page, BAD_VOLUNTEERS)
        expect(errors).to_have_text(lines)
        assert not re.search(other_language, page.locator("ol.errors").inner_text())
        screenshot(page, f"import-errors-{language}")


def test_the_users_pages_say_what_happened_and_edit_a_users_street(page, committed):
    demo_desk()
    log_in(page, "desk")
    flash = page.locator(".flash")
    page.goto("/dashboard/admin/users")
    add = page.locator("form.card", has=page.locator("input[name=username]"))
    add.locator("input[name=username]").fill("xiaoli")
    add.locator("select[name=role]").select_option("community")
    add.locator("input[name=password]").fill("a long enough password")
    add.locator("button[type=submit]").click()
    expect(flash).to_have_text("未保存：社区工作人员必须选择所属社区")

    add.locator("input[name=username]").fill("jiedao")
    add.locator("select[name=role]").select_option("office")
    add.locator("select[name=street]").select_option(label="龙溪街道")
    add.locator("input[name=password]").fill("a long enough password")
    add.locator("button[type=submit]").click()
    expect(flash).to_have_text("已添加账号 jiedao")

    page.click("table >> a:has-text('jiedao')")
    street = page.locator("select[name=street]")
    expect(street.locator("option:checked")).to_have_text("龙溪街道")
    street.select_option(label="双龙湖街道")
    page.click("button[data-action=role]")
    expect(flash).to_have_text("已保存账号 jiedao 的修改")
    expect(street.locator("option:checked")).to_have_text("双龙湖街道")
    page.select_option("select[name=role]", "community")
    page.select_option("select[name=community]", "longxi")
    page.click("button[data-action=role]")
    expect(flash).to_have_text("未保存：只有“街道580办公室”和管理员账号可以限定街道")
    page.select_option("select[name=role]", "community")  # the page shows what is saved
    page.select_option("select[name=community]", "longxi")
    street.select_option("")
    page.click("button[data-action=role]")
    expect(flash).to_have_text("已保存账号 jiedao 的修改")
    expect(page.locator("select[name=role] option:checked")).to_have_text("社区工作人员")
    page.fill("input[name=password]", "short")
    page.evaluate("document.querySelector('input[name=password]').removeAttribute('minlength')")
    page.click("button[data-action=password]")
    expect(flash).to_have_text("未保存：密码应为10到128个字符")
    page.click("button[data-action=disable]")
    expect(flash).to_have_text("已停用账号 jiedao，对方已退出登录")
    screenshot(page, "user-street-edited")

    page.goto("/dashboard/admin/users")
    page.click("table >> a:has-text('desk')")
    page.click("button[data-action=disable]")
    expect(flash).to_have_text("未停用：不能停用自己正在使用的账号")
    to_english(page)
    page.click("button[data-action=disable]")
    expect(flash).to_have_text("Not disabled: you cannot disable your own account")


def test_the_queues_heading_and_count_say_what_is_listed(page, app, committed):
    demo_desk()
    client = app.test_client()
    for phone, words in (
        ("13800138000", "洗衣机坏了，转几下就不动了"),
        ("13800138001", "楼道灯不亮，晚上看不见"),
    ):
        text_line(client, phone, words)
    washer = db.session.scalars(select(Ticket).where(Ticket.description.contains("洗衣机"))).one()
    helper = db.session.scalars(select(Volunteer).where(Volunteer.name == "张师傅")).one()
    assign_volunteer(db.session, washer, SYSTEM, helper)
    resolve(db.session, washer, SYSTEM, "")
    db.session.commit()
    db.session.remove()
    log_in(page, "desk")
    heading, count = page.locator("h1"), page.locator("#queue-count")
    expect(heading).to_have_text("待办工单（按期限排序）")
    expect(count).to_have_text("待办 1 件")

    page.select_option("select[name=status]", "all")
    page.click("#filters button[type=submit]")
    expect(heading).to_have_text("全部工单（按期限排序）")
    expect(count).to_have_text("全部 2 件")
    assert page.locator("table.queue caption").inner_text() == "全部工单（按期限排序）"
    text_line(client, "13800138002", "水管漏水，厨房地上都是水")  # the live list catches up
    expect(page.locator("#queue-rows tr[data-code]")).to_have_count(3)
    expect(count).to_have_text("全部 3 件")
    screenshot(page, "queue-all-statuses")

    page.select_option("select[name=status]", "resolved")
    page.click("#filters button[type=submit]")
    expect(heading).to_have_text("已办结待评价的工单")
    expect(count).to_have_text("已办结待评价 1 件")
    page.select_option("select[name=status]", "closed")
    page.click("#filters button[type=submit]")
    expect(count).to_have_text("已关闭 0 件")
    expect(page.locator("#queue-empty")).to_have_text("没有符合筛选条件的工单")

    page.goto("/dashboard/?status=all")
    to_english(page)
    expect(heading).to_have_text("All tickets, soonest deadline first")
    expect(count).to_have_text("3 in all")
    page.fill("#queue-search", "洗衣机")
    page.select_option("select[name=status]", "")
    page.click("#filters button[type=submit]")
    expect(heading).to_have_text("Search results, every status")
    expect(count).to_have_text("1 found")
