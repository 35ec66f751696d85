"""The office's own pages in headless Chromium, at 1280 and 390 px: staff type a caller's number
and see who it is at once (fields filled, category suggested), open the ticket; make a ticket
from a missed call; edit the resident and the ticket and find the changes on the timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.communities.models import Community
from app.db import db
from app.messaging.models import Message
from app.residents.models import Resident
from app.tickets.models import Channel, Ticket
from app.voice.models import Call, CallDirection, CallOutcome, CallPurpose
from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import XSS, log_in
from tests.support.staff import staff
from tests.volunteers import factories as f

pytestmark = pytest.mark.browser

WIDTHS = {"desk": (1280, 900), "phone": (390, 844)}


def a_street() -> tuple[Community, Resident]:
    home = Community(code="longxi", name="龙溪社区", name_en="Longxi", staff_phone="+8613900002001")
    wang = Resident(
        phone="+8613800138000",
        name="王奶奶",
        community=home,
        building="3栋",
        address="龙溪街道3栋2单元401",
    )
    db.session.add_all([home, wang, Community(code="jinshan", name="金山社区", name_en="Jinshan")])
    db.session.commit()
    db.session.add(
        Ticket(
            code="100001",
            channel=Channel.sms,
            category_code="electrical",
            description=f"楼道灯坏了 {XSS}",
            resident=wang,
            community=home,
        )
    )
    for n in range(1, 4):
        f.volunteer(n, home, skills=("appliance", "building", "plumbing"))
    staff("desk")
    db.session.commit()
    return home, wang


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", list(WIDTHS))
def test_staff_type_the_number_see_the_caller_and_open_the_ticket(page, committed, clock, size):
    a_street()
    db.session.remove()
    log_in(page, "desk")
    width, height = WIDTHS[size]
    page.set_viewport_size({"width": width, "height": height})

    page.click("nav >> text=新建工单")
    expect(page.locator("h1")).to_have_text("新建工单")
    page.fill("#entry-phone", "138 0013 8000")
    card = page.locator("#caller .caller-card[data-state=known]")
    expect(card).to_contain_text("王奶奶")  # at once, as the number is typed
    expect(card).to_contain_text("100001")  # the open ticket
    expect(card).to_contain_text(f"楼道灯坏了 {XSS}")  # shown, never run
    expect(page.locator("#entry-name")).to_have_value("王奶奶")
    expect(page.locator("#entry-address")).to_have_value("龙溪街道3栋2单元401")
    expect(page.locator("#entry-building")).to_have_value("3栋")
    page.fill("#entry-problem", "外墙漏水，家里墙面发霉")
    expect(page.locator("#entry-category")).to_have_value("building")  # the suggestion
    expect(page.locator("#caller .suggestion")).to_contain_text("房屋修缮")
    screenshot(page, f"new-ticket-{width}")
    no_sideways_scroll(page, width)

    page.click("button[data-action=create-ticket]")
    expect(page.locator("h1")).to_contain_text("工单")
    expect(page.locator("p.flash.ok")).to_contain_text("已建立工单")
    code = page.locator("h1").inner_text().split()[1]
    with_session_closed = db.session
    ticket = with_session_closed.scalar(select(Ticket).where(Ticket.code == code))
    assert ticket.channel == Channel.phone and ticket.category_code == "building"
    sms = with_session_closed.scalars(select(Message).where(Message.ticket_id == ticket.id)).all()
    assert any(m.template == "ticket_created" and m.peer == "+8613800138000" for m in sms)
    db.session.remove()
    expect(page.locator("ol.timeline")).to_contain_text("工作人员录入")
    screenshot(page, f"new-ticket-opened-{width}")


def test_a_number_typed_before_the_page_script_runs_is_still_looked_up(page, committed, clock):
    """Staff often start typing while the page is still arriving: the deferred script must ask
    about what is already in the field, not only about what is typed after it runs."""
    a_street()
    db.session.remove()
    log_in(page, "desk")
    held = []
    page.route("**/new_ticket.js", lambda route: held.append(route))
    page.goto("/dashboard/tickets/new", wait_until="commit")
    page.fill("#entry-phone", "138 0013 8000")
    page.wait_for_function("document.getElementById('entry-phone').value !== ''")
    assert held, "the script was not requested"
    held[0].continue_()
    expect(page.locator("#caller .caller-card[data-state=known]")).to_contain_text("王奶奶")
    expect(page.locator("#entry-name")).to_have_value("王奶奶")


def test_make_a_ticket_from_a_missed_call_then_edit_resident_and_ticket(page, committed, clock):
    home, _ = a_street()
    missed = Call(
        sid="CA" + "7" * 32,
        direction=CallDirection.inbound,
        purpose=CallPurpose.intake,
        caller="+8613800138055",
        flow="intake",
        outcome=CallOutcome.missed,
    )
    db.session.add(missed)
    db.session.commit()
    home_id = home.id
    db.session.remove()
    log_in(page, "desk")

    page.click("nav >> text=回电")
    page.click("table.missed a[data-action=make-ticket]")
    expect(page.locator("#entry-phone")).to_have_value("138 0013 8055")
    expect(page.locator("#caller .caller-card[data-state=new]")).to_be_visible()
    page.fill("#entry-name", "赵先生")
    page.select_option("#entry-community", str(home_id))
    page.fill("#entry-building", "6栋")
    page.fill("#entry-problem", "水龙头关不紧一直滴水")
    expect(page.locator("#entry-category")).to_have_value("plumbing")
    page.check("input[name=channel][value=phone]")
    page.click("button[data-action=create-ticket]")
    expect(page.locator("p.flash.ok")).to_contain_text("已建立工单")
    code = page.locator("h1").inner_text().split()[1]
    page.click("nav >> text=回电")
    expect(page.locator("table.missed tr[data-call]")).to_have_count(0)  # returned

    page.goto(f"/dashboard/tickets/{code}")
    page.click("a[data-action=edit-ticket]")
    page.fill("textarea[name=problem]", "厨房水龙头关不紧，一直滴水")
    page.check("input[name=urgent]")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "edit-ticket-390")
    no_sideways_scroll(page, 390)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("button[data-action=save-ticket]")
    expect(page.locator("h1 .tag.urgent")).to_be_visible()
    changes = page.locator("ol.timeline li.kind-ticket_edited")
    expect(changes).to_contain_text("紧急程度")
    expect(changes).to_contain_text("厨房水龙头关不紧")

    page.click("dd a")  # the resident
    page.click("a[data-action=edit-resident]")
    page.fill("input[name=address]", "龙溪街道6栋3单元502")
    page.select_option("select[name=language]", "en")
    screenshot(page, "edit-resident-1280")
    page.click("button[data-action=save-resident]")
    expect(page.locator("p.flash.ok")).to_be_visible()
    expect(page.locator("main")).to_contain_text("龙溪街道6栋3单元502")
    page.goto(f"/dashboard/tickets/{code}")
    edited = page.locator("ol.timeline li.kind-resident_edited")
    expect(edited).to_contain_text("龙溪街道6栋3单元502")
    screenshot(page, "ticket-edited-timeline-1280")
